"""Every HTTP request and WebSocket connection gets an id: the caller's `X-Request-Id` when it
is a sane token, else a new one. A request's is echoed in the response's `X-Request-Id`; both
are held in a contextvar for their lifetime so every log line written while serving them
carries it (api/server/logs.py).
With tracing on, the request is also the trace's root span, which carries the id too.

A pure ASGI wrapper around the whole app rather than a Litestar middleware or dependency:
Litestar wraps each route with middleware in an exception-handling layer of its own, and
the API's throughput is benchmarked per microsecond (bench/telemetry.py measures this).
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
    from opentelemetry.trace import Tracer

HEADER = b"x-request-id"
# Letters, digits and a little punctuation: what a proxy or a client generates, and nothing
# that could forge a log line or a header.
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+=/-]{1,128}")
REQUEST_ID_ATTRIBUTE = "omni.request_id"


class RequestIds(NamedTuple):
    request_id: str
    trace_id: str | None  # 32 hex digits, when the request is traced


current_request: ContextVar[RequestIds | None] = ContextVar("current_request", default=None)


def new_request_id() -> str:
    return os.urandom(8).hex()


def incoming_request_id(headers: Any) -> str | None:
    for name, value in headers:
        if name == HEADER:
            return value.decode() if SANE_REQUEST_ID.fullmatch(value) else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, tracer: Tracer | None = None) -> None:
        self.app = app
        self.tracer = tracer
        if tracer is not None:  # OpenTelemetry's API is imported only when tracing is on
            from opentelemetry.trace import SpanKind

            self.server_kind = SpanKind.SERVER

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._connection(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"]) or new_request_id()
        echoed = (HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        if self.tracer is None:
            token = current_request.set(RequestIds(request_id, None))
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                current_request.reset(token)
            return
        await self._traced(cast("HTTPScope", scope), receive, send_with_id, request_id)

    async def _connection(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket holds one id for its whole life: the errors of its operations carry
        it (api/graphql/engine/error_format.py), as do the log lines written serving it."""
        request_id = incoming_request_id(scope["headers"]) or new_request_id()
        token = current_request.set(RequestIds(request_id, None))
        try:
            await self.app(scope, receive, send)
        finally:
            current_request.reset(token)

    async def _traced(
        self, scope: HTTPScope, receive: Receive, send: Send, request_id: str
    ) -> None:
        """The request as the root span of its trace: method, path, status and request id."""
        assert self.tracer is not None
        method, path = scope["method"], scope["path"]
        attributes = {
            "http.request.method": method,
            "url.path": path,
            REQUEST_ID_ATTRIBUTE: request_id,
        }
        with self.tracer.start_as_current_span(
            f"{method} {path}", kind=self.server_kind, attributes=attributes
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            token = current_request.set(RequestIds(request_id, trace_id))

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            try:
                await self.app(scope, receive, send_with_status)
            finally:
                current_request.reset(token)
