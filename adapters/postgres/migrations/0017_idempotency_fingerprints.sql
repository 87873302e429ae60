-- An idempotency key names one request (DESIGN §10): it is recorded with a fingerprint of
-- that request (SHA-256 of the operation and its canonical arguments, domain/idempotency.py)
-- in the same transaction as the events, and a replay returns it so the caller can refuse the
-- same key with other arguments. Keys recorded before this migration have no fingerprint
-- (''): they are still honoured, with nothing to compare. A constant default adds the column
-- without rewriting the table.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint bytea NOT NULL DEFAULT ''::bytea;

-- As 0015, plus the fingerprint: recorded with a new key, returned with a replayed one. A new
-- overload (one more argument): the 8-argument function of 0015 stays for API processes of
-- the previous version during a rolling restart (their keys get no fingerprint, as before).
CREATE FUNCTION omni_append(
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
        INSERT INTO events (stream_id, version, topic, schema_version, state, context)
        SELECT * FROM unnest(p_stream_ids, p_versions, p_topics, p_schema_versions,
                             p_states, p_contexts)
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
