"""Logging for the command line and the server: our own messages on the console, the
embedded PostgreSQL's chatter in a file, expected refusals at INFO without a traceback."""

from __future__ import annotations

import logging
from pathlib import Path

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries whose INFO lines say nothing a user of the service acts on.
TO_FILE = ("pgserver",)
QUIET = ("uvicorn.access", "httpx")


def configure(data_dir: Path, level: int = logging.INFO) -> Path:
    """Console logging at `level`; returns the file the embedded database logs to."""
    logging.basicConfig(level=level, format=CONSOLE_FORMAT, force=True)
    log_file = data_dir / "logs" / "embedded-postgres.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    for name in TO_FILE:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return log_file
