-- The outbox relay (adapters/outbox/relay.py). The events table is the outbox: every append
-- already lands there with the state change. The relay follows the global order like a
-- projection and records here how far it has published, only after NATS JetStream
-- acknowledged every message of the batch, with a compare-and-set on the position it read.
CREATE TABLE outbox_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  bigint      NOT NULL DEFAULT 0,
    position        bigint      NOT NULL DEFAULT 0,
    -- running, waiting (the broker is unreachable or refused a message), stopped, failed
    state           text        NOT NULL DEFAULT 'stopped',
    error           text,
    published       bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    caught_up_at    timestamptz
);

-- Each stock item as the relay last saw it, written in the same transaction as the
-- checkpoint: a replay from the checkpoint starts from the same levels and so computes the
-- same low/out crossings (and the same message ids).
CREATE TABLE outbox_stock_levels (
    stream_id    uuid    PRIMARY KEY,
    location_id  text    NOT NULL,
    sku          text    NOT NULL,
    on_hand      integer NOT NULL,
    reserved     integer NOT NULL,
    band         text    NOT NULL CHECK (band IN ('ok', 'low', 'out'))
);

-- The pickup-ready notifier (adapters/outbox/notifier.py): integration event ids it has
-- mailed (or skipped), so a redelivered message never mails twice.
CREATE TABLE outbox_notifications (
    message_id   text        PRIMARY KEY,
    outcome      text        NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    recipient    text,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
