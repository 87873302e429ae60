# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""LoyaltyAccount: one points ledger per customer, the same on the web, in the app and at a till.

Points are earned on what a purchase paid in money, reversed in proportion to what a refund
pays back, redeemed as a tender and expire `expiry_days` after they were earned, oldest first.
Points paid with are given back (restored) when the purchase is cancelled, and in proportion to
what a refund gives back, with the expiry dates of the lots they were spent from. A reversal
larger than the balance leaves the rest owed; later earnings settle it first. When a profile
is merged into another, its ledger moves whole to the survivor's (`transfer_to`) and takes
nothing more. The ledger holds points and ids only (no personal text): an erasure has nothing
to scrub here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TypeVar
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.customer.profile import SameCustomer
from domain.errors import DomainError, ErrorCode
from domain.personal import Code, CustomerRef, DataSubject, customer_subject
from domain.values import CENT, OMNI_NAMESPACE, Money

T = TypeVar("T", "Earning", "Spending")

MAX_POINTS = 10_000_000  # one redemption's bound: far above any till's or basket's


class LoyaltyRules(msgspec.Struct, frozen=True):
    """How points are earned, what they are worth, and how long they last (README settings
    OMNI_LOYALTY_*)."""

    points_per_unit: int = 1  # points per whole unit of money paid (1 EUR: 1 point)
    point_value: Decimal = Decimal("0.01")  # what one point pays, in the purchase's currency
    expiry_days: int = 365

    def points_for(self, paid: Money) -> int:
        """Whole points for money paid; nothing for a refund's or a zero's worth."""
        if paid.amount <= 0:
            return 0
        return int((paid.amount * self.points_per_unit).to_integral_value(ROUND_FLOOR))

    def value_of(self, points: int, currency: str) -> Money:
        return Money((self.point_value * points).quantize(CENT), currency)

    def expiry_of(self, earned_at: datetime) -> datetime:
        return earned_at + timedelta(days=self.expiry_days)


def loyalty_account_id(customer_id: str) -> UUID:
    return uuid5(OMNI_NAMESPACE, f"loyalty:{customer_id}")


def purchase_source(kind: str, purchase_id: UUID) -> str:
    """What earned or paid with points: `order:<id>` or `sale:<id>`."""
    return f"{kind}:{purchase_id}"


class InvalidPoints(DomainError):
    code = ErrorCode.INVALID_POINTS
    subject = "points"
    message = "{points} points cannot be redeemed: {why}"


class InsufficientPoints(DomainError):
    code = ErrorCode.INSUFFICIENT_POINTS
    subject = "points"
    message = "{requested} points asked for; the balance is {balance}"


class LedgerMoved(DomainError):
    """The customer's profile was merged: their points are on the survivor's ledger now."""

    code = ErrorCode.PROFILE_MERGED
    subject = "customer_id"
    message = "the points of {customer_id} moved to {survivor_id}; use that profile"


class Lot(msgspec.Struct, frozen=True):
    """Points earned together, still unspent, and when they expire."""

    points: int
    expires_at: datetime


class Earning(msgspec.Struct, frozen=True):
    """What one purchase earned, on what money, and how much of it was refunded since."""

    points: int
    basis: Money
    refunded: Money
    reversed: int = 0

    def plus(self, other: Earning) -> Earning:
        """Two ledgers' records of one purchase as one (a merge; never expected in practice)."""
        return Earning(
            self.points + other.points,
            self.basis + other.basis,
            self.refunded + other.refunded,
            self.reversed + other.reversed,
        )


