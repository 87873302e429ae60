"""The loyalty ledger in the use cases: points earned in the append that takes a purchase's
money, reversed in the refund's, redeemed in the checkout's or the till sale's, expired by the
clock (docs/decisions/2026-12-06-loyalty-ledger.md), moved to the survivor's in a merge's
(2026-12-07-loyalty-ledger-merge.md). A purchase may name a profile merged since: every ledger
is found through `survivor_of`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain import access
from domain.errors import DomainError, ErrorCode, NotAllowed
from domain.loyalty.model import (
    LoyaltyAccount,
    RefundSplit,
    loyalty_account_id,
    purchase_source,
    require_redeemable,
)
from domain.order.model import Order
from domain.usecases.base import Decision, Done
from domain.usecases.profiles import MAX_MERGE_HOPS, CustomerProfiles
from domain.values import Context, Money


class PointsNeedACustomer(DomainError):
    """Points are a known customer's: a guest or an anonymous sale has none to redeem."""

    code = ErrorCode.UNKNOWN_CUSTOMER
    subject = "customer_id"
    message = "points are redeemed by a customer who identified themselves"


class PointsExpired(msgspec.Struct, frozen=True):
    account_id: UUID
    points: int


class LoyaltyUseCases(CustomerProfiles):
    async def _ledger(self, customer_id: str) -> LoyaltyAccount | None:
        """The ledger of the profile the customer id stands for now (the survivor of merges)."""
        return await self._followed_ledger(await self.survivor_of(customer_id))

    async def _loyalty_account(self, customer_id: str, at: datetime) -> LoyaltyAccount:
        """The customer's ledger (the survivor's), opened on first use."""
        survivor = await self.survivor_of(customer_id)
        found = await self._followed_ledger(survivor)
        return found if found is not None else LoyaltyAccount.open(survivor, at)

    async def _followed_ledger(self, customer_id: str) -> LoyaltyAccount | None:
        """The customer's ledger, or where it moved: a merge that committed after the profile
        was read has moved it already, and the points are the survivor's."""
        ledger = await self.repository.find(loyalty_account_id(customer_id), LoyaltyAccount)
        for _ in range(MAX_MERGE_HOPS):
            if ledger is None or ledger.transferred_to is None:
                return ledger
            ledger = await self.repository.find(
                loyalty_account_id(ledger.transferred_to), LoyaltyAccount
            )
        raise AssertionError(f"the ledger of {customer_id} moved more than {MAX_MERGE_HOPS} times")

    async def _ledger_follows(
        self, survivor_id: str, duplicate_id: str, at: datetime
    ) -> list[LoyaltyAccount]:
        """The ledgers to save with a merge: the duplicate's moved whole to the survivor's
        (none: the duplicate never had one)."""
        moving = await self.repository.find(loyalty_account_id(duplicate_id), LoyaltyAccount)
        if moving is None:
            return []
        survivor = await self._loyalty_account(survivor_id, at)
        moving.transfer_to(survivor, at)
        return [ledger for ledger in (moving, survivor) if ledger.pending_events]

    async def _earning(
        self, customer_id: str | None, source: str, paid: Money, at: datetime
    ) -> list[LoyaltyAccount]:
        """The ledger to save with a purchase whose money was taken (none: nothing earned)."""
        if customer_id is None or self.loyalty_rules.points_for(paid) <= 0:
            return []
        account = await self._loyalty_account(customer_id, at)
        return [account] if account.earn(source, paid, self.loyalty_rules, at) else []

    async def _earner(self, customer_id: str | None) -> LoyaltyAccount | None:
        """The customer's ledger, if they have one (a refund reverses what was earned)."""
        if customer_id is None:
            return None
        return await self._ledger(customer_id)

    async def _giving_back(
        self, customer_id: str | None, source: str, points_paid: int, at: datetime
    ) -> list[LoyaltyAccount]:
        """The ledger to save with a purchase cancelled in whole: the points it paid with come
        back (none: it paid with no points, or they are back already)."""
        if customer_id is None or points_paid <= 0:
            return []
        account = await self._ledger(customer_id)
        if account is None:
            return []
        return [account] if account.restore(source, at) else []

    async def _points_back(self, order: Order, at: datetime) -> list[LoyaltyAccount]:
        """The ledger to save with an order cancelled in whole (none: it paid with no points)."""
        source = purchase_source("order", order.id)
        points = getattr(order, "points_tendered", 0)  # none in a snapshot from before loyalty
        return await self._giving_back(order.customer_id, source, points, at)

    async def _points_back_in_part(self, order: Order, at: datetime) -> list[LoyaltyAccount]:
        """The ledger to save with lines of an order cancelled (a short pick): the points the
        money cannot cover of what is owed back (none: the money covers it, or no points)."""
        points = order.points_cancelled()
        if order.customer_id is None or points <= 0:
            return []
        account = await self._ledger(order.customer_id)
        if account is None:
            return []
        source = purchase_source("order", order.id)
        return [account] if account.restore_up_to(source, points, at) else []

    def _refunded_in_points(
        self,
        account: LoyaltyAccount | None,
        source: str,
        split: RefundSplit,
        at: datetime,
    ) -> list[LoyaltyAccount]:
        """The ledger to save with a refund: its points part given back, then what its money
        part earned reversed (none: the purchase neither paid with nor earned points)."""
        if account is None:
            return []
        # Recorded even at 0 points (a refund whose points' part is under a point, or none):
        # the next refund counts every refund so far.
        account.restore_for_refund(source, split, at)
        account.reverse(source, split.money, at)
        return [account] if account.pending_events else []

    async def _spender(self, customer_id: str | None, at: datetime) -> LoyaltyAccount:
        """The ledger points are about to be spent from; a guest or an anonymous sale has
        none (UNKNOWN_CUSTOMER)."""
        if customer_id is None:
            raise PointsNeedACustomer()
        return await self._loyalty_account(customer_id, at)

    async def _redemption(
        self,
        customer_id: str | None,
        source: str,
        points: int,
        currency: str,
        at: datetime,
        account: LoyaltyAccount | None = None,
    ) -> tuple[LoyaltyAccount, Money]:
        """The ledger (loaded here unless given) with `points` spent on `source`, and what
        they pay."""
        require_redeemable(points)
        account = account or await self._spender(customer_id, at)
        value = self.loyalty_rules.value_of(points, currency)
        account.redeem(source, points, value, at)
        return account, value

    async def expire_points(
        self, account_id: UUID, at: datetime, context: Context
    ) -> Done[PointsExpired]:
        """The clock rule: points past their time lapse, recorded once however many processes
        tick (the second finds nothing due, or collides on the version and then does)."""
        if context.actor.kind not in access.UNRESTRICTED:
            raise NotAllowed("only the clock (or an admin) expires points")

        async def decide() -> Decision[PointsExpired]:
            account = await self.repository.get(account_id, LoyaltyAccount)
            points = account.expire(at)
            return Decision([account] if points else [], PointsExpired(account_id, points))

        return await self._execute(decide, PointsExpired, context)
