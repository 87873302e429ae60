"""The JetStream publisher on its own, against a real server: a batch lands as a prefix, in
order, or not at all past a gap; a stream the server cannot replicate is refused."""

from __future__ import annotations

import nats
import pytest

from adapters.nats.jetstream import (
    BrokerUnavailable,
    JetStreamPublisher,
    Message,
    PublishFailed,
    server_urls,
)
from adapters.outbox.relay import RelayConfig
from tests.outbox.consume import read_all, stored_count


def test_nats_url_names_one_server_or_every_node_of_a_cluster() -> None:
    assert server_urls("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]
    assert server_urls("nats://a:4222, nats://b:4223,nats://c:4224,") == [
        "nats://a:4222",
        "nats://b:4223",
        "nats://c:4224",
    ]


async def test_past_a_message_that_never_arrived_nothing_is_stored_and_the_retry_keeps_order(
    nats_url: str, outbox: RelayConfig
) -> None:
    # The second message goes where no stream listens, as one lost with a dying server would.
    prefix = outbox.subject_prefix
    first, third = (Message(f"{prefix}.stock.low", f"lamp:{n}", b"{}") for n in (1, 3))
    lost = Message(f"nowhere.{prefix}", "lamp:2", b"{}")
    publisher = await JetStreamPublisher.connect(nats_url, outbox.stream_spec)
    try:
        with pytest.raises(PublishFailed, match="no stream takes this subject"):
            await publisher.publish([first, lost, third])
    finally:
        await publisher.close()
    assert [r.msg_id for r in await read_all(nats_url, outbox)] == ["lamp:1"]

    # The relay's retry: the same batch from its checkpoint, on a new connection.
    arrives = lost._replace(subject=f"{prefix}.stock.out")
    retry = await JetStreamPublisher.connect(nats_url, outbox.stream_spec)
    try:
        await retry.publish([first, arrives, third])
    finally:
        await retry.close()

    assert [r.msg_id for r in await read_all(nats_url, outbox)] == ["lamp:1", "lamp:2", "lamp:3"]
    assert (retry.published, retry.duplicates) == (2, 1)


async def test_a_batch_after_a_stored_one_needs_no_second_look_at_the_stream(
    nats_url: str, outbox: RelayConfig
) -> None:
    prefix = outbox.subject_prefix
    batches = [
        [Message(f"{prefix}.stock.low", f"clock:{n}", b"{}") for n in range(start, start + 3)]
        for start in (1, 4, 7)
    ]
    publisher = await JetStreamPublisher.connect(nats_url, outbox.stream_spec)
    try:
        for batch in batches:
            await publisher.publish(batch)
        await publisher.publish(batches[-1])  # a crash before the checkpoint: sent again
    finally:
        await publisher.close()

    ids = [r.msg_id for r in await read_all(nats_url, outbox)]
    assert ids == [f"clock:{n}" for n in range(1, 10)]
    assert (publisher.published, publisher.duplicates) == (9, 3)


async def test_replicas_a_single_server_cannot_hold_are_refused_and_no_stream_is_made(
    nats_url: str, outbox: RelayConfig
) -> None:
    spec = outbox.stream_spec._replace(replicas=3)

    with pytest.raises(BrokerUnavailable, match=r"(?i)replica"):
        await JetStreamPublisher.connect(nats_url, spec)

    assert await stored_count(nats_url, outbox) == 0
    connection = await nats.connect(nats_url)
    try:
        names = await connection.jetstream().streams_info()
    finally:
        await connection.close()
    assert outbox.stream not in {info.config.name for info in names}
