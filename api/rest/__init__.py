"""REST beside GraphQL where a client needs it: POST /pos/sync for tills that were offline."""
