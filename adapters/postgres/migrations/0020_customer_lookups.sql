-- Identifying a shopper at a till or by an associate (domain/customer/lookup.py): exact
-- matches on a normalized e-mail address or phone number. These indexes hold the same
-- expressions as the lookup's queries (adapters/postgres/customers.py), so a lookup reads a
-- few index entries however large the directory is.
CREATE INDEX customers_email_lookup ON customers (lower(btrim(email))) WHERE email IS NOT NULL;
CREATE INDEX customers_phone_lookup ON customers (regexp_replace(phone, '[^0-9+]', '', 'g'))
    WHERE phone IS NOT NULL;
