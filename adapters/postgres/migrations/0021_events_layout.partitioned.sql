-- The partitioned layout (OMNI_EVENTS_LAYOUT=partitioned), applied instead of
-- 0021_events_layout.sql when a schema is created: the events table in range partitions of
-- the global position, so that old ranges can be detached, archived and vacuumed on their
-- own (docs/SCALING.md step 3, docs/decisions/2026-12-06-partitioned-events.md).
--
-- A unique index of a partitioned table must contain the partition key, so the primary key
-- (stream_id, version) that refused a stale writer cannot exist here. Each stream's version
-- lives in `streams` instead, and every append moves it by compare-and-set in the append's own
-- statement: from the version before its first new event to its last one, or refused.

-- Only a schema without events is laid out again: a plain one in use is refused, not converted.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM events) THEN
        RAISE EXCEPTION 'the events table holds events in the plain layout'
            USING ERRCODE = 'OL001';
    END IF;
END;
$$;

DROP TABLE events;

CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    topic           text        NOT NULL,
    schema_version  smallint    NOT NULL DEFAULT 1,
    state           jsonb       NOT NULL,
    context         jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    -- As 0019 added it: the subject whose key sealed the row's personal fields, or NULL.
    data_subject    text
) PARTITION BY RANGE (position);

-- Not unique (it cannot be): streams below is what keeps (stream_id, version) unique.
CREATE INDEX events_stream_version ON events (stream_id, version);
CREATE INDEX events_global_order ON events (transaction_id, position);
CREATE INDEX events_cart_customer ON events ((state ->> 'customer_id'))
    WHERE topic IN ('domain.cart.model:Cart.Created', 'domain.cart.model:Cart.AssignedToCustomer');

-- The safety net: rows past the last range partition land here instead of failing the append
-- (the partition rule was not fired in time). They stay here, readable like any other.
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Each stream's last version, moved by every append in the same statement as its events.
-- Room on each page keeps those updates HOT (no index entry per append).
CREATE TABLE streams (
    stream_id  uuid    PRIMARY KEY,
    version    integer NOT NULL CHECK (version > 0)
) WITH (fillfactor = 70);

