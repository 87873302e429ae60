"""The HTTP server: the Litestar app, the composition root that wires services, projection
runners, the scheduler and the outbox relay (composition.py), process supervision, health,
logs and tracing."""
