"""What every resolver needs: the services, the caller, the command context, and waits for
read-your-writes."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID, uuid4

from strawberry.types import Info

from api.auth import InvalidToken, Principal, Role
from domain.ports import Position
from domain.values import Channel, Context

READ_YOUR_WRITES_TIMEOUT = 5.0

CHANNELS_BY_ROLE = {Role.POS: Channel.POS, Role.STAFF: Channel.STAFF, Role.ADMIN: Channel.STAFF}


class NotAllowed(Exception):
    """The caller may not do this (a GraphQL error, not a userError)."""


class NotAuthenticated(Exception):
    pass


def services(info: Info) -> Any:
    return info.context["services"]


def principal(info: Info) -> Principal | None:
    """The caller, from the bearer token of the request or of the WebSocket's init payload."""
    context = info.context
    if "principal" not in context:
        token = _bearer_token(context)
        context["principal"] = None
        if token:
            try:
                context["principal"] = services(info).tokens.verify(token, time.time())
            except InvalidToken as error:
                raise NotAuthenticated(str(error)) from None
    return context["principal"]  # type: ignore[no-any-return]


def require(info: Info, *roles: Role) -> Principal:
    caller = principal(info)
    if caller is None:
        raise NotAuthenticated("a bearer token is required")
    if roles and caller.role not in roles and caller.role is not Role.ADMIN:
        raise NotAllowed(f"{caller.role.value} may not do this")
    return caller


def _bearer_token(context: dict[str, Any]) -> str | None:
    request = context.get("request")
    header = request.headers.get("authorization") if request is not None else None
    if header is None:
        params = context.get("connection_params") or {}
        header = params.get("Authorization") or params.get("authorization")
    if not header:
        return None
    scheme, _, token = str(header).partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("use 'Authorization: Bearer <token>'")
    return token.strip()


def command_context(info: Info, device_id: str | None = None) -> Context:
    """The metadata every event of this request carries."""
    caller = principal(info)
    request = info.context.get("request")
    headers = request.headers if request is not None else {}
    channel_header = headers.get("x-omni-channel")
    channel = CHANNELS_BY_ROLE.get(caller.role) if caller else None
    if channel is None:
        channel = Channel(channel_header) if channel_header in set(Channel) else Channel.WEB
    correlation = info.context.setdefault("correlation_id", _correlation_id(headers))
    return Context(
        channel=channel,
        device_id=device_id or headers.get("x-omni-device"),
        actor=caller.actor if caller else Principal(role=Role.GUEST, subject="anonymous").actor,
        correlation_id=correlation,
    )


def _correlation_id(headers: Any) -> UUID:
    raw = headers.get("x-correlation-id") if headers else None
    try:
        return UUID(raw) if raw else uuid4()
    except ValueError:
        return uuid4()


async def wait_for(info: Info, after: str | None, names: list[str] | None = None) -> None:
    """Read-your-writes: hold the query until the projections reached the client's position."""
    if not after:
        return
    try:
        position = Position.parse(after)
    except ValueError as error:
        raise ValueError(f"after: {error}") from None
    await services(info).projections.wait_for(position, READ_YOUR_WRITES_TIMEOUT, names)
