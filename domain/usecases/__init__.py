"""The application's use cases, one module per area."""
