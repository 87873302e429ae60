-- What a storefront shows about a product beside its name and price, as imported.
ALTER TABLE products
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN attributes  jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN image_urls  text[] NOT NULL DEFAULT '{}';

-- Catalog search by SKU or name: products are few enough (thousands) for a scan with
-- ILIKE; a trigram index is the next step if a catalog grows past that.
