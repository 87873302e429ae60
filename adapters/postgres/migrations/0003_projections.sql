-- Where each projection has got to in the global order. Written in the same transaction as
-- the projection's read-model rows, and only from the position the writer read (CAS), so a
-- batch is applied exactly once whatever crashes or races.
CREATE TABLE projection_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  bigint      NOT NULL DEFAULT 0,
    position        bigint      NOT NULL DEFAULT 0,
    version         integer     NOT NULL DEFAULT 1,
    state           text        NOT NULL DEFAULT 'running',
    error           text,
    failed_at       text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