-- The range partitions the rule created, in order (omni_add_event_partitions).
CREATE TABLE event_partitions (
    name           text        PRIMARY KEY,
    from_position  bigint      NOT NULL UNIQUE,
    to_position    bigint      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- As 0019's, but each stream's version moves in `streams` by compare-and-set: a stream seen
-- for the first time is claimed by inserting its row (a racing creator waits on the first and
-- then finds the row: refused), a known one by updating the row only where it still holds the
-- version before the first new event (a racing writer waits on the row lock, then finds the
-- version moved: refused). Either way the loser gets OC001 naming its stream.
CREATE OR REPLACE FUNCTION omni_append(
    p_stream_ids      uuid[],
    p_versions        integer[],
    p_topics          text[],
    p_schema_versions smallint[],
    p_states          jsonb[],
    p_contexts        jsonb[],
    p_key             text,
    p_outcome         bytea,
    p_fingerprint     bytea,
    p_data_subjects   text[]
) RETURNS TABLE (
    transaction_id bigint, last_position bigint, replayed boolean, outcome bytea,
    fingerprint bytea
)
LANGUAGE plpgsql AS $$
DECLARE
    v_last bigint;
    v_stale uuid;
    v_lock integer;
BEGIN
    IF p_key IS NOT NULL THEN
        -- A racing append of the same key waits here until the first commits or aborts.
        INSERT INTO idempotency_keys AS k (key, outcome, fingerprint)
        VALUES (p_key, p_outcome, p_fingerprint)
        ON CONFLICT (key) DO NOTHING;
        IF NOT FOUND THEN
            RETURN QUERY SELECT k.transaction_id::text::bigint, k.position, true, k.outcome,
                                k.fingerprint
                FROM idempotency_keys k WHERE k.key = p_key;
            RETURN;
        END IF;
    END IF;

    -- As in 0015: streams are taken in one order, so appends sharing streams queue instead of
    -- each holding one stream's row and waiting for the other's (a deadlock).
    IF EXISTS (SELECT 1 FROM unnest(p_stream_ids) AS s WHERE s <> p_stream_ids[1]) THEN
        FOR v_lock IN
            SELECT DISTINCT hashtext(s::text) FROM unnest(p_stream_ids) AS s ORDER BY 1
        LOOP
            PERFORM pg_advisory_xact_lock(hashtext(current_schema()), v_lock);
        END LOOP;
    END IF;

    -- Each stream's new events must be consecutive versions; the stream then moves from the
    -- version before the first to the last, or the append is refused.
    WITH moves AS (
        SELECT s.stream_id, min(s.version) AS first_version, max(s.version) AS last_version,
               count(DISTINCT s.version) = count(*)
                   AND max(s.version) - min(s.version) + 1 = count(*) AS consecutive
        FROM unnest(p_stream_ids, p_versions) AS s(stream_id, version)
        GROUP BY s.stream_id
    ), claimed AS (
        INSERT INTO streams AS t (stream_id, version)
        SELECT m.stream_id, m.last_version FROM moves m
        WHERE m.first_version = 1 AND m.consecutive
        ORDER BY m.stream_id
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING t.stream_id
    ), advanced AS (
        UPDATE streams t SET version = m.last_version
        FROM moves m
        WHERE m.first_version > 1 AND m.consecutive
          AND t.stream_id = m.stream_id AND t.version = m.first_version - 1
        RETURNING t.stream_id
    )
    SELECT m.stream_id INTO v_stale
    FROM moves m
    WHERE m.stream_id NOT IN (SELECT c.stream_id FROM claimed c
                              UNION ALL SELECT a.stream_id FROM advanced a)
    LIMIT 1;
    IF v_stale IS NOT NULL THEN
        RAISE EXCEPTION 'stream % is not at its expected version', v_stale
            USING ERRCODE = 'OC001', DETAIL = v_stale::text;
    END IF;

    WITH inserted AS (
        INSERT INTO events (stream_id, version, topic, schema_version, state, context,
                            data_subject)
        SELECT * FROM unnest(p_stream_ids, p_versions, p_topics, p_schema_versions,
                             p_states, p_contexts, p_data_subjects)
        RETURNING events.position
    )
    SELECT max(inserted.position) INTO v_last FROM inserted;

    IF p_key IS NOT NULL THEN
        UPDATE idempotency_keys k SET position = coalesce(v_last, 0) WHERE k.key = p_key;
    END IF;

    RETURN QUERY SELECT pg_current_xact_id()::text::bigint, coalesce(v_last, 0), false, p_outcome,
                        p_fingerprint;
END;
$$;

-- The 9-argument form of 0017 and the 8-argument one of 0015 (processes of a version before
-- 0019, during a rolling restart) must move the stream versions too: each is the 10-argument
-- one without what it lacks (no data subject: nothing sealed; no fingerprint).
CREATE OR REPLACE FUNCTION omni_append(
    p_stream_ids      uuid[],
    p_versions        integer[],
    p_topics          text[],
    p_schema_versions smallint[],
    p_states          jsonb[],
    p_contexts        jsonb[],
    p_key             text,
    p_outcome         bytea,
    p_fingerprint     bytea
) RETURNS TABLE (
    transaction_id bigint, last_position bigint, replayed boolean, outcome bytea,
    fingerprint bytea
)
LANGUAGE sql AS $$
    SELECT * FROM omni_append(p_stream_ids, p_versions, p_topics, p_schema_versions, p_states,
                              p_contexts, p_key, p_outcome, p_fingerprint, NULL::text[]);
$$;

CREATE OR REPLACE FUNCTION omni_append(
    p_stream_ids      uuid[],
    p_versions        integer[],
    p_topics          text[],
    p_schema_versions smallint[],
    p_states          jsonb[],
    p_contexts        jsonb[],
    p_key             text,
    p_outcome         bytea
) RETURNS TABLE (transaction_id bigint, last_position bigint, replayed boolean, outcome bytea)
LANGUAGE sql AS $$
    SELECT a.transaction_id, a.last_position, a.replayed, a.outcome
    FROM omni_append(p_stream_ids, p_versions, p_topics, p_schema_versions, p_states,
                     p_contexts, p_key, p_outcome, ''::bytea, NULL::text[]) AS a;
$$;

-- The partition rule (adapters/postgres/partitions.py, fired by the scheduler and at start):
-- range partitions of p_size positions, created until p_ahead of them lie wholly past the
-- head. Returns how many it created. A partition is created apart and then attached, which
-- never waits for appends (SHARE UPDATE EXCLUSIVE on the parent), but does wait for readers of
-- the default partition; lock_timeout bounds that wait, and the next firing tries again.
CREATE FUNCTION omni_add_event_partitions(p_size bigint, p_ahead integer, p_lock_timeout text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    -- Positions an append may have drawn and not yet routed while the rule runs: when the
    -- head is this close to the last partition's end, the next one starts past it (the
    -- positions between go to the default partition), so an attach never claims a row in
    -- flight.
    c_in_flight constant bigint := 1000;
    v_head bigint;
    v_from bigint;
    v_name text;
    v_created integer := 0;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    -- Two processes firing the rule at once: the second finds the first's partitions.
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || ':event_partitions'));
    SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END INTO v_head
    FROM events_position_seq s;
    SELECT max(p.to_position) INTO v_from FROM event_partitions p;
    IF v_from IS NULL AND v_head = 0 THEN
        v_from := 1;
    ELSIF v_from IS NULL OR v_from <= v_head + c_in_flight THEN
        v_from := v_head + 1 + c_in_flight;
    END IF;
    WHILE v_from <= v_head + p_ahead * p_size LOOP
        v_name := format('events_from_%s', lpad(v_from::text, 19, '0'));
        EXECUTE format(
            'CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            'INCLUDING STORAGE) WITH (fillfactor = 100)', v_name);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                       v_name, v_from, v_from + p_size);
        INSERT INTO event_partitions (name, from_position, to_position)
        VALUES (v_name, v_from, v_from + p_size);
        v_from := v_from + p_size;
        v_created := v_created + 1;
    END LOOP;
    RETURN v_created;
END;
$$;
