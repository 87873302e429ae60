"""Every figure of the report, defined once with its two sides: what the read models say
(through the API) and what the simulator counted from the answers to its own requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from simulate.run import Outcome
from simulate.tally import STEPS, Tally

ZERO = Decimal("0.00")
POINT_KEYS = ("balance", "owed", "earned", "redeemed", "reversed", "restored")  # as Account.as_read


@dataclass
class Reported:
    """The read models' rows, as the API answered."""

    journeys: list[dict[str, Any]]  # journeyStats, chain-wide, every day and channel
    recovery: list[dict[str, Any]]  # recoveryStats
    returns: list[dict[str, Any]]  # returnStats, chain-wide
    customers: list[dict[str, Any]]  # each simulated customer's summary
    stock: dict[str, list[dict[str, Any]]]  # storeStock per location
    manager: dict[str, Any] | None = None  # `omni report --json`'s data for the chain
    loyalty: dict[str, dict[str, Any]] = field(default_factory=dict)  # `me { loyalty }` each
    # What the server's notifier and survey page did, as the customers saw it (the mailbox).
    voice_mails_without_consent: int = 0
    voice_second_refused: int = 0

    def step(self, step: str, channel: str | None = None) -> int:
        rows = [r for r in self.journeys if channel in (None, r["channel"])]
        return sum(s["reached"] for r in rows for s in r["funnel"] if s["step"] == step)

    def journey_sum(self, key: str) -> int:
        return sum(int(r[key]) for r in self.journeys)

    def recovery_count(self, key: str) -> int:
        return sum(int(r[key]) for r in self.recovery)

    def recovery_value(self, key: str) -> Decimal:
        return sum((Decimal(r[key]["amount"]) for r in self.recovery), ZERO)

    def returns_sum(self, key: str, channel: str | None = None) -> int:
        return sum(int(r[key]) for r in self.returns if channel in (None, r["channel"]))

    def purchases(self, channel: str) -> tuple[int, Decimal]:
        bought = [p for s in self.customers for p in s["purchases"] if p["channel"] == channel]
        return sum(p["purchases"] for p in bought), sum(
            (Decimal(p["value"]["amount"]) for p in bought), ZERO
        )

    def channels_bought(self) -> list[set[str]]:
        return [{p["channel"] for p in s["purchases"] if p["purchases"]} for s in self.customers]

    def refunded(self) -> Decimal:
        return sum((Decimal(m["amount"]) for s in self.customers for m in s["refunded"]), ZERO)

    def open_count(self, key: str) -> int:
        return sum(int(s[key]) for s in self.customers)

    def points_sum(self, key: str) -> int:
        return sum(int(read[key]) for read in self.loyalty.values())

    def points_redeemed_on(self, kind: str) -> int:
        """Points redeemed on orders (checkouts) or sales (tills), from each one's movements."""
        return sum(
            int(move["points"])
            for read in self.loyalty.values()
            for move in read["history"]
            if move["kind"] == "redeemed" and (move["source"] or "").startswith(f"{kind}:")
        )

    def stock_sum(self, location: str, key: str) -> int:
        return sum(int(level[key]) for level in self.stock[location])


@dataclass(frozen=True)
class Measure:
    group: str
    name: str
    reported: Callable[[Reported], object]
    counted: Callable[[Outcome], object]


def measures(locations: tuple[str, ...]) -> list[Measure]:
    return [
        *_journeys(),
        *_recovery(),
        *_returns(),
        *_customers(),
        *_stock(locations),
    ]


