"""`omni simulate`: a realistic omnichannel day driven through the public GraphQL API of a
running server (or one it starts on a simulated clock), and a report that sets every figure
the read models give beside what the simulator itself counted.

The simulator is a client: it talks HTTP to the API and imports nothing of the service
(an import-linter contract says so)."""
