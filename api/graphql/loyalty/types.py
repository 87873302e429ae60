"""A customer's points as `me { loyalty }`, `customer(id) { loyalty }` and a till show them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.graphql.common import Money
from domain.values import Money as DomainMoney
from projections.loyalty import LoyaltyEntry, LoyaltyView


@strawberry.type(description="One movement of the points ledger.")
class LoyaltyMovement:
    kind: str = strawberry.field(
        description="earned, reversed, redeemed, restored (points paid with, given back by a "
        "cancellation or a refund), expired, or transferred_out / transferred_in (a merge of "
        "two profiles moved the ledger to the survivor's)."
    )
    points: int
    balance_change: int = strawberry.field(description="How it moved the spendable balance.")
    owed_change: int = strawberry.field(
        description="How it moved the points owed (a reversal beyond the balance; an earning "
        "that paid them off)."
    )
    source: str | None = strawberry.field(
        description="The purchase: `order:<id>` or `sale:<id>` (none: an expiry, a transfer)."
    )
    at: datetime

    @classmethod
    def of(cls, entry: LoyaltyEntry) -> LoyaltyMovement:
        return cls(
            kind=entry.kind,
            points=entry.points,
            balance_change=entry.balance_change,
            owed_change=entry.owed_change,
            source=entry.source,
            at=entry.at,
        )


@strawberry.type(description="One points ledger across the web, the app and every till.")
class Loyalty:
    balance: int = strawberry.field(description="Spendable points; never below zero.")
    owed: int = strawberry.field(
        description="Points reversed beyond the balance, settled first by later earnings."
    )
    value: Money = strawberry.field(description="What the balance pays at a checkout or a till.")
    earned: int
    redeemed: int
    reversed: int
    expired: int
    restored: int = strawberry.field(
        description="Points paid with, given back by a cancellation or a refund."
    )
    next_expiry: datetime | None = strawberry.field(
        description="When the oldest points left expire."
    )
    history: list[LoyaltyMovement] = strawberry.field(description="Newest first, at most 50.")

    @classmethod
    def of(cls, view: LoyaltyView, point_value: Decimal) -> Loyalty:
        return cls(
            balance=view.balance,
            owed=view.owed,
            value=Money.of(DomainMoney.of(point_value * view.balance)),
            earned=view.earned,
            redeemed=view.redeemed,
            reversed=view.reversed,
            expired=view.expired,
            restored=view.restored,
            next_expiry=view.next_expiry,
            history=[LoyaltyMovement.of(entry) for entry in view.history],
        )
