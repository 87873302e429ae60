"""What the simulator expects each customer's loyalty points to be: its own mirror of the
ledger's rules (README "Loyalty points across channels"), moved by every purchase, redemption
and refund of its own that the server acknowledged.

It knows what each purchase paid in money (the catalog price less what points paid) and the
rules the server runs with (OMNI_LOYALTY_POINTS_PER_UNIT and OMNI_LOYALTY_POINT_VALUE): an
order earns at hand-over, a till sale of an identified shopper when it is recorded, in whole
points rounded down; a refund takes back the purchase's points in proportion to the money
refunded (rounded down, all of them once the money paid is refunded), what the balance
cannot cover is owed and later earnings pay it off first. Points never expire within a
simulation (it spans some forty days; they last `expiry_days`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PointRules:
    points_per_unit: int = 1
    point_value: Decimal = Decimal("0.01")

    def points_for(self, paid: Decimal) -> int:
        if paid <= 0:
            return 0
        return int((paid * self.points_per_unit).to_integral_value(ROUND_FLOOR))

    def value_of(self, points: int) -> Decimal:
        return (self.point_value * points).quantize(CENT)

    def most_for(self, total: Decimal) -> int:
        """The most points a purchase of `total` can take (their value never above it)."""
        if self.point_value <= 0:
            return 0
        return int((total / self.point_value).to_integral_value(ROUND_FLOOR))


@dataclass
class Earning:
    points: int
    basis: Decimal  # the money paid that earned them
    refunded: Decimal = Decimal("0.00")
    reversed: int = 0


@dataclass
class Account:
    """One customer's points as the simulator expects the ledger (and `me { loyalty }`)."""

    balance: int = 0
    owed: int = 0
    earned: int = 0
    redeemed: int = 0
    reversed: int = 0
    earnings: dict[str, Earning] = field(default_factory=dict)  # by order id or receipt
    redeemed_on: dict[str, int] = field(default_factory=dict)  # "order" or "sale": points

    def as_read(self) -> tuple[int, int, int, int, int]:
        """(balance, owed, earned, redeemed, reversed), as `me { loyalty }` answers them."""
        return self.balance, self.owed, self.earned, self.redeemed, self.reversed


@dataclass
class Points:
    rules: PointRules = field(default_factory=PointRules)
    accounts: dict[str, Account] = field(default_factory=dict)  # by customer id

    def of(self, customer: str) -> Account:
        return self.accounts.setdefault(customer, Account())

    def balance(self, customer: str | None) -> int:
        return self.accounts[customer].balance if customer in self.accounts else 0

    def redeemed(self, customer: str, points: int, kind: str = "sale") -> Decimal:
        """Points paid part of a purchase (an "order" at checkout or a till's "sale"); what
        they paid."""
        account = self.of(customer)
        assert 0 < points <= account.balance, (customer, points, account.balance)
        account.balance -= points
        account.redeemed += points
        account.redeemed_on[kind] = account.redeemed_on.get(kind, 0) + points
        return self.rules.value_of(points)

    def earned(self, customer: str, source: str, paid: Decimal) -> int:
        """A purchase's money earns once; the points pay off what is owed first."""
        account = self.of(customer)
        points = self.rules.points_for(paid)
        if source in account.earnings or points <= 0:
            return 0
        settled = min(account.owed, points)
        account.owed -= settled
        account.balance += points - settled
        account.earned += points
        account.earnings[source] = Earning(points, paid)
        return points

    def refunded(self, customer: str, source: str, money: Decimal) -> int:
        """A refund of `money` on a purchase takes back its points in proportion."""
        account = self.of(customer)
        earning = account.earnings.get(source)
        if earning is None or money <= 0 or earning.basis <= 0:
            return 0
        earning.refunded = min(earning.refunded + money, earning.basis)
        share = Decimal(earning.points) * earning.refunded / earning.basis
        due = min(earning.points, int(share.to_integral_value(ROUND_FLOOR)))
        points = max(due - earning.reversed, 0)
        earning.reversed += points
        short = max(points - account.balance, 0)
        account.balance -= points - short
        account.owed += short
        account.reversed += points
        return points

    def total(self, key: str) -> int:
        return sum(getattr(account, key) for account in self.accounts.values())

    def redeemed_on(self, kind: str) -> int:
        return sum(account.redeemed_on.get(kind, 0) for account in self.accounts.values())

    def customers_redeeming(self) -> int:
        return sum(account.redeemed > 0 for account in self.accounts.values())


def points_to_pay(
    points: Points, customer: str | None, total: Decimal, rng: random.Random, likelihood: float
) -> int:
    """How many points a customer with a balance pays part of `total` with (0: none): drawn
    only when they have some, so a seed replays the same choices."""
    balance = points.balance(customer)
    most = min(balance, points.rules.most_for(total))
    if most <= 0 or rng.random() >= likelihood:
        return 0
    return max(1, int(most * rng.uniform(0.3, 1.0)))
