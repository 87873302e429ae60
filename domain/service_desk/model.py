"""ServiceCase: a customer's question or problem at the service desk, from the first contact to
its resolution, as the first-contact-resolution figure needs it.

Minimal on purpose: who the case is for, at which store's desk (if any), when it was opened,
each further contact, and each resolution. A contact after a resolution reopens the case: the
customer came back, so the first resolution did not settle it. What the case was about is not
recorded: free text here would be personal, and no figure needs it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, ErrorCode
from domain.personal import Code, CustomerRef, DataSubject, customer_subject


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CaseAlreadyResolved(DomainError):
    code = ErrorCode.CASE_ALREADY_RESOLVED
    subject = "case_id"
    message = "case {case_id} is resolved already; a new contact reopens it"


class ServiceCase(Aggregate):
    """One case at the service desk: opened, contacted again, resolved (and perhaps again)."""

    customer_id: CustomerRef
    store_id: Code | None
    status: CaseStatus
    opened_at: datetime
    contacts: int  # the first one included
    first_resolved_at: datetime | None

    class Opened(Aggregate.Created):
        customer_id: CustomerRef
        store_id: Code | None  # the desk's store; None for the chain's phone line or mail
        at: datetime

    class ContactedAgain(Aggregate.Event):
        at: datetime

    class Resolved(Aggregate.Event):
        at: datetime

    @classmethod
    def open(
        cls, case_id: UUID, customer_id: str, store_id: str | None, at: datetime
    ) -> ServiceCase:
        return cls._create(
            cls.Opened, id=case_id, customer_id=customer_id, store_id=store_id, at=at
        )

    @event(Opened)
    def __init__(self, customer_id: str, store_id: str | None, at: datetime) -> None:
        self.customer_id = customer_id
        self.store_id = store_id
        self.status = CaseStatus.OPEN
        self.opened_at = at
        self.contacts = 1
        self.first_resolved_at = None

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)

    def contact_again(self, at: datetime) -> None:
        """The customer came back about the same case; a resolved case opens again."""
        self._contacted_again(at=at)

    @event(ContactedAgain)
    def _contacted_again(self, at: datetime) -> None:
        self.contacts += 1
        self.status = CaseStatus.OPEN

    def resolve(self, at: datetime) -> None:
        if self.status is CaseStatus.RESOLVED:
            raise CaseAlreadyResolved(case_id=self.id)
        self._resolved(at=at)

    @event(Resolved)
    def _resolved(self, at: datetime) -> None:
        self.status = CaseStatus.RESOLVED
        if self.first_resolved_at is None:
            self.first_resolved_at = at
