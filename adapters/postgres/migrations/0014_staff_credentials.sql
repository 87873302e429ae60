-- Staff who sign in on a store tablet: their stores, their role and a hashed PIN (never the
-- PIN), loaded by `omni catalog import --staff` and the demo seed. A sign-in exchanges store,
-- staff id and PIN for a bearer token scoped to that store (POST /staff/session). Five wrong
-- PINs in a row lock the id for 15 minutes, so a 4-digit PIN cannot be guessed by trying.
CREATE TABLE staff_credentials (
    staff_id         text PRIMARY KEY,
    stores           text[] NOT NULL,
    staff_role       text NOT NULL CHECK (staff_role IN ('picker', 'manager')),
    pin_hash         text NOT NULL,
    failed_attempts  integer NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
