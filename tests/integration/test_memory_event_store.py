"""Damaged stored events in the in-memory store are reported like PostgreSQL's."""

from __future__ import annotations

import pytest

from adapters.memory import InMemoryEventStore
from domain.errors import EventDecodingError
from domain.ports import Position
from tests.integration.test_event_store_contract import saved_till


async def test_an_unknown_topic_names_stream_and_version() -> None:
    store = InMemoryEventStore()
    till = await saved_till(store, payments=1)
    store.corrupt(till.id, 2, topic="gone.module:Vanished")
    with pytest.raises(EventDecodingError, match="unknown event topic") as failure:
        await store.read_stream(till.id)
    assert (failure.value.stream_id, failure.value.version) == (till.id, 2)


async def test_a_corrupt_payload_names_stream_and_version() -> None:
    store = InMemoryEventStore()
    till = await saved_till(store, payments=1)
    store.corrupt(till.id, 2, state=b'{"amount": {"amount": "lots"')
    with pytest.raises(EventDecodingError) as failure:
        await store.read_all(Position())
    assert (failure.value.stream_id, failure.value.version) == (till.id, 2)
