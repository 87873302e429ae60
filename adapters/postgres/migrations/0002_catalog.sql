-- Reference data: plain tables loaded by `omni catalog import` and the demo seed.
CREATE TABLE products (
    sku                  text PRIMARY KEY,
    name                 text NOT NULL,
    price                numeric(12, 2) NOT NULL CHECK (price >= 0),
    currency             char(3) NOT NULL,
    low_stock_threshold  integer CHECK (low_stock_threshold >= 0),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE locations (
    id                      text PRIMARY KEY,
    name                    text NOT NULL,
    kind                    text NOT NULL CHECK (kind IN ('store', 'warehouse')),
    time_zone               text NOT NULL,
    latitude                double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude               double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    opens_at                time NOT NULL,
    closes_at               time NOT NULL,
    pickup_service_minutes  integer NOT NULL CHECK (pickup_service_minutes > 0),
    pickup_window_days      integer NOT NULL CHECK (pickup_window_days >= 1),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX locations_by_kind ON locations (kind);
