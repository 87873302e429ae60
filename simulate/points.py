"""What the simulator expects each customer's loyalty points to be: its own mirror of the
ledger's rules (README "Loyalty points across channels"), moved by every purchase, redemption
and refund of its own that the server acknowledged.

It knows what each purchase paid in money (the catalog price less what points paid) and the
rules the server runs with (OMNI_LOYALTY_POINTS_PER_UNIT and OMNI_LOYALTY_POINT_VALUE): an
order earns at hand-over, a till sale of an identified shopper when it is recorded, in whole
points rounded down; a refund takes back the purchase's points in proportion to the money
refunded (rounded down, all of them once the money paid is refunded), what the balance
cannot cover is owed and later earnings pay it off first. Points paid with come back
(docs/decisions/2026-12-06-loyalty-points-back.md): all of them when the purchase is
cancelled (a no-show), what the money cannot cover when lines are cancelled, and a refund
splits between money and points in the proportion the purchase was paid, counted over every
refund of it (the money part rounded down to the cent, the points back rounded down); only
the money part reverses what was earned. Points never expire within a simulation (it spans
some forty days; they last `expiry_days`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _floor_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_FLOOR)


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
class Spending:
    """What one purchase paid with points and what came back since (as the ledger's)."""

    points: int
    value: Decimal  # what they paid
    goods: Decimal  # the goods' price the purchase still sells (less cancelled lines)
    restored: int = 0
    restored_value: Decimal = ZERO
    cancelled: int = 0  # of `restored`, what cancellations gave back
    cancelled_value: Decimal = ZERO
    refunded: Decimal = ZERO  # goods' price refunded so far
    due_back: Decimal = ZERO  # cancelled lines' price (an order's `amount_due_back`)
    total: Decimal = ZERO  # the purchase's total when paid

    def kept(self) -> tuple[int, Decimal]:
        return self.points - self.cancelled, self.value - self.cancelled_value


@dataclass
class Account:
    """One customer's points as the simulator expects the ledger (and `me { loyalty }`)."""

    balance: int = 0
    owed: int = 0
    earned: int = 0
    redeemed: int = 0
    reversed: int = 0
    restored: int = 0
    earnings: dict[str, Earning] = field(default_factory=dict)  # by order id or receipt
    spendings: dict[str, Spending] = field(default_factory=dict)  # by order id or receipt
    redeemed_on: dict[str, int] = field(default_factory=dict)  # "order" or "sale": points

    def as_read(self) -> tuple[int, int, int, int, int, int]:
        """(balance, owed, earned, redeemed, reversed, restored), as `me { loyalty }` answers
        them."""
        return self.balance, self.owed, self.earned, self.redeemed, self.reversed, self.restored

    def give_back(
        self, spending: Spending, points: int, value: Decimal, goods: Decimal | None
    ) -> None:
        """Points paid with come back (a cancellation when `goods` is None, else a refund of
        goods worth `goods`); the balance grows, what is owed stays (as the ledger's)."""
        self.balance += points
        self.restored += points
        spending.restored += points
        spending.restored_value += value
        if goods is None:
            spending.cancelled += points
            spending.cancelled_value += value
        else:
            spending.refunded += goods


@dataclass
class Points:
    rules: PointRules = field(default_factory=PointRules)
    accounts: dict[str, Account] = field(default_factory=dict)  # by customer id

    def of(self, customer: str) -> Account:
        return self.accounts.setdefault(customer, Account())

    def balance(self, customer: str | None) -> int:
        return self.accounts[customer].balance if customer in self.accounts else 0

    def redeemed(
        self, customer: str, points: int, kind: str, source: str, total: Decimal
    ) -> Decimal:
        """Points paid part of a purchase of `total` (an "order" at checkout or a till's
        "sale", by order id or receipt); what they paid."""
        account = self.of(customer)
        assert 0 < points <= account.balance, (customer, points, account.balance)
        value = self.rules.value_of(points)
        account.balance -= points
        account.redeemed += points
        account.redeemed_on[kind] = account.redeemed_on.get(kind, 0) + points
        earlier = account.spendings.get(source)
        if earlier is None:
            account.spendings[source] = Spending(points, value, total, total=total)
        else:  # a second redemption on one purchase adds up
            earlier.points, earlier.value = earlier.points + points, earlier.value + value
        return value

    def cancelled(self, customer: str, source: str) -> int:
        """The purchase was cancelled in whole (cancelOrder, the last line short, a pickup
        not collected): every point it paid with not yet back comes back."""
        spending = self.of(customer).spendings.get(source)
        return self._restore_up_to(customer, source, spending.points if spending else 0)

    def lines_cancelled(self, customer: str, source: str, price: Decimal) -> int:
        """Lines worth `price` of an order paid with points were cancelled (a short pick):
        they come off the money first; the points the money cannot cover come back
        (`Order.points_cancelled`, counted over every cancelled line)."""
        spending = self.of(customer).spendings.get(source)
        if spending is None:
            return 0
        spending.due_back += price
        spending.goods = spending.total - spending.due_back
        return self._restore_up_to(customer, source, points_cancelled(spending))

    def _restore_up_to(self, customer: str, source: str, points: int) -> int:
        account = self.of(customer)
        spending = account.spendings.get(source)
        if spending is None:
            return 0
        target = min(points, spending.points)
        if target <= spending.restored:
            return 0
        if target == spending.points:
            worth = spending.value
        else:  # in proportion, rounded down; the last points back carry what is left
            worth = _floor_cent(spending.value * target / spending.points)
        back = target - spending.restored
        account.give_back(spending, back, worth - spending.restored_value, None)
        return back

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

    def refunded(self, customer: str, source: str, goods: Decimal) -> tuple[Decimal, int, int]:
        """A refund of goods worth `goods`: split between money and points as the purchase
        was paid (the points part given back), then the money part takes back what the
        purchase earned, in proportion. (money paid back, points given back, points
        reversed)."""
        account = self.of(customer)
        spending = account.spendings.get(source)
        money, points = goods, 0
        if spending is not None and goods > 0:
            money, points, value = refund_split(spending, goods)
            account.give_back(spending, points, value, goods)
        return money, points, self._reversed(customer, source, money)

    def _reversed(self, customer: str, source: str, money: Decimal) -> int:
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


def points_cancelled(spending: Spending) -> int:
    """Of the points tendered, those cancelled lines give back: what the money cannot cover
    (rounded down; all of them once the lines left cost nothing), as `Order.points_cancelled`."""
    payable = spending.total - spending.value
    over = spending.due_back - payable
    if spending.points <= 0 or spending.value <= 0 or over <= 0:
        return 0
    if over >= spending.value:
        return spending.points
    return int((Decimal(spending.points) * over / spending.value).to_integral_value(ROUND_FLOOR))


def refund_split(spending: Spending, goods: Decimal) -> tuple[Decimal, int, Decimal]:
    """(money, points, their value) of a refund of goods worth `goods`, counted over every
    refund of the purchase, as `LoyaltyAccount.refund_split`."""
    if spending.goods <= 0:
        return goods, 0, ZERO
    kept_points, kept_value = spending.kept()
    money_paid = max(spending.goods - kept_value, ZERO)
    total = min(spending.refunded + goods, spending.goods)
    money_so_far = _floor_cent(money_paid * spending.refunded / spending.goods)
    money_now = _floor_cent(money_paid * total / spending.goods)
    money = money_now - money_so_far
    value = goods - money
    if kept_value <= 0:
        return money, 0, value
    value_back = total - money_now
    due = Decimal(kept_points) * min(value_back, kept_value) / kept_value
    points_due = min(kept_points, int(due.to_integral_value(ROUND_FLOOR)))
    refunded_points = spending.restored - spending.cancelled
    return money, max(points_due - refunded_points, 0), value


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
