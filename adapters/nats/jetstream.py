"""Publishing to NATS JetStream: one connection, the stream created if missing, and batches
sent pipelined (every publish in flight at once, the acknowledgements awaited together).

The connection never reconnects by itself. nats-py would otherwise keep publishing into a
buffer while disconnected and flush it after reconnecting, behind messages the server may
never have received: the stored order could then have a gap that a later retry fills out of
order. Instead any failure closes the connection; the caller opens a new one and re-sends
from its checkpoint, so the server always holds a prefix of what was sent, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import nats
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)

CONNECT_SECONDS = 2.0
ACK_SECONDS = 10.0


class BrokerUnavailable(Exception):
    """NATS could not be reached, or JetStream did not answer."""


class PublishFailed(Exception):
    """A message of the batch was not acknowledged (refused, timed out, connection lost)."""


class Message(NamedTuple):
    subject: str
    msg_id: str  # sent as Nats-Msg-Id: JetStream stores a repeat within the window once
    payload: bytes


class StreamSpec(NamedTuple):
    name: str
    subjects: list[str]
    duplicate_window: float  # seconds


class JetStreamPublisher:
    """Publishes batches on one connection; `published` counts messages stored (not repeats).

    Acknowledgements come back on an inbox of its own (nats-py's publish_async leaves a
    future unresolved when the server refuses a message, so refusals would look like
    timeouts): each reply is matched to its message and checked here."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.js = connection.jetstream(timeout=ACK_SECONDS)
        self.published = 0
        self.duplicates = 0
        self._inbox = connection.new_inbox()
        self._sent = 0
        self._waiting: dict[str, asyncio.Future[Any]] = {}
        self._lost = asyncio.Event()

    @classmethod
    async def connect(cls, url: str, stream: StreamSpec) -> JetStreamPublisher:
        """Connect and make sure the stream exists; BrokerUnavailable when NATS is not there."""
        publisher: JetStreamPublisher | None = None

        async def lost(*_: object) -> None:
            if publisher is not None:
                publisher._lost.set()

        try:
            connection = await connect(url, disconnected_cb=lost, closed_cb=lost)
            publisher = cls(connection)
            await connection.subscribe(f"{publisher._inbox}.*", cb=publisher._replied)
            await ensure_stream(publisher.js, stream)
        except Exception as error:  # every way of not getting there is one outcome
            if publisher is not None:
                await publisher.close()
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error
        return publisher

    async def publish(self, messages: Sequence[Message]) -> None:
        """Send every message, then await every acknowledgement; PublishFailed unless all
        were stored (or recognised as repeats)."""
        futures: list[asyncio.Future[Any]] = []
        loop = asyncio.get_running_loop()
        try:
            for message in messages:
                self._sent += 1
                reply = f"{self._inbox}.{self._sent}"
                futures.append(future := loop.create_future())
                self._waiting[reply] = future
                headers = {"Nats-Msg-Id": message.msg_id}
                await self.connection.publish(
                    message.subject, message.payload, reply=reply, headers=headers
                )
            replies = await self._acknowledged(futures)
        except PublishFailed:
            raise
        except Exception as error:  # refused, timed out or disconnected: all one
            raise PublishFailed(f"{type(error).__name__}: {error}") from error
        finally:
            self._waiting.clear()
        repeats = sum(
            _stored_as_repeat(m, reply) for m, reply in zip(messages, replies, strict=True)
        )
        self.duplicates += repeats
        self.published += len(replies) - repeats

    async def _replied(self, reply: Any) -> None:
        future = self._waiting.pop(reply.subject, None)
        if future is not None and not future.done():
            future.set_result(reply)

    async def _acknowledged(self, futures: list[asyncio.Future[Any]]) -> list[Any]:
        everything = asyncio.ensure_future(asyncio.gather(*futures))
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            done, _ = await asyncio.wait(
                {everything, lost}, timeout=ACK_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            lost.cancel()
        if everything not in done:
            everything.cancel()
            raise PublishFailed("connection lost" if lost in done else "no acknowledgement")
        return everything.result()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()


def _stored_as_repeat(message: Message, reply: Any) -> bool:
    """Whether JetStream stored the message (False) or knew its id already (True); raises
    PublishFailed when it refused it or no stream takes its subject."""
    if reply.headers and reply.headers.get("Status") == "503":
        raise PublishFailed(f"{message.subject}: no stream takes this subject")
    answer = json.loads(reply.data)
    if "error" in answer:
        description = answer["error"].get("description", answer["error"])
        raise PublishFailed(f"{message.msg_id} on {message.subject}: {description}")
    return bool(answer.get("duplicate", False))


async def connect(url: str, **callbacks: Any) -> Any:
    """A NATS connection that fails instead of reconnecting (see the module's docstring)."""

    async def report(error: Exception) -> None:
        log.debug("nats: %r", error)

    return await nats.connect(
        url,
        allow_reconnect=False,
        max_reconnect_attempts=0,
        connect_timeout=CONNECT_SECONDS,
        error_cb=report,
        **callbacks,
    )


async def ensure_stream(js: Any, spec: StreamSpec) -> None:
    """Create the stream if it is missing; keep its duplicate window as configured."""
    window = spec.duplicate_window
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        config = StreamConfig(
            name=spec.name,
            subjects=spec.subjects,
            storage=StorageType.FILE,
            duplicate_window=window,
        )
        await js.add_stream(config)
        return
    if abs((info.config.duplicate_window or 0) - window) > 0.001:
        await js.update_stream(dataclasses.replace(info.config, duplicate_window=window))
