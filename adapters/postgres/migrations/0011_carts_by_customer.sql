-- Which carts were ever a customer's, straight from the event log: read once per customer, the
-- first time their `CustomerCarts` stream is needed, to adopt an open cart written before that
-- stream existed (adapters/postgres/cart_history.py). Partial, so only cart creations and
-- sign-in assignments pay for it.
CREATE INDEX IF NOT EXISTS events_cart_customer ON events ((state ->> 'customer_id'))
    WHERE topic IN ('domain.cart.model:Cart.Created', 'domain.cart.model:Cart.AssignedToCustomer');
