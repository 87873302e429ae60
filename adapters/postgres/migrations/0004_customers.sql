-- Customers as reference data: who they are comes from the retailer's identity provider or
-- CRM, loaded by `omni catalog import --customers` and the demo seed. Events keep only the
-- customer id; names and contact details are looked up here, so a changed e-mail address
-- needs no event rewritten and an erasure request deletes one row.
CREATE TABLE customers (
    id          text PRIMARY KEY,
    first_name  text NOT NULL,
    last_name   text NOT NULL DEFAULT '',
    email       text,
    phone       text,
    -- What a till scans (a loyalty card) to know the shopper: unique when present.
    loyalty_id  text UNIQUE,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