class Spending(msgspec.Struct, frozen=True):
    """What one purchase paid with points, the lots they came from (latest expiry first), and
    what was given back since: in all, by cancellations, and the goods' price refunded."""

    points: int
    value: Money
    lots: tuple[Lot, ...]
    restored: int = 0
    restored_value: Money | None = None
    cancelled: int = 0  # of `restored`, what cancellations gave back
    cancelled_value: Money | None = None
    refunded: Money | None = None  # goods' price refunded so far (cancellations not counted)

    def kept(self) -> tuple[int, Money]:
        """The points, and their value, that still pay for what the purchase did not cancel."""
        zero = Money.zero(self.value.currency)
        return self.points - self.cancelled, self.value - (self.cancelled_value or zero)

    def plus(self, other: Spending) -> Spending:
        """Two ledgers' records of one purchase as one (a merge; never expected in practice:
        a purchase pays from one ledger), as a second redemption adds up."""
        zero = Money.zero(self.value.currency)
        return Spending(
            self.points + other.points,
            self.value + other.value,
            (*self.lots, *other.lots),
            self.restored + other.restored,
            (self.restored_value or zero) + (other.restored_value or zero),
            self.cancelled + other.cancelled,
            (self.cancelled_value or zero) + (other.cancelled_value or zero),
            (self.refunded or zero) + (other.refunded or zero),
        )


class RefundSplit(msgspec.Struct, frozen=True):
    """A refund of goods worth `goods`: `money` goes back through the payment provider,
    `points` (worth `value`) back to the ledger; money + value == goods."""

    goods: Money
    money: Money
    points: int
    value: Money


def _spent_lots(lots: tuple[Lot, ...], points: int) -> tuple[Lot, ...]:
    """The lots `points` spent oldest first come from (as `_taken` spends them)."""
    spent: list[Lot] = []
    for lot in lots:
        if points <= 0:
            break
        used = min(lot.points, points)
        points -= used
        spent.append(Lot(used, lot.expires_at))
    return tuple(spent)


def _given_back(lots: tuple[Lot, ...], points: int) -> tuple[tuple[Lot, ...], tuple[Lot, ...]]:
    """`points` of a spending's lots given back, latest expiry first: (given, still spent)."""
    given: list[Lot] = []
    kept: list[Lot] = []
    for lot in sorted(lots, key=lambda lot: lot.expires_at, reverse=True):
        used = min(lot.points, points)
        points -= used
        if used:
            given.append(Lot(used, lot.expires_at))
        if lot.points > used:
            kept.append(Lot(lot.points - used, lot.expires_at))
    return tuple(given), tuple(kept)


def _merged(lots: tuple[Lot, ...], more: tuple[Lot, ...]) -> tuple[Lot, ...]:
    """Lots with points given back, oldest first, one lot per expiry."""
    points: dict[datetime, int] = {}
    for lot in (*lots, *more):
        points[lot.expires_at] = points.get(lot.expires_at, 0) + lot.points
    return tuple(Lot(points[at], at) for at in sorted(points))


def _taken(lots: tuple[Lot, ...], points: int) -> tuple[tuple[Lot, ...], int]:
    """The lots left after spending `points` oldest first, and what they could not cover."""
    left: list[Lot] = []
    for lot in lots:
        used = min(lot.points, points)
        points -= used
        if lot.points > used:
            left.append(Lot(lot.points - used, lot.expires_at))
    return tuple(left), points


def _next_expiry(lots: tuple[Lot, ...]) -> datetime | None:
    return min((lot.expires_at for lot in lots), default=None)


def _combined(mine: dict[str, T], theirs: dict[str, T]) -> dict[str, T]:
    """Per purchase, both ledgers' records: one purchase on both adds up."""
    both = dict(mine)
    for source, record in theirs.items():
        earlier = both.get(source)
        both[source] = record if earlier is None else earlier.plus(record)
    return both


