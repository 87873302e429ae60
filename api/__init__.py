"""The composition root, GraphQL schema, REST endpoints and the `omni` command line."""
