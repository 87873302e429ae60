-- A product the retailer no longer sells (`discontinued` in `omni catalog import`): it stays,
-- for the orders, returns and stock that name it, but no cart or order takes it any more.
ALTER TABLE products ADD COLUMN discontinued boolean NOT NULL DEFAULT false;
