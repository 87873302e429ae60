"""codec: encode + decode round trips of typical events, msgspec codec vs the eventsourcing
library's Mapper with its JSONTranscoder (its default)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

from adapters.codec import EventCodec
from adapters.settings import Settings
from bench.common import eventsourcing_transcodings, ratio_line
from domain.cart.model import Cart
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderLine
from domain.values import Channel, Money

ROUNDS = 20_000


def typical_events() -> list:
    cart = Cart.create(uuid4(), Channel.MOBILE, "phone", "cust-ada")
    cart.add_line("RETRO-CLOCK", 2, Money.of("24.95"))
    lines = [
        OrderLine(f"L{n}", sku, n, Money.of("19.99"))
        for n, sku in enumerate(["RETRO-CLOCK", "LAVA-LAMP", "VINYL-PLAYER"], start=1)
    ]
    order = Order.place(
        uuid4(),
        cart.id,
        "cust-ada",
        Channel.WEB,
        lines,
        Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL"),
        datetime.now(UTC),
    )
    return [*cart.collect_events(), *order.collect_events()]


def ours_per_second(events: list) -> float:
    codec = EventCodec()
    started = time.perf_counter()
    for _ in range(ROUNDS // len(events)):
        for domain_event in events:
            encoded = codec.encode(domain_event)
            decoded = codec.decode(
                encoded.stream_id,
                encoded.version,
                encoded.topic,
                encoded.schema_version,
                encoded.state,
            )
    assert decoded == events[-1]
    return ROUNDS / (time.perf_counter() - started)


def eventsourcing_per_second(events: list) -> float:
    from eventsourcing.persistence import JSONTranscoder, Mapper

    transcoder = JSONTranscoder()
    for transcoding in eventsourcing_transcodings():
        transcoder.register(transcoding)
    mapper = Mapper(transcoder=transcoder)
    started = time.perf_counter()
    for _ in range(ROUNDS // len(events)):
        for domain_event in events:
            decoded = mapper.to_domain_event(mapper.to_stored_event(domain_event))
    assert decoded == events[-1]
    return ROUNDS / (time.perf_counter() - started)


async def run(settings: Settings, seconds: float) -> list[str]:
    events = typical_events()
    ours, theirs = ours_per_second(events), eventsourcing_per_second(events)
    return [
        f"codec: encode+decode round trips/s over {len(events)} typical events",
        f"  omnicommerce msgspec codec        {ours:12,.0f}/s",
        f"  eventsourcing Mapper + JSON       {theirs:12,.0f}/s",
        ratio_line("ours / eventsourcing", ours / theirs, 5.0),
    ]
