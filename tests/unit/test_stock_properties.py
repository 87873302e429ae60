"""Any interleaving of stock movements keeps the books straight (hypothesis state machine)."""

from __future__ import annotations

import contextlib
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError
from domain.stock.model import StockItem

ORDERS = [UUID(int=n) for n in range(1, 5)]
orders = st.sampled_from(ORDERS)
quantities = st.integers(min_value=-1, max_value=6)


class StockMovements(RuleBasedStateMachine):
    """Commands may be refused; the recorded events alone must explain the state."""

    def __init__(self) -> None:
        super().__init__()
        self.item = StockItem.create("AMS-ZUID", "LAVA-LAMP")
        self.recorded = list(self.item.collect_events())
        self.sales = 0

    def attempt(self, command) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(DomainError):  # refusals are part of the exploration
            command()
        new_events = self.item.collect_events()
        self.recorded.extend(new_events)
        for new_event in new_events:
            if isinstance(new_event, StockItem.Reserved):
                assert self.item.available >= 0, "a reservation drove available below zero"

    @rule(quantity=quantities)
    def receive(self, quantity: int) -> None:
        self.attempt(lambda: self.item.receive(quantity, "delivery"))

    @rule(counted=quantities)
    def count(self, counted: int) -> None:
        self.attempt(lambda: self.item.adjust(counted, "count"))

    @rule(order=orders, quantity=quantities)
    def reserve(self, order: UUID, quantity: int) -> None:
        self.attempt(lambda: self.item.reserve(order, quantity))

    @rule(order=orders, quantity=st.one_of(st.none(), quantities))
    def release(self, order: UUID, quantity: int | None) -> None:
        self.attempt(lambda: self.item.release(order, "released", quantity))

    @rule(order=orders)
    def consume(self, order: UUID) -> None:
        self.attempt(lambda: self.item.consume(order))

    @rule(quantity=quantities, repeat=st.booleans())
    def sell(self, quantity: int, repeat: bool) -> None:
        if not repeat:
            self.sales += 1
        self.attempt(lambda: self.item.sell_at_pos(f"S-{self.sales}", "till", quantity))

    @rule(quantity=quantities)
    def restock(self, quantity: int) -> None:
        self.attempt(lambda: self.item.restock(UUID(int=99), quantity))

    @invariant()
    def books_match_an_independent_fold_of_the_events(self) -> None:
        on_hand, held = fold(self.recorded)
        assert self.item.on_hand == on_hand
        assert self.item.reservations == {k: v for k, v in held.items() if v}
        assert self.item.reserved == sum(held.values()) >= 0
        assert self.item.available == on_hand - sum(held.values())

    @invariant()
    def replaying_the_events_rebuilds_the_same_item(self) -> None:
        replayed = None
        for recorded in self.recorded:
            replayed = recorded.mutate(replayed)
        assert replayed is not None
        assert (replayed.on_hand, replayed.reservations, replayed.discrepancy) == (
            self.item.on_hand,
            self.item.reservations,
            self.item.discrepancy,
        )


def fold(events: list) -> tuple[int, dict[str, int]]:
    on_hand, held = 0, {}
    for e in events:
        match e:
            case StockItem.Received() | StockItem.Restocked():
                on_hand += e.quantity
            case StockItem.Adjusted():
                on_hand = e.counted
            case StockItem.Reserved():
                held[str(e.order_id)] = held.get(str(e.order_id), 0) + e.quantity
            case StockItem.ReservationReleased():
                held[str(e.order_id)] -= e.quantity
            case StockItem.ReservationConsumed():
                held[str(e.order_id)] -= e.quantity
                on_hand -= e.quantity
            case StockItem.SoldAtPos():
                on_hand = max(on_hand - e.quantity, 0)
    return on_hand, {k: v for k, v in held.items() if v}


TestStockMovements = StockMovements.TestCase
TestStockMovements.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
