"""What the simulator itself counted, from the answers to its own requests: the figures the
report's read models must equal.

A journey is a cart's life, as the journeys read model defines it: a guest cart merged into the
customer's cart at sign-in (or a recovered cart merged into an open one) is not a journey of
its own. An order counts on its cart's channel (where the cart was started), a till sale as
POS; a no-show's order is cancelled and counts as no purchase."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
STEPS = ("STARTED", "FIRST_LINE", "CHECKED_OUT", "PAID", "READY", "COLLECTED")


@dataclass
class Journey:
    cart_id: str
    channel: str  # WEB or MOBILE, as GraphQL names channels
    device: str
    customer: str | None
    lines: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # sku -> (units, price)
    first_line: bool = False
    merged: bool = False
    abandoned: bool = False
    checkout: tuple[str, str] | None = None  # (channel, device)
    order_id: str | None = None
    store: str | None = None  # a pickup's store
    ready: bool = False
    collected: bool = False
    no_show: bool = False
    returned_in_store: bool = False
    shipped: bool = False  # a shipped order's parcel left the warehouse

    @property
    def open(self) -> bool:
        return self.checkout is None and not self.merged and not self.abandoned

    @property
    def value(self) -> Decimal:
        return sum((units * price for units, price in self.lines.values()), ZERO)

    @property
    def reached(self) -> int:
        """The furthest step, 1 (started) to 6 (collected)."""
        if self.collected:
            return 6
        if self.ready:
            return 5
        if self.checkout is not None:
            return 4  # paid at checkout, always
        return 2 if self.first_line else 1

    @property
    def crossed(self) -> bool:
        if self.checkout is None:
            return False
        return self.returned_in_store or self.checkout != (self.channel, self.device)


@dataclass
class Abandonment:
    channel: str
    value: Decimal
    recovered: bool = False
    value_recovered: Decimal = ZERO


@dataclass
class Purchase:
    customer: str
    channel: str
    value: Decimal
    cancelled: bool = False


@dataclass
class ReturnRecord:
    channel: str  # STORE, WEB or MAIL
    cross_channel: bool
    customer: str | None
    refund: Decimal = ZERO  # the goods' price
    refunded: bool = False
    money: Decimal = ZERO  # of `refund`, what was paid back in money (the rest: in points)
    source: str = ""  # the purchase: an order's id or a till sale's receipt


@dataclass
class Tally:
    journeys: dict[str, Journey] = field(default_factory=dict)
    abandonments: dict[str, Abandonment] = field(default_factory=dict)  # by cart id
    purchases: dict[str, Purchase] = field(default_factory=dict)  # by order id or receipt
    returns: list[ReturnRecord] = field(default_factory=list)
    anonymous_sales: int = 0
    errors: list[str] = field(default_factory=list)

    def journey(self, cart_id: str) -> Journey:
        return self.journeys[cart_id]

    def journeys_of(self, customer: str) -> list[Journey]:
        return [j for j in self.journeys.values() if j.customer == customer]

    def counted_journeys(self) -> list[Journey]:
        return [j for j in self.journeys.values() if not j.merged]

    def funnel(self, channel: str | None = None) -> dict[str, int]:
        journeys = [j for j in self.counted_journeys() if channel in (None, j.channel)]
        return {step: sum(j.reached > n for j in journeys) for n, step in enumerate(STEPS)}

    def bought(self, channel: str) -> list[Purchase]:
        return [p for p in self.purchases.values() if p.channel == channel and not p.cancelled]

    def customers_buying(self) -> dict[str, set[str]]:
        """Per customer, the channels they bought on (purchases not cancelled)."""
        channels: dict[str, set[str]] = {}
        for purchase in self.purchases.values():
            if not purchase.cancelled:
                channels.setdefault(purchase.customer, set()).add(purchase.channel)
        return channels

    def refunded(self) -> Decimal:
        """Money paid back (a customer's `refunded`): a refund's points part is not money."""
        return sum((x.money for x in self.returns if x.refunded and x.customer), ZERO)

    def open_returns(self) -> int:
        return sum(not x.refunded and x.customer is not None for x in self.returns)

    def open_carts(self) -> int:
        return sum(1 for j in self.journeys.values() if j.customer is not None and j.open)

    def open_pickups(self) -> int:
        waiting = [j for j in self.journeys.values() if j.store is not None and j.customer]
        return sum(1 for j in waiting if not (j.collected or j.no_show))
