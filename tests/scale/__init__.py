"""Several API processes and projection workers on one database, as real processes."""
