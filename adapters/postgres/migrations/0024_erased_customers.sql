-- The customers erased (docs/decisions/2026-12-07-erased-customers-tokens.md): every API
-- process holds this set in memory and refuses their tokens. Written by the eraser
-- (adapters/postgres/erasure.py) as soon as the erasure's event is committed, with a NOTIFY
-- on `<schema>_erased_customers`; a profile merged into the erased one is listed too.
CREATE TABLE erased_customers (
    customer_id text        PRIMARY KEY,
    erased_at   timestamptz NOT NULL DEFAULT now()
);

-- Erasures before this table: their keys are tombstones (a subject `customer:<id>`).
INSERT INTO erased_customers (customer_id, erased_at)
SELECT substr(subject, length('customer:') + 1), forgotten_at FROM data_keys
WHERE subject LIKE 'customer:%' AND forgotten_at IS NOT NULL
ON CONFLICT DO NOTHING;
