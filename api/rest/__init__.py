"""REST beside GraphQL where a client needs it: POST /pos/sync for tills that were offline,
GET /customer-data for a customer's data as a file (through a signed, expiring link)."""
