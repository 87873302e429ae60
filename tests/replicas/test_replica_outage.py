"""A replica stopped for 10 s while shoppers write and read their carts with `consistentWith`
through a real API process: no read passes a cart without its shopper's lines off as current
(it is exact, flagged STALE_READ, or refused as UNAVAILABLE and retryable), no acknowledged
write is lost, and reads return to the replica by themselves once it is back."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from adapters.settings import Settings
from tests.private_cluster import PrivateCluster, Standby
from tests.replicas.conftest import ADD, CART, START, data, post, replay_paused, server_on_replica

SHOPPERS = 6
BEFORE_SECONDS, STOPPED_SECONDS, RECOVERY_SECONDS = 2.0, 10.0, 15.0
SKUS = ("LAVA-LAMP", "DESK-FAN", "HEADPHONES")
UNITS_PER_CART = 90  # then a new cart: a line holds at most 99 units


@dataclass
class Reads:
    """What the reads answered, by phase (before the stop, stopped, back), and what each
    cart was acknowledged to hold: its units and the position of its last add."""

    phase: str = "before"
    seen: dict[str, Counter[str]] = field(default_factory=dict)
    carts: dict[str, tuple[str, int, str]] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.seen.setdefault(self.phase, Counter())[outcome] += 1


async def shopper(client: httpx.AsyncClient, reads: Reads, stop: asyncio.Event) -> None:
    """Add a unit, read the cart at that position, judge the answer; until told to stop."""
    while not stop.is_set():
        started = (await data(client, START))["startCart"]
        cart, token = started["cartId"], started["cartToken"]
        for units in range(1, UNITS_PER_CART + 1):
            if stop.is_set():
                return
            sku = SKUS[units % len(SKUS)]
            added = (await data(client, ADD, token, cart=cart, sku=sku))["addToCart"]
            assert added["userErrors"] == []
            reads.carts[cart] = (token, units, added["position"])
            reads.count(await judged_read(client, cart, token, added["position"], units))


async def judged_read(
    client: httpx.AsyncClient, cart: str, token: str, position: str, units: int
) -> str:
    status, body = await post(client, CART, token, id=cart, after=position)
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    if codes == {"UNAVAILABLE"}:
        assert status == 503 and body["errors"][0]["extensions"]["retryable"], body
        return "unavailable"
    if codes == {"STALE_READ"}:
        return "stale"
    assert status == 200 and not codes, body
    shown = sum(line["quantity"] for line in body["data"]["cart"]["lines"])
    return "exact" if shown == units else "wrong"


@pytest.mark.slow
@pytest.mark.parametrize("fallback", ["primary", "stale"])
async def test_a_replica_stopped_for_ten_seconds_under_load_is_never_read_as_current(
    settings: Settings, replicated: tuple[PrivateCluster, Standby], fallback: str
) -> None:
    standby = replicated[1]
    reads, stop = Reads(), asyncio.Event()
    overrides = {"OMNI_READ_FALLBACK": fallback, "OMNI_REPLICA_WAIT": "0.3"}
    async with server_on_replica(
        settings, replicated, OMNI_CONSISTENCY_WAIT="1.0", **overrides
    ) as client:
        load = [asyncio.create_task(shopper(client, reads, stop)) for _ in range(SHOPPERS)]
        try:
            await asyncio.sleep(BEFORE_SECONDS)
            async with standby_down(standby):
                reads.phase = "stopped"
                await asyncio.sleep(STOPPED_SECONDS)
                reads.phase = "back"
            recovered_in = await until_reads_are_exact(reads)
        finally:
            stop.set()
            await asyncio.gather(*load)
        lost = await writes_not_shown(client, reads)
        on_replica_again = await reads_the_replica(client, standby)

    assert all("wrong" not in seen for seen in reads.seen.values()), reads.seen
    assert reads.seen["before"]["exact"] > 0
    stopped = reads.seen["stopped"]
    if fallback == "primary":  # answered by the primary; refused only as the stop struck
        assert stopped["exact"] > 10 * stopped["unavailable"], stopped
    else:  # no replica to read: refused as retryable, never read elsewhere
        assert stopped["unavailable"] > 0 and stopped["exact"] == 0, stopped
    assert recovered_in < RECOVERY_SECONDS
    assert on_replica_again
    assert lost == []  # the writes never depended on the replica


@asynccontextmanager
async def standby_down(standby: Standby) -> AsyncIterator[None]:
    """The standby down (`pg_ctl stop -m fast`) for the block, and started again whatever
    happens: the session's other tests read from it."""
    await asyncio.to_thread(standby.stop)
    try:
        yield
    finally:
        await asyncio.to_thread(standby.resume)


async def until_reads_are_exact(reads: Reads) -> float:
    """Seconds from the replica's start until a second in which every read was exact."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_SECONDS:
        reads.seen["back"] = Counter()
        await asyncio.sleep(1.0)
        if reads.seen["back"]["exact"] > 0 and set(reads.seen["back"]) == {"exact"}:
            return time.monotonic() - started
    raise AssertionError(f"reads did not recover: {reads.seen}")


async def writes_not_shown(client: httpx.AsyncClient, reads: Reads) -> list[str]:
    """The carts whose every acknowledged unit a read at its last position does not show."""
    lost = []
    for cart, (token, units, position) in reads.carts.items():
        shown = (await data(client, CART, token, id=cart, after=position))["cart"]["lines"]
        if sum(line["quantity"] for line in shown) != units:
            lost.append(cart)
    return lost


async def reads_the_replica(client: httpx.AsyncClient, standby: Standby) -> bool:
    """With the replica's replay held, a read without a position misses a new line: it came
    from the replica."""
    started = (await data(client, START))["startCart"]
    cart, token = started["cartId"], started["cartToken"]
    await data(client, CART, token, id=cart, after=started["position"])  # there, empty
    async with replay_paused(standby):
        await data(client, ADD, token, cart=cart, sku="LAVA-LAMP")
        answer = await data(client, CART, token, id=cart)
    return answer["cart"]["lines"] == []  # type: ignore[no-any-return]