def text(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return f"{value:.4f}"
    return "-" if value is None else str(value)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _journeys() -> list[Measure]:
    group = "Journeys (a cart's life), all channels"
    found = [
        Measure(group, f"reached: {_words(step)}", _step(step), _funnel(step)) for step in STEPS
    ]
    crossed = _tally(lambda t: sum(j.crossed for j in t.counted_journeys()))
    checked_out = _funnel("CHECKED_OUT")
    found += [
        Measure(group, "cross-channel journeys", lambda r: r.journey_sum("crossChannel"), crossed),
        Measure(
            group,
            "cross-channel share of checkouts",
            lambda r: share(r.journey_sum("crossChannel"), r.step("CHECKED_OUT")),
            lambda o: share(_int(crossed(o)), _int(checked_out(o))),
        ),
        Measure(
            group,
            "no-shows",
            lambda r: r.journey_sum("noShows"),
            _tally(lambda t: sum(j.no_show for j in t.counted_journeys())),
        ),
        Measure(
            group,
            "parcels shipped",
            lambda r: r.journey_sum("shipped"),
            _tally(lambda t: sum(j.shipped for j in t.counted_journeys())),
        ),
    ]
    for channel in ("WEB", "MOBILE"):
        for step in ("STARTED", "CHECKED_OUT"):
            name = f"started on {channel.lower()}: {_words(step)}"
            found.append(Measure(group, name, _step(step, channel), _funnel(step, channel)))
    return found


def _recovery() -> list[Measure]:
    group = "Abandoned carts and recovery"
    return [
        Measure(
            group,
            "carts abandoned",
            lambda r: r.recovery_count("abandoned"),
            _tally(lambda t: len(t.abandonments)),
        ),
        Measure(
            group,
            "value abandoned",
            lambda r: r.recovery_value("value"),
            _tally(lambda t: sum((a.value for a in t.abandonments.values()), ZERO)),
        ),
        Measure(
            group,
            "carts recovered",
            lambda r: r.recovery_count("recovered"),
            _tally(lambda t: sum(a.recovered for a in t.abandonments.values())),
        ),
        Measure(
            group,
            "value recovered",
            lambda r: r.recovery_value("valueRecovered"),
            _tally(lambda t: sum((a.value_recovered for a in t.abandonments.values()), ZERO)),
        ),
    ]


def _returns() -> list[Measure]:
    group = "Returns"
    found = [
        Measure(
            group,
            "requested",
            lambda r: r.returns_sum("requested"),
            _tally(lambda t: len(t.returns)),
        ),
        Measure(
            group,
            "refunded",
            lambda r: r.returns_sum("refunded"),
            _tally(lambda t: sum(x.refunded for x in t.returns)),
        ),
        Measure(
            group,
            "cross-channel",
            lambda r: r.returns_sum("crossChannel"),
            _tally(lambda t: sum(x.cross_channel for x in t.returns)),
        ),
    ]
    return found + [_returned_via(group, channel) for channel in ("STORE", "WEB", "MAIL")]


def _returned_via(group: str, channel: str) -> Measure:
    return Measure(
        group,
        f"requested via {channel.lower()}",
        lambda r: r.returns_sum("requested", channel),
        _tally(lambda t: sum(x.channel == channel for x in t.returns)),
    )


def _customers() -> list[Measure]:
    group = "Customers (the single customer view's headers)"
    found = [m for channel in ("WEB", "MOBILE", "POS") for m in _bought_on(group, channel)]
    buyers = _tally(lambda t: len(t.customers_buying()))
    omni = _tally(lambda t: sum(len(c) > 1 for c in t.customers_buying().values()))
    return [
        *found,
        Measure(group, "customers who bought", lambda r: _buyers(r)[0], buyers),
        Measure(group, "customers who bought on 2+ channels", lambda r: _buyers(r)[1], omni),
        Measure(
            group,
            "cross-channel share of customers",
            lambda r: share(_buyers(r)[1], _buyers(r)[0]),
            lambda o: share(_int(omni(o)), _int(buyers(o))),
        ),
        Measure(group, "refunded", lambda r: r.refunded(), _tally(Tally.refunded)),
        Measure(group, "open carts", lambda r: r.open_count("openCarts"), _tally(Tally.open_carts)),
        Measure(
            group, "open pickups", lambda r: r.open_count("openPickups"), _tally(Tally.open_pickups)
        ),
        Measure(
            group, "open returns", lambda r: r.open_count("openReturns"), _tally(Tally.open_returns)
        ),
    ]


def _bought_on(group: str, channel: str) -> list[Measure]:
    return [
        Measure(
            group,
            f"purchases on {channel.lower()}",
            lambda r: r.purchases(channel)[0],
            _tally(lambda t: len(t.bought(channel))),
        ),
        Measure(
            group,
            f"value bought on {channel.lower()}",
            lambda r: r.purchases(channel)[1],
            _tally(lambda t: sum((p.value for p in t.bought(channel)), ZERO)),
        ),
    ]


def _buyers(reported: Reported) -> tuple[int, int]:
    """Customers who bought anything, and those who bought on more than one channel."""
    channels = reported.channels_bought()
    return sum(bool(c) for c in channels), sum(len(c) > 1 for c in channels)


def _stock(locations: tuple[str, ...]) -> list[Measure]:
    group = "Stock at the end"
    return [
        _stock_level(group, location, key, name)
        for location in locations
        for key, name in (("onHand", "on hand"), ("reserved", "reserved"))
    ]


def _stock_level(group: str, location: str, key: str, name: str) -> Measure:
    return Measure(
        group,
        f"{location}: {name}",
        lambda r: r.stock_sum(location, key),
        lambda o: o.ledger.total(location, key),
    )


def _words(step: str) -> str:
    return step.lower().replace("_", " ")


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _step(step: str, channel: str | None = None) -> Callable[[Reported], object]:
    return lambda reported: reported.step(step, channel)


def _funnel(step: str, channel: str | None = None) -> Callable[[Outcome], object]:
    return lambda outcome: outcome.tally.funnel(channel)[step]


def _tally(pick: Callable[[Tally], object]) -> Callable[[Outcome], object]:
    return lambda outcome: pick(outcome.tally)
