"""The repository: a save is acknowledged once its events are committed, whatever happens to
the snapshot that follows."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.domain import Snapshot

from adapters.memory import InMemoryEventStore
from domain.cart.model import Cart
from domain.repository import Repository
from domain.values import Channel, Money
from tests.shop import OPENING, ctx


class SnapshotsFail(InMemoryEventStore):
    def remember(self, snapshot: Snapshot) -> None:
        raise RuntimeError("state cache broken")

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        raise ConnectionError("snapshot table unreachable")


async def test_a_save_whose_snapshot_fails_is_still_acknowledged_and_kept() -> None:
    store = SnapshotsFail()
    repository = Repository(store, snapshot_every=2)  # the save below crosses a mark
    cart = Cart.create(uuid4(), Channel.WEB, "laptop", "cust-ada", "EUR", at=OPENING)
    cart.add_line("RETRO-CLOCK", 1, Money.of("24.95"), OPENING)

    saved = await repository.save(cart, context=ctx())

    assert saved.last_position.position > 0
    loaded = await repository.get(cart.id, Cart)
    assert loaded.version == cart.version
    assert loaded.lines == cart.lines
