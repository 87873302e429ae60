-- Erasure of a customer (issue 20, item 2; docs/decisions/2026-12-06-erasure.md): before
-- their key is forgotten, the erasure reads every event their key sealed, to find what the
-- read models hold of them in the clear. This index makes that read a customer's own rows
-- instead of the whole log. Partial: most events seal nothing (NULL).
CREATE INDEX events_data_subject ON events (data_subject) WHERE data_subject IS NOT NULL;

-- Whether a customer may be erased: their pickups and returns, found by index as a customer's
-- carts are (0011), instead of reading every pickup and return of the log.
CREATE INDEX events_customer_pickups_returns ON events ((state ->> 'customer_id'))
    WHERE topic IN ('domain.pickup.model:Pickup.Requested',
                    'domain.returns.model:Return.Requested');
-- The customers' own erasure requests the scheduler looks at every tick: a handful of rows.
CREATE INDEX events_erasure_requests ON events (stream_id)
    WHERE topic = 'domain.customer.profile:CustomerProfile.ErasureRequested';
