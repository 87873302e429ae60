"""codec: encode + decode round trips of typical events.

Ours: `EventCodec.encode` then `.decode` (msgspec, typed per event class, validating every
value on the way in). Theirs: the eventsourcing library's `Mapper` with its `JSONTranscoder`
(the library's default), `to_stored_event` then `to_domain_event`, with the transcodings the
library requires for these values: its UUID, Decimal and datetime ones, and one per Struct.

The events belong to two small aggregates of this module shaped like the shop's: a cart line
added (Money with a Decimal, a UUID, a datetime) and an order placed (a list of nested line
Structs, Money, UUIDs, a datetime).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate, event

from adapters.codec import EventCodec
from adapters.settings import Settings
from bench.common import eventsourcing_transcodings, median, ratio_line
from domain.values import Money

ROUNDS = 20_000  # round trips per timed run (over the mix of events)
REPEATS = 3  # timed runs per codec, interleaved; the median is reported


class Line(msgspec.Struct, frozen=True):
    line_id: str
    sku: str
    quantity: int
    unit_price: Money


class Pickup(msgspec.Struct, frozen=True):
    store_id: str
    ready_by: datetime


class ShopCart(Aggregate):
    customer_id: str
    lines: list[Line]

    @event("Created")
    def __init__(self, customer_id: str, device_id: str) -> None:
        self.customer_id = customer_id
        self.lines = []

    class LineAdded(Aggregate.Event):
        line_id: str
        product_id: UUID
        sku: str
        quantity: int
        unit_price: Money
        added_at: datetime

    @event(LineAdded)
    def add_line(
        self,
        line_id: str,
        product_id: UUID,
        sku: str,
        quantity: int,
        unit_price: Money,
        added_at: datetime,
    ) -> None:
        self.lines.append(Line(line_id, sku, quantity, unit_price))


class ShopOrder(Aggregate):
    lines: list[Line]

    @event("Placed")
    def __init__(
        self,
        cart_id: UUID,
        customer_id: str,
        lines: list[Line],
        total: Money,
        pickup: Pickup,
        placed_at: datetime,
    ) -> None:
        self.lines = lines


def typical_events() -> list[Any]:
    """A cart created, a line added, an order placed with three lines."""
    now = datetime.now(UTC)
    cart = ShopCart("cust-ada", "phone-7")
    cart.add_line("L1", uuid4(), "RETRO-CLOCK", 2, Money.of("24.95"), now)
    lines = [
        Line(f"L{n}", sku, n, Money.of("19.99"))
        for n, sku in enumerate(["RETRO-CLOCK", "LAVA-LAMP", "VINYL-PLAYER"], start=1)
    ]
    order = ShopOrder(
        cart.id, "cust-ada", lines, Money.of("119.94"), Pickup("AMS-CENTRAAL", now), now
    )
    return [*cart.collect_events(), *order.collect_events()]


def ours_round_trip() -> Any:
    codec = EventCodec()

    def round_trip(domain_event: Any) -> Any:
        encoded = codec.encode(domain_event)
        return codec.decode(
            encoded.stream_id,
            encoded.version,
            encoded.topic,
            encoded.schema_version,
            encoded.state,
        )

    return round_trip


def eventsourcing_round_trip() -> Any:
    from eventsourcing.persistence import JSONTranscoder, Mapper

    transcoder = JSONTranscoder()
    for transcoding in eventsourcing_transcodings(Line, Pickup):
        transcoder.register(transcoding)
    mapper: Mapper[UUID] = Mapper(transcoder=transcoder)

    def round_trip(domain_event: Any) -> Any:
        return mapper.to_domain_event(mapper.to_stored_event(domain_event))

    return round_trip


def per_second(round_trip: Any, events: list[Any], rounds: int = ROUNDS) -> float:
    passes = rounds // len(events)
    started = time.perf_counter()
    for _ in range(passes):
        for domain_event in events:
            round_trip(domain_event)
    return passes * len(events) / (time.perf_counter() - started)


async def run(settings: Settings, seconds: float) -> list[str]:
    events = typical_events()
    codecs = {
        "omnicommerce msgspec codec": ours_round_trip(),
        "eventsourcing Mapper + JSON": eventsourcing_round_trip(),
    }
    for name, round_trip in codecs.items():  # both must give back exactly what went in
        back = [round_trip(e) for e in events]
        assert back == events, name
        assert back[1].unit_price == Money.of("24.95") and back[2].lines == events[2].lines

    lines = [
        f"codec: encode+decode round trips/s (median of {REPEATS} runs of {ROUNDS:,})",
        f"  {'':30} {'the mix':>12} " + " ".join(f"{type(e).__qualname__:>20}" for e in events),
    ]
    timings: dict[str, list[list[float]]] = {name: [] for name in codecs}
    for _ in range(REPEATS):  # interleaved, so drift on a shared machine hits both alike
        for name, round_trip in codecs.items():
            timings[name].append(
                [per_second(round_trip, events)]
                + [per_second(round_trip, [e], ROUNDS // len(events)) for e in events]
            )
    mix: dict[str, float] = {}
    for name, runs in timings.items():
        figures = [median(list(column)) for column in zip(*runs, strict=True)]
        mix[name] = figures[0]
        lines.append(
            f"  {name:30} {figures[0]:10,.0f}/s " + " ".join(f"{x:18,.0f}/s" for x in figures[1:])
        )
    ours, theirs = mix.values()
    lines.append(ratio_line("ours / eventsourcing (the mix)", ours / theirs, 5.0))
    return lines
