"""ShopperLookup: one recorded attempt by a till or an associate to identify a shopper.

Every lookup is its own stream, so lookups never contend with each other or with the
customer's own stream; who asked is in the event's metadata (actor), when and at which store in
the event. The value looked up (an e-mail, a phone number) is never recorded: for a miss it may
be a stranger's, and for a hit the customer id says enough.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.personal import Code, CustomerRef, DataSubject, customer_subject


class IdentifyBy(enum.StrEnum):
    LOYALTY_ID = "loyalty_id"
    EMAIL = "email"
    PHONE = "phone"


PHONE_CHARACTERS = frozenset("+0123456789")


def normalized(by: IdentifyBy, value: str) -> str:
    """What "exact" means: the same address in any letter case, the same number however it
    is spaced or punctuated; never a prefix or a similar one."""
    value = value.strip()
    if by is IdentifyBy.EMAIL:
        return value.lower()  # as PostgreSQL's lower(), which the directory's index holds
    if by is IdentifyBy.PHONE:
        return "".join(c for c in value if c in PHONE_CHARACTERS)
    return value


class LookupOutcome(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"  # more than one profile holds it: nobody is named


class ShopperLookup(Aggregate):
    """Who was identified (or that nobody was), how, where and when."""

    by: IdentifyBy
    store_id: Code | None
    outcome: LookupOutcome
    customer_id: CustomerRef | None

    class Made(Aggregate.Created):
        by: IdentifyBy
        store_id: Code | None
        outcome: LookupOutcome
        customer_id: CustomerRef | None
        at: datetime

    @classmethod
    def record(
        cls,
        lookup_id: UUID,
        by: IdentifyBy,
        store_id: str | None,
        customer_id: str | None,
        outcome: LookupOutcome,
        at: datetime,
    ) -> ShopperLookup:
        return cls._create(
            cls.Made,
            id=lookup_id,
            by=by,
            store_id=store_id,
            outcome=outcome,
            customer_id=customer_id,
            at=at,
        )

    @event(Made)
    def __init__(
        self,
        by: IdentifyBy,
        store_id: str | None,
        outcome: LookupOutcome,
        customer_id: str | None,
        at: datetime,
    ) -> None:
        self.by = by
        self.store_id = store_id
        self.outcome = outcome
        self.customer_id = customer_id

    @property
    def data_subject(self) -> DataSubject | None:
        """Whom the lookup found: the lookup itself keeps nothing of the value searched."""
        return customer_subject(self.customer_id) if self.customer_id else None
