-- Where each projection has got to in the global order. Written in the same transaction as
-- the projection's read-model rows, and only from the position the writer read (a compare-
-- and-set), so a batch is applied exactly once whatever crashes or races. A rebuild keeps a
-- row of its own, named '<projection>__rebuild', for its shadow tables.
CREATE TABLE projection_checkpoints (
    name            text        PRIMARY KEY,
    -- The pair (transaction id, position) of the last event covered, as the events table
    -- orders them; events of other topics are covered too, so the pair reaches the head.
    transaction_id  bigint      NOT NULL DEFAULT 0,
    position        bigint      NOT NULL DEFAULT 0,
    -- The projection version its tables were built by; a higher one in code means rebuild.
    version         integer     NOT NULL DEFAULT 1,
    state           text        NOT NULL DEFAULT 'stopped'
                    CHECK (state IN ('running', 'stopped', 'failed', 'rebuilding')),
    error           text,
    -- The position token ("txid.position") of the event a handler failed on.
    failed_at       text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- When the checkpoint last reached the visible head of the global order.
    caught_up_at    timestamptz
);
