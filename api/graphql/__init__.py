"""The GraphQL API: one schema for web, mobile, POS and staff. One package per feature, what
the features share beside them, and the engine that serves the schema (engine/), which the
features use only through what engine/__init__.py exports."""
