"""Publishing to NATS JetStream: one connection to one server or a cluster, the stream created
if missing (replicated where asked), and batches sent pipelined (every publish in flight at
once, the acknowledgements awaited together).

The stream must hold what was sent as a prefix, in order: a gap that a later retry fills would
put a stream's events out of order. Gaps come from a connection or a stream leader lost
mid-batch: messages in the lost server's socket vanish while later ones reach the new
leader. So every message says where it must land (`Nats-Expected-Last-Sequence`: the
sequence its predecessor got or will get), and JetStream refuses one that would land
anywhere else; a refusal fails the batch, and the next one starts again from the stream's
tail as the server reports it (its last sequence and that message's id). JetStream checks the
id (`Nats-Msg-Id`) before the sequence, so a message already stored answers "duplicate"
whatever it expected.

With that guard nats-py may reconnect by itself across the servers of NATS_URL; it buffers
nothing while disconnected (publishing then fails at once) and a batch in flight when the
connection dropped fails as a whole.
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
RECONNECT_SECONDS = 0.5  # between two tries of the same server
RECONNECT_TRIES = 2  # per server, before the connection gives up and the relay takes over
MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"


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
    replicas: int = 1  # 3 on a three-node cluster: each message on a majority before its ack


class Tail(NamedTuple):
    """The stream's last message as this publisher knows it."""

    sequence: int
    msg_id: str | None


class Ack(NamedTuple):
    sequence: int
    duplicate: bool


def server_urls(url: str) -> list[str]:
    """NATS_URL's servers: one URL, or several comma-separated (the nodes of a cluster)."""
    return [part.strip() for part in url.split(",") if part.strip()]


class JetStreamPublisher:
    """Publishes batches on one connection; `published` counts messages stored (not repeats).

    Acknowledgements come back on an inbox of its own (nats-py's publish_async leaves a
    future unresolved when the server refuses a message, so refusals would look like
    timeouts): each reply is matched to its message and checked here."""

    def __init__(self, connection: Any, stream: StreamSpec) -> None:
        self.connection, self.stream = connection, stream
        self.js = connection.jetstream(timeout=ACK_SECONDS)
        self.published = 0
        self.duplicates = 0
        self._inbox = connection.new_inbox()
        self._sent = 0
        self._waiting: dict[str, asyncio.Future[Any]] = {}
        self._lost = asyncio.Event()
        self._tail: Tail | None = None  # None: read it from the server before the next batch

    @classmethod
    async def connect(cls, url: str, stream: StreamSpec) -> JetStreamPublisher:
        """Connect and make sure the stream exists; BrokerUnavailable when NATS is not there."""
        publisher: JetStreamPublisher | None = None

        async def lost(*_: object) -> None:
            if publisher is not None:
                publisher._lost.set()

        async def back(*_: object) -> None:
            if publisher is not None:
                publisher._tail = None

        try:
            connection = await connect(
                url, disconnected_cb=lost, closed_cb=lost, reconnected_cb=back
            )
            publisher = cls(connection, stream)
            await connection.subscribe(f"{publisher._inbox}.*", cb=publisher._replied)
            await ensure_stream(publisher.js, stream)
        except Exception as error:  # every way of not getting there is one outcome
            if publisher is not None:
                await publisher.close()
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error
        return publisher

    async def publish(self, messages: Sequence[Message]) -> None:
        """Send every message not yet in the stream, then await every acknowledgement;
        PublishFailed unless all were stored in order (or recognised as repeats)."""
        try:
            if not self.connection.is_connected:
                raise PublishFailed("not connected (reconnecting)")
            self._lost.clear()
            tail = self._tail or await self._read_tail()
            skipped = _stored_prefix(messages, tail.msg_id)
            sending = messages[skipped:]
            acks = await self._send(sending, tail.sequence)
        except Exception as error:
            self._tail = None
            if isinstance(error, PublishFailed):
                raise
            raise PublishFailed(f"{type(error).__name__}: {error}") from error
        stored = [ack for ack in acks if not ack.duplicate]
        self.duplicates += len(messages) - len(stored)
        self.published += len(stored)
        if len(stored) < len(acks):  # the stream was further on than its tail said
            self._tail = None
        elif sending:
            self._tail = Tail(stored[-1].sequence, sending[-1].msg_id)

    async def _read_tail(self) -> Tail:
        info = await self.js.stream_info(self.stream.name)
        last = int(info.state.last_seq or 0)
        if not info.state.messages:
            return Tail(last, None)
        try:
            message = await self.js.get_msg(self.stream.name, seq=last)
        except NotFoundError:
            return Tail(last, None)
        return Tail(last, (message.headers or {}).get(MSG_ID))

    async def _send(self, messages: Sequence[Message], last_sequence: int) -> list[Ack]:
        futures: list[asyncio.Future[Any]] = []
        loop = asyncio.get_running_loop()
        try:
            for offset, message in enumerate(messages):
                self._sent += 1
                reply = f"{self._inbox}.{self._sent}"
                futures.append(future := loop.create_future())
                self._waiting[reply] = future
                headers = {
                    MSG_ID: message.msg_id,
                    EXPECTED_LAST_SEQUENCE: str(last_sequence + offset),
                }
                await self.connection.publish(
                    message.subject, message.payload, reply=reply, headers=headers
                )
            replies = await self._acknowledged(futures)
        finally:
            self._waiting.clear()
        return [_ack_of(m, reply) for m, reply in zip(messages, replies, strict=True)]

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