class LoyaltyAccount(Aggregate):
    """A customer's points: what is spendable (lots), what is owed, and what each purchase
    earned. Every event but the opening says when the next points expire (`next_expiry`),
    for the clock rule (projections/deadlines.py)."""

    customer_id: CustomerRef
    lots: tuple[Lot, ...]
    owed: int
    earnings: dict[Code, Earning]
    spendings: dict[Code, Spending]  # per purchase paid with points
    # The survivor the ledger moved to when the profile was merged (a default for snapshots
    # taken before transfers existed).
    transferred_to: CustomerRef | None = None

    class Opened(Aggregate.Created):
        customer_id: CustomerRef
        at: datetime

    class Earned(Aggregate.Event):
        source: Code
        points: int
        basis: Money  # the money paid that earned them
        settled: int  # of `points`, what paid off points owed
        expires_at: datetime
        next_expiry: datetime | None
        at: datetime

    class Reversed(Aggregate.Event):
        source: Code
        points: int
        refunded: Money  # this refund's money
        owed: int  # of `points`, what the balance could not cover
        next_expiry: datetime | None
        at: datetime

    class Redeemed(Aggregate.Event):
        source: Code
        points: int
        value: Money
        next_expiry: datetime | None
        at: datetime

    class Expired(Aggregate.Event):
        points: int
        next_expiry: datetime | None
        at: datetime

    class Restored(Aggregate.Event):
        """Points paid with, given back: the purchase was cancelled (`refunded` None) or a
        refund gave back goods worth `refunded` (its points part is `value`)."""

        source: Code
        points: int
        value: Money  # what these points had paid
        refunded: Money | None  # the refund's goods' price; None for a cancellation
        lots: list[Lot]  # the points back, with the expiry they were spent with
        next_expiry: datetime | None
        at: datetime

    class TransferredOut(Aggregate.Event):
        """The profile was merged into `survivor_id`: everything the ledger held moved to the
        survivor's (`TransferredIn` there, in the same append); it takes nothing more."""

        survivor_id: CustomerRef
        # Counts of points, not personal data; each at most a ledger's balance or debt, which
        # the read side already holds (loyalty_balance's int columns).
        points: int  # the balance that left
        owed: int  # the points owed that left
        next_expiry: datetime | None  # always None: nothing left to expire
        at: datetime

    class TransferredIn(Aggregate.Event):
        """A merged profile's ledger came in whole: its lots with their expiry dates, what it
        owed, and per purchase what it earned and paid with (for later refunds)."""

        duplicate_id: CustomerRef
        # Counts of points, not personal data, bounded as TransferredOut's (`settled` by the
        # smaller of the two balances and the two debts together).
        points: int  # the balance that came in
        owed: int  # the points owed that came in
        settled: int  # owed on either side, paid off by the balances at once
        lots: list[Lot]
        earnings: dict[Code, Earning]
        spendings: dict[Code, Spending]
        next_expiry: datetime | None
        at: datetime

    @classmethod
    def open(cls, customer_id: str, at: datetime) -> LoyaltyAccount:
        return cls._create(
            cls.Opened, id=loyalty_account_id(customer_id), customer_id=customer_id, at=at
        )

    @event(Opened)
    def __init__(self, customer_id: str, at: datetime) -> None:
        self.customer_id = customer_id
        self.lots = ()
        self.owed = 0
        self.earnings = {}
        self.spendings = {}
        self.transferred_to = None

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)

    @property
    def balance(self) -> int:
        return sum(lot.points for lot in self.lots)

    @property
    def next_expiry(self) -> datetime | None:
        return _next_expiry(self.lots)

    def earn(self, source: str, paid: Money, rules: LoyaltyRules, at: datetime) -> int:
        """Points for a purchase's money, once per purchase; they pay off what is owed first.
        Returns the points earned (0: nothing recorded)."""
        self._require_open()
        points = rules.points_for(paid)
        if source in self.earnings or points <= 0:
            return 0
        settled = min(self.owed, points)
        expires_at = rules.expiry_of(at)
        lots = self.lots + ((Lot(points - settled, expires_at),) if points > settled else ())
        self._earned(
            source=source,
            points=points,
            basis=paid,
            settled=settled,
            expires_at=expires_at,
            next_expiry=_next_expiry(lots),
            at=at,
        )
        return points

    @event(Earned)
    def _earned(
        self,
        source: str,
        points: int,
        basis: Money,
        settled: int,
        expires_at: datetime,
        next_expiry: datetime | None,
        at: datetime,
    ) -> None:
        self.owed -= settled
        if points > settled:
            lots = (*self.lots, Lot(points - settled, expires_at))
            self.lots = tuple(sorted(lots, key=lambda lot: lot.expires_at))
        self.earnings[source] = Earning(points, basis, Money.zero(basis.currency))

    def reverse(self, source: str, refunded: Money, at: datetime) -> int:
        """Take back what a purchase earned in proportion to the money refunded (rounded
        down, all of it once everything is refunded); what the balance cannot cover is owed.
        Returns the points reversed (0: nothing recorded)."""
        self._require_open()
        earning = self.earnings.get(source)
        if earning is None or refunded.amount <= 0 or earning.basis.amount <= 0:
            return 0
        total_refunded = min(earning.refunded.amount + refunded.amount, earning.basis.amount)
        share = Decimal(earning.points) * total_refunded / earning.basis.amount
        due = min(earning.points, int(share.to_integral_value(ROUND_FLOOR)))
        # A refund too small for a whole point yet is recorded all the same (0 points): the
        # next one counts from every refund so far, so the rounding never loses a point.
        points = max(due - earning.reversed, 0)
        lots, short = _taken(self.lots, points)
        self._reversed(
            source=source,
            points=points,
            refunded=refunded,
            owed=short,
            next_expiry=_next_expiry(lots),
            at=at,
        )
        return points

    @event(Reversed)
    def _reversed(
        self,
        source: str,
        points: int,
        refunded: Money,
        owed: int,
        next_expiry: datetime | None,
        at: datetime,
    ) -> None:
        self.lots, short = _taken(self.lots, points)
        self.owed += short
        earning = self.earnings[source]
        self.earnings[source] = Earning(
            earning.points, earning.basis, earning.refunded + refunded, earning.reversed + points
        )

    def redeem(self, source: str, points: int, value: Money, at: datetime) -> None:
        """Spend points as a tender; never more than the balance."""
        require_redeemable(points)
        self._require_open()
        if points > self.balance:
            raise InsufficientPoints(
                customer_id=self.customer_id, requested=points, balance=self.balance
            )
        lots, _ = _taken(self.lots, points)
        self._redeemed(
            source=source, points=points, value=value, next_expiry=_next_expiry(lots), at=at
        )

    @event(Redeemed)
    def _redeemed(
        self, source: str, points: int, value: Money, next_expiry: datetime | None, at: datetime
    ) -> None:
        spent = _spent_lots(self.lots, points)
        self.lots, _ = _taken(self.lots, points)
        spendings = self._spendings
        earlier = spendings.get(source)
        if earlier is not None:  # one redemption per purchase today; a second adds up
            spent = (*earlier.lots, *spent)
            points, value = earlier.points + points, earlier.value + value
        spendings[source] = Spending(points, value, spent)

    @property
    def _spendings(self) -> dict[str, Spending]:
        """Per purchase paid with points (a snapshot from before has none: nothing to give
        back for purchases before it)."""
        if not hasattr(self, "spendings"):
            self.spendings = {}
        return self.spendings

    def paid_with_points(self, source: str) -> tuple[int, Money] | None:
        """(points, value) a purchase paid with; None if it paid with none."""
        spending = self._spendings.get(source)
        return None if spending is None else (spending.points, spending.value)

    def restore(self, source: str, at: datetime) -> int:
        """The purchase was cancelled in whole: every point it paid with and not yet given
        back comes back, with the expiry it had. Returns the points (0: nothing recorded)."""
        spending = self._spendings.get(source)
        return self.restore_up_to(source, spending.points if spending else 0, at)

    def restore_up_to(self, source: str, points: int, at: datetime) -> int:
        """A cancellation gives back points until `points` of the purchase's have come back in
        all (a part of the order cancelled; all of them: the whole order). Returns the points
        given back now (0: nothing recorded)."""
        self._require_open()
        spending = self._spendings.get(source)
        if spending is None:
            return 0
        target = min(points, spending.points)
        if target <= spending.restored:
            return 0
        zero = Money.zero(spending.value.currency)
        if target == spending.points:
            worth = spending.value
        else:  # in proportion, rounded down; the last points back carry what is left
            share = spending.value.amount * target / spending.points
            worth = Money(share.quantize(CENT, rounding=ROUND_FLOOR), spending.value.currency)
        value = worth - (spending.restored_value or zero)
        self._record_restored(source, spending, target - spending.restored, value, None, at)
        return target - spending.restored

    def refund_split(self, source: str, goods: Money, purchase_goods: Money) -> RefundSplit:
        """How a refund of goods worth `goods` splits between money and points, for a purchase
        of goods worth `purchase_goods` paid partly with points. Counted over every refund so
        far: the money share is rounded down to the cent, the points share is the rest, and
        the points back are rounded down; once everything is refunded, exactly the money paid
        and the points paid have gone back (nothing lost or created)."""
        zero = Money.zero(goods.currency)
        spending = self._spendings.get(source)
        if spending is None or goods.amount <= 0 or purchase_goods.amount <= 0:
            return RefundSplit(goods, goods, 0, zero)
        before = spending.refunded or zero
        kept_points, kept_value = spending.kept()
        money_paid = purchase_goods - kept_value
        if money_paid.amount < 0:  # lines cancelled after the tender left less than it paid
            money_paid = zero
        total = min(before.amount + goods.amount, purchase_goods.amount)
        money_so_far = _money_share(money_paid, before.amount, purchase_goods)
        money_now = _money_share(money_paid, total, purchase_goods)
        money = Money(money_now - money_so_far, goods.currency)
        value = goods - money
        value_back = total - money_now  # the points' part of every refund so far
        if kept_value.amount <= 0:
            return RefundSplit(goods, money, 0, value)
        due = Decimal(kept_points) * min(value_back, kept_value.amount) / kept_value.amount
        points_due = min(kept_points, int(due.to_integral_value(ROUND_FLOOR)))
        refunded_points = spending.restored - spending.cancelled
        return RefundSplit(goods, money, max(points_due - refunded_points, 0), value)

    def restore_for_refund(self, source: str, split: RefundSplit, at: datetime) -> int:
        """Give back the points part of a refund (`refund_split`), recorded even at 0 points
        so the next refund counts it. Returns the points (0 also when nothing is recorded)."""
        self._require_open()
        spending = self._spendings.get(source)
        if spending is None or split.goods.amount <= 0:
            return 0
        self._record_restored(source, spending, split.points, split.value, split.goods, at)
        return split.points

    def _record_restored(
        self,
        source: str,
        spending: Spending,
        points: int,
        value: Money,
        refunded: Money | None,
        at: datetime,
    ) -> None:
        given, _ = _given_back(spending.lots, points)
        self._restored(
            source=source,
            points=points,
            value=value,
            refunded=refunded,
            lots=list(given),
            next_expiry=_next_expiry(_merged(self.lots, given)),
            at=at,
        )

    @event(Restored)
    def _restored(
        self,
        source: str,
        points: int,
        value: Money,
        refunded: Money | None,
        lots: list[Lot],
        next_expiry: datetime | None,
        at: datetime,
    ) -> None:
        self.lots = _merged(self.lots, tuple(lots))
        spendings = self._spendings
        spending = spendings[source]
        _, kept = _given_back(spending.lots, points)
        zero = Money.zero(value.currency)
        restored = msgspec.structs.replace(
            spending,
            lots=kept,
            restored=spending.restored + points,
            restored_value=(spending.restored_value or zero) + value,
        )
        if refunded is None:  # a cancellation
            restored = msgspec.structs.replace(
                restored,
                cancelled=spending.cancelled + points,
                cancelled_value=(spending.cancelled_value or zero) + value,
            )
        else:
            restored = msgspec.structs.replace(
                restored, refunded=(spending.refunded or zero) + refunded
            )
        spendings[source] = restored

    def expire(self, at: datetime) -> int:
        """Points earned `expiry_days` or more ago and still unspent lapse; once: a second
        call at the same time finds nothing due and records nothing."""
        due = sum(lot.points for lot in self.lots if lot.expires_at <= at)
        if due == 0:
            return 0
        left = tuple(lot for lot in self.lots if lot.expires_at > at)
        self._expired(points=due, next_expiry=_next_expiry(left), at=at)
        return due

    @event(Expired)
    def _expired(self, points: int, next_expiry: datetime | None, at: datetime) -> None:
        self.lots = tuple(lot for lot in self.lots if lot.expires_at > at)

    def transfer_to(self, survivor: LoyaltyAccount, at: datetime) -> int:
        """The profile was merged into `survivor`'s: everything this ledger holds moves there
        (lots with their expiry dates, points owed, what each purchase earned and paid with),
        what is owed on either side is paid off by the balances at once, and this ledger takes
        nothing more. Once: moved to this survivor already, nothing is recorded. Returns the
        points moved."""
        if self.transferred_to == survivor.customer_id:
            return 0
        if survivor.customer_id == self.customer_id:
            raise SameCustomer(customer_id=survivor.customer_id, duplicate_id=self.customer_id)
        self._require_open()
        survivor._require_open()
        lots, owed, points = self.lots, self.owed, self.balance
        earnings, spendings = dict(self.earnings), dict(self._spendings)
        combined = _merged(survivor.lots, lots)
        settled = min(survivor.owed + owed, sum(lot.points for lot in combined))
        left, _ = _taken(combined, settled)
        self._transferred_out(
            survivor_id=survivor.customer_id, points=points, owed=owed, next_expiry=None, at=at
        )
        survivor._transferred_in(
            duplicate_id=self.customer_id,
            points=points,
            owed=owed,
            settled=settled,
            lots=list(lots),
            earnings=earnings,
            spendings=spendings,
            next_expiry=_next_expiry(left),
            at=at,
        )
        return points

    @event(TransferredOut)
    def _transferred_out(
        self, survivor_id: str, points: int, owed: int, next_expiry: datetime | None, at: datetime
    ) -> None:
        self.lots, self.owed, self.earnings, self.spendings = (), 0, {}, {}
        self.transferred_to = survivor_id

    @event(TransferredIn)
    def _transferred_in(
        self,
        duplicate_id: str,
        points: int,
        owed: int,
        settled: int,
        lots: list[Lot],
        earnings: dict[str, Earning],
        spendings: dict[str, Spending],
        next_expiry: datetime | None,
        at: datetime,
    ) -> None:
        self.lots, _ = _taken(_merged(self.lots, tuple(lots)), settled)
        self.owed += owed - settled
        self.earnings = _combined(self.earnings, earnings)
        self.spendings = _combined(self._spendings, spendings)

    def _require_open(self) -> None:
        """A ledger moved to a survivor's takes nothing more: act on the survivor's."""
        if self.transferred_to is not None:
            raise LedgerMoved(customer_id=self.customer_id, survivor_id=self.transferred_to)


def _money_share(money_paid: Money, refunded: Decimal, purchase_goods: Money) -> Decimal:
    """The money part of refunds of goods worth `refunded`, rounded down to the cent."""
    share = money_paid.amount * refunded / purchase_goods.amount
    return share.quantize(CENT, rounding=ROUND_FLOOR)


def require_redeemable(points: int) -> None:
    """A positive whole number of points, within bounds: checked before anything is loaded."""
    if points <= 0:
        raise InvalidPoints(points=points, why="redeem a positive number of points")
    if points > MAX_POINTS:
        raise InvalidPoints(points=points, why=f"at most {MAX_POINTS:,} at once")
