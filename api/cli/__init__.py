"""The `omni` command line (main.py). It calls the server's composition root; nothing imports
it, and its modules load the web stack only for the commands that serve."""
