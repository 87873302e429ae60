"""The commerce domain: aggregates, values, ports and use cases. Pure Python, no I/O."""
