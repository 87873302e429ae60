"""An idempotency key means one request (DESIGN §10, after Stripe's rules).

A key is bound to a fingerprint of the request it first named: the operation and its
arguments, canonically encoded and hashed. Sent again with the same arguments, it answers
the first outcome; with other arguments it is refused (IDEMPOTENCY_KEY_REUSED). A refusal is
never stored under a key: nothing was done, so a retry runs as new
(docs/decisions/2026-12-06-idempotency-refusals.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from domain.errors import DomainError, ErrorCode
from domain.ports import AppendResult

_canonical = msgspec.json.Encoder(order="sorted")


class IdempotencyKeyReused(DomainError):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED
    subject = "idempotency_key"
    message = (
        "this idempotency key was first sent with other arguments; a new request needs a new key"
    )


class Idempotent(msgspec.Struct, frozen=True):
    """A request's idempotency key and the fingerprint of what it asks."""

    key: str
    fingerprint: bytes

    def require_same_request(self, first: AppendResult) -> None:
        """Refuse when the key's first request had other arguments. Keys stored before
        fingerprints existed have none (b""): nothing to compare, so they are honoured."""
        if first.fingerprint and first.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(key=self.key)


def fingerprint(operation: str, arguments: dict[str, Any]) -> bytes:
    """SHA-256 of the operation and its arguments as JSON with sorted keys: the same request
    gives the same bytes in any process, whatever order its arguments were built in."""
    request = msgspec.to_builtins({"operation": operation, "arguments": arguments}, str_keys=True)
    return hashlib.sha256(_canonical.encode(request)).digest()


def idempotent(key: str | None, operation: str, **arguments: Any) -> Idempotent | None:
    """The request a use case was asked to carry out once, or None without a key."""
    if key is None:
        return None
    return Idempotent(key, fingerprint(operation, arguments))
