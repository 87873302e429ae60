-- Erasure of a customer (issue 20, item 2; docs/decisions/2026-12-06-erasure.md): before
-- their key is forgotten, the erasure reads every event their key sealed, to find what the
-- read models hold of them in the clear. This index makes that read a customer's own rows
-- instead of the whole log. Partial: most events seal nothing (NULL).
CREATE INDEX events_data_subject ON events (data_subject) WHERE data_subject IS NOT NULL;
