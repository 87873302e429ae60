"""The service's edge, in rooms by role (docs/ARCHITECTURE.md has the map):

- `cli/`: the `omni` command; it calls the server's composition root, and nothing imports it;
- `server/`: the Litestar app, the composition root, process supervision, the scheduler,
  health, metrics' endpoint, logs and tracing;
- `rest/`, `graphql/` (features on top of `graphql/engine/`), `pages/`: what clients call;
- at the bottom, what every room uses: `auth`, `services`, `http_errors`, `request_ids`,
  `metrics`, `storable_text`.
"""
