"""Reading what the relay published, through a JetStream consumer, as another system would."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import nats

from adapters.nats.jetstream import server_urls
from adapters.outbox.relay import RelayConfig

# How long a reader waits for a stream's consumer to have a leader after nodes came back.
ELECTION_SECONDS = 30.0


@dataclass
class Received:
    subject: str
    msg_id: str
    envelope: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.envelope["type"])


async def stored_count(url: str, config: RelayConfig) -> int:
    connection = await nats.connect(server_urls(url), allow_reconnect=False)
    try:
        info = await connection.jetstream().stream_info(config.stream)
        return int(info.state.messages)
    except nats.js.errors.NotFoundError:
        return 0
    finally:
        await connection.close()


async def wait_for_stored(url: str, config: RelayConfig, count: int, timeout: float = 60) -> int:
    """Until the stream holds at least `count` messages (or the timeout); how many it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (stored := await stored_count(url, config)) < count and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return stored


async def read_all(url: str, config: RelayConfig) -> list[Received]:
    """Every message of the stream, in stream order, through an ephemeral pull consumer."""
    total = await stored_count(url, config)
    connection = await nats.connect(server_urls(url), allow_reconnect=False)
    received: list[Received] = []
    try:
        js = connection.jetstream()
        subscription = await js.pull_subscribe(f"{config.subject_prefix}.>", stream=config.stream)
        deadline = asyncio.get_running_loop().time() + ELECTION_SECONDS
        while len(received) < total:
            for message in await _fetch(subscription, min(total - len(received), 500), deadline):
                await message.ack()
                msg_id = (message.headers or {}).get("Nats-Msg-Id", "")
                received.append(Received(message.subject, msg_id, json.loads(message.data)))
        await subscription.unsubscribe()
    finally:
        await connection.close()
    return received


async def _fetch(subscription: Any, count: int, deadline: float) -> list[Any]:
    """A batch; while the consumer's nodes elect a leader (a cluster whose nodes were just
    restarted) JetStream answers 503, and a reader asks again, as any consumer would."""
    while True:
        try:
            return list(await subscription.fetch(count, timeout=5))
        except nats.js.errors.ServiceUnavailableError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)
