-- Sequenced dead letters (projections/dead_letters.py): an event a projection could not apply
-- for a reason that is not transient parks its stream; the later events of that stream are
-- parked behind it, in order, and every other stream goes on. Rows are written in the same
-- transaction as the checkpoint they move past, so a crash neither loses nor repeats one.
-- A rebuild parks into '<projection>__rebuild' and its swap renames them to the live name.
CREATE TABLE projection_dead_letters (
    projection      text        NOT NULL,
    stream_id       uuid        NOT NULL,
    version         integer     NOT NULL,
    -- The event's place in the global order (as projection_checkpoints records it).
    transaction_id  bigint      NOT NULL,
    position        bigint      NOT NULL,
    topic           text        NOT NULL,
    -- Why the stream is parked: set on its first event (the head), NULL on the events
    -- parked behind it.
    error           text,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, stream_id, version)
);

-- What operators asked of a parked stream (`omni projections dead-letters retry|skip`), and
-- what the projection's lease holder did: requested here, performed by the one process that
-- writes the read model, kept as the record of who did what and when. A skip names the event
-- it dropped.
CREATE TABLE projection_dead_letter_actions (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection      text        NOT NULL,
    stream_id       uuid        NOT NULL,
    action          text        NOT NULL CHECK (action IN ('retry', 'skip')),
    requested_by    text        NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    -- 'applied', 'still parked' (the error is the new one), 'skipped' or 'not parked'.
    outcome         text,
    detail          text,
    -- The event a skip dropped.
    skipped_version integer,
    skipped_position text,
    skipped_topic   text,
    skipped_error   text
);
CREATE INDEX projection_dead_letter_actions_pending
    ON projection_dead_letter_actions (projection, id) WHERE done_at IS NULL;
