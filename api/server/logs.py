"""Logging for the command line and the server: our own messages on the console, the
embedded PostgreSQL's chatter in a file, expected refusals at INFO without a traceback.
With OMNI_LOG_FORMAT=json, one JSON object per line, with the id of the request (and of
its trace) being served when the line was written."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from api.request_ids import current_request

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries whose INFO lines say nothing a user of the service acts on.
TO_FILE = ("pgserver",)
QUIET = ("uvicorn.access", "httpx")


class JsonFormatter(logging.Formatter):
    """time, level, logger, message; request_id and trace_id where there is one; exception
    (its traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = current_request.get()
        if ids is not None:
            line["request_id"] = ids.request_id
            if ids.trace_id is not None:
                line["trace_id"] = ids.trace_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line).decode()


def use_json_lines(level: int = logging.INFO) -> None:
    """Everything that reaches the root logger, as JSON lines on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)


def configure_console(log_format: str = "console", level: int = logging.INFO) -> None:
    """Human lines or JSON lines on stderr, at `level`."""
    if log_format == "json":
        use_json_lines(level)
    else:
        logging.basicConfig(level=level, format=CONSOLE_FORMAT, force=True)


def configure(data_dir: Path, level: int = logging.INFO, log_format: str = "console") -> Path:
    """Console logging at `level` (human lines or JSON lines); returns the file the embedded
    database logs to."""
    configure_console(log_format, level)
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