def _stored_prefix(messages: Sequence[Message], tail_id: str | None) -> int:
    """How many of the batch the stream holds already: up to its tail, when the tail is one of
    them (the stream holds what was sent as a prefix, in this same order)."""
    ids = [message.msg_id for message in messages]
    return ids.index(tail_id) + 1 if tail_id in ids else 0


def _ack_of(message: Message, reply: Any) -> Ack:
    """Where JetStream stored the message, or that it knew its id already; raises
    PublishFailed when it refused it (out of place, full) or no stream takes its subject."""
    if reply.headers and reply.headers.get("Status") == "503":
        raise PublishFailed(f"{message.subject}: no stream takes this subject")
    answer = json.loads(reply.data)
    if "error" in answer:
        description = answer["error"].get("description", answer["error"])
        raise PublishFailed(f"{message.msg_id} on {message.subject}: {description}")
    return Ack(int(answer.get("seq", 0)), bool(answer.get("duplicate", False)))


async def connect(url: str, **callbacks: Any) -> Any:
    """A connection to NATS_URL's servers that reconnects by itself, trying each in turn, but
    buffers nothing while disconnected (see the module's docstring)."""

    async def report(error: Exception) -> None:
        log.debug("nats: %r", error)

    return await nats.connect(
        server_urls(url),
        connect_timeout=CONNECT_SECONDS,
        reconnect_time_wait=RECONNECT_SECONDS,
        max_reconnect_attempts=RECONNECT_TRIES,
        pending_size=0,
        error_cb=report,
        **callbacks,
    )


async def ensure_stream(js: Any, spec: StreamSpec) -> None:
    """Create the stream if it is missing; keep its duplicate window and replicas as
    configured (JetStream moves an existing stream to more or fewer replicas in place)."""
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        config = StreamConfig(
            name=spec.name,
            subjects=spec.subjects,
            storage=StorageType.FILE,
            duplicate_window=spec.duplicate_window,
            num_replicas=spec.replicas,
        )
        await js.add_stream(config)
        return
    configured = info.config
    wanted = dataclasses.replace(
        configured, duplicate_window=spec.duplicate_window, num_replicas=spec.replicas
    )
    window_differs = abs((configured.duplicate_window or 0) - spec.duplicate_window) > 0.001
    if window_differs or (configured.num_replicas or 1) != spec.replicas:
        await js.update_stream(wanted)
