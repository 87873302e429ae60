"""A shallow hierarchy: every domain failure carries the ids involved and a stable code."""

from __future__ import annotations

from typing import Any
from uuid import UUID


class DomainError(Exception):
    """A command was refused; nothing was recorded."""

    code = "DOMAIN_ERROR"
    field: str | None = None

    def __init__(self, message: str = "", **ids: Any) -> None:
        self.ids = ids
        super().__init__(message or self._describe())

    def _describe(self) -> str:
        details = ", ".join(f"{key}={value}" for key, value in self.ids.items())
        return f"{type(self).__name__}({details})"


class NotFound(DomainError):
    code = "NOT_FOUND"


class ConcurrencyError(DomainError):
    """Another command changed the stream first: its expected version is stale."""

    code = "CONCURRENT_MODIFICATION"

    def __init__(self, stream_id: UUID, expected_version: int | None = None) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        super().__init__(
            f"stream {stream_id} changed after version {expected_version}",
            stream_id=stream_id,
            expected_version=expected_version,
        )


class EventDecodingError(Exception):
    """A stored event cannot be read back: names the stream and version so it can be found."""

    def __init__(self, stream_id: UUID, version: int, reason: str) -> None:
        self.stream_id = stream_id
        self.version = version
        super().__init__(f"cannot decode event {stream_id} v{version}: {reason}")


class EventEncodingError(Exception):
    """An event's state does not fit its declared types; nothing was written."""

    def __init__(self, stream_id: UUID, version: int, reason: str) -> None:
        self.stream_id = stream_id
        self.version = version
        super().__init__(f"cannot encode event {stream_id} v{version}: {reason}")
