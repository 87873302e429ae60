-- Personal data sealed with its data subject's key (crypto-shredding, DESIGN §10; the
-- decision: docs/decisions/2026-12-06-personal-data-keys.md).
--
-- One data key per subject (a customer, a guest by their cart, a stream of no known
-- customer), stored wrapped by the master key it names. Forgetting a subject leaves a
-- tombstone (no key, forgotten_at set) so that nothing new about them can be sealed readably;
-- a guest linked to a customer at sign-in is forgotten with them.
CREATE TABLE data_keys (
    subject        text        PRIMARY KEY,
    wrapped        bytea,
    master_key_id  text,
    linked_to      text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    forgotten_at   timestamptz,
    CONSTRAINT data_keys_forgotten_have_no_key CHECK (
        (wrapped IS NULL) = (forgotten_at IS NOT NULL)
        AND (wrapped IS NULL) = (master_key_id IS NULL)
    )
);
CREATE INDEX data_keys_linked_to ON data_keys (linked_to) WHERE linked_to IS NOT NULL;

-- The subject whose key sealed a row's personal fields (and its context's personal device
-- id); NULL when nothing in it was sealed, which includes every row written before this
-- migration. A NULL column is added without rewriting the table.
ALTER TABLE events ADD COLUMN data_subject text;
ALTER TABLE snapshots ADD COLUMN data_subject text;

-- Snapshots only speed loading up, and those taken so far hold personal attributes in the
-- clear: they go, and the next saves take sealed ones.
DELETE FROM snapshots;

-- As 0017, plus each event's data subject. A new overload (one more argument): the functions
-- of 0015 and 0017 stay for API processes of the previous version during a rolling restart.
CREATE FUNCTION omni_append(
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

    -- Streams are taken in one order: two appends sharing streams then wait for each other
    -- instead of each inserting its first row and waiting for the other's (a deadlock).
    IF EXISTS (SELECT 1 FROM unnest(p_stream_ids) AS s WHERE s <> p_stream_ids[1]) THEN
        FOR v_lock IN
            SELECT DISTINCT hashtext(s::text) FROM unnest(p_stream_ids) AS s ORDER BY 1
        LOOP
            PERFORM pg_advisory_xact_lock(hashtext(current_schema()), v_lock);
        END LOOP;
    END IF;

    -- Only the first event of each stream needs a predecessor; the primary key does the rest.
    SELECT s.stream_id INTO v_stale
    FROM unnest(p_stream_ids, p_versions) AS s(stream_id, version)
    WHERE s.version > 1
      AND (s.stream_id, s.version - 1) NOT IN (
          SELECT x.stream_id, x.version
          FROM unnest(p_stream_ids, p_versions) AS x(stream_id, version))
      AND NOT EXISTS (
          SELECT 1 FROM events e WHERE e.stream_id = s.stream_id AND e.version = s.version - 1)
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
