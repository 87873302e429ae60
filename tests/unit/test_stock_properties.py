"""Any interleaving of stock movements keeps the books straight (a hypothesis state machine)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError
from domain.stock.model import StockItem

ORDERS = [UUID(int=n) for n in range(1, 5)]
orders = st.sampled_from(ORDERS)
quantities = st.integers(min_value=-1, max_value=6)  # refusals (0, -1) are explored too
maybe_quantities = st.one_of(st.none(), quantities)
sales = st.tuples(st.sampled_from(["till-1", "till-2"]), st.sampled_from(["S-1", "S-2", "S-3"]))


class Books:
    """A reference model: what the recorded events say, folded without the aggregate's code."""

    def __init__(self) -> None:
        self.on_hand = 0
        self.held: dict[UUID, int] = {}
        self.discrepancy = 0
        self.sales_seen: list[tuple[str, str]] = []

    @property
    def available(self) -> int:
        return self.on_hand - sum(self.held.values())

    def apply(self, e: object) -> None:
        match e:
            case StockItem.Received() | StockItem.Restocked():
                self.on_hand += e.quantity
            case StockItem.Adjusted():
                assert (e.previous_on_hand, e.delta) == (self.on_hand, e.counted - self.on_hand)
                self.on_hand = e.counted
            case StockItem.Reserved():
                self.held[e.order_id] = self.held.get(e.order_id, 0) + e.quantity
            case StockItem.ReservationReleased():
                self._unhold(e.order_id, e.quantity)
            case StockItem.ReservationConsumed():
                self._unhold(e.order_id, e.quantity)
                self._take_off_the_shelf(e.quantity, e.shortfall)
            case StockItem.SoldAtPos():
                assert e.believed_on_hand == self.on_hand
                self.sales_seen.append((e.terminal_id, e.sale_id))
                self._take_off_the_shelf(e.quantity, e.shortfall)

    def _unhold(self, order_id: UUID, quantity: int) -> None:
        assert 0 < quantity <= self.held.get(order_id, 0), "took more than the order held"
        self.held[order_id] -= quantity
        if not self.held[order_id]:
            del self.held[order_id]

    def _take_off_the_shelf(self, quantity: int, shortfall: int) -> None:
        assert shortfall == max(quantity - self.on_hand, 0), "shortfall does not match the books"
        self.on_hand = max(self.on_hand - quantity, 0)
        self.discrepancy += shortfall


class StockMovements(RuleBasedStateMachine):
    """Commands may be refused; the recorded events alone must explain the state."""

    def __init__(self) -> None:
        super().__init__()
        self.item = StockItem.create("AMS-ZUID", "LAVA-LAMP")
        self.recorded = list(self.item.collect_events())
        self.books = Books()
        self.books.apply(self.recorded[0])

    def attempt(self, command: Callable[[], None]) -> list[Any]:
        with contextlib.suppress(DomainError):  # refusals are part of the exploration
            command()
        new_events = list(self.item.collect_events())
        for new_event in new_events:
            self.books.apply(new_event)
            if isinstance(new_event, StockItem.Reserved):
                assert self.item.available >= 0, "a reservation drove available below zero"
        self.recorded.extend(new_events)
        return new_events

    @rule(quantity=quantities)
    def receive(self, quantity: int) -> None:
        self.attempt(lambda: self.item.receive(quantity, "delivery"))

    @rule(counted=quantities)
    def count(self, counted: int) -> None:
        recorded = self.attempt(lambda: self.item.adjust(counted, "count"))
        assert bool(recorded) == (counted >= 0)

    @rule(order=orders, quantity=quantities)
    def reserve(self, order: UUID, quantity: int) -> None:
        fits = 0 < quantity <= self.books.available
        recorded = self.attempt(lambda: self.item.reserve(order, quantity))
        assert bool(recorded) == fits, "a reservation that fits must be taken, others refused"

    @rule(order=orders, quantity=maybe_quantities)
    def release(self, order: UUID, quantity: int | None) -> None:
        self.attempt(lambda: self.item.release(order, "released", quantity))

    @rule(order=orders, quantity=maybe_quantities)
    def consume(self, order: UUID, quantity: int | None) -> None:
        self.attempt(lambda: self.item.consume(order, quantity))

    @rule(sale=sales, quantity=quantities)
    def sell(self, sale: tuple[str, str], quantity: int) -> None:
        terminal_id, sale_id = sale
        is_new = quantity > 0 and sale not in self.books.sales_seen
        recorded = self.attempt(lambda: self.item.sell_at_pos(sale_id, terminal_id, quantity))
        assert bool(recorded) == is_new, "a sale is recorded once, however often it is uploaded"

    @rule(quantity=quantities)
    def restock(self, quantity: int) -> None:
        self.attempt(lambda: self.item.restock(UUID(int=99), quantity))

    @invariant()
    def books_match_an_independent_fold_of_the_events(self) -> None:
        assert self.item.on_hand == self.books.on_hand >= 0
        assert self.item.available == self.books.available
        assert self.item.discrepancy == self.books.discrepancy >= 0

    @invariant()
    def reserved_is_the_sum_of_what_each_order_holds(self) -> None:
        assert self.item.reserved == sum(self.item.reservations.values()) >= 0
        assert all(held > 0 for held in self.item.reservations.values())
        for order in ORDERS:
            assert self.item.reserved_for(order) == self.books.held.get(order, 0)

    @invariant()
    def replaying_the_events_rebuilds_the_same_item(self) -> None:
        replayed = None
        for recorded in self.recorded:
            replayed = recorded.mutate(replayed)
        assert replayed is not None
        assert vars(replayed) == vars(self.item)


TestStockMovements = StockMovements.TestCase
TestStockMovements.settings = settings(max_examples=200, deadline=None)
