"""CustomerProfile: what a customer agreed to, which profiles became one, and whether they asked
to be erased, decided on one stream per customer.

Consent, a merge and an erasure request of the same customer are commands on this stream: two
of them racing collide on its version and the later one decides again on fresh state, so a
merge and an erasure of one person never both happen.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.customer.consent import Consent, ConsentSource, MarketingChannel, MessageKind
from domain.errors import DomainError, ErrorCode
from domain.personal import Code, CustomerRef, DataSubject, PersonalText, customer_subject
from domain.values import customer_profile_id


class ProfileMerged(DomainError):
    """The profile was merged into another one: act on the survivor."""

    code = ErrorCode.PROFILE_MERGED
    subject = "customer_id"
    message = "customer {customer_id} was merged into {survivor_id}; use that profile"


class ErasureUnderWay(DomainError):
    code = ErrorCode.ERASURE_REQUESTED
    subject = "customer_id"
    message = "customer {customer_id} asked to be erased; their profile takes no more changes"


class CustomerErased(DomainError):
    """The customer was erased: nothing more is done under this pseudonymous id."""

    code = ErrorCode.CUSTOMER_ERASED
    subject = "customer_id"
    message = "customer {customer_id} was erased"


class SameCustomer(DomainError):
    code = ErrorCode.SAME_CUSTOMER
    subject = "duplicate_id"
    message = "{customer_id} cannot be merged into itself"


class CustomerProfile(Aggregate):
    """One customer's consents (the last word per channel), merges and erasure request."""

    customer_id: CustomerRef
    consents: dict[MarketingChannel, Consent]
    merged_from: list[CustomerRef]
    merged_into: CustomerRef | None
    erasure_requested: bool
    # Defaults for snapshots taken before erasure existed.
    erasure_requested_at: datetime | None = None
    erased: bool = False

    class Opened(Aggregate.Created):
        customer_id: CustomerRef
        at: datetime

    class ConsentGiven(Aggregate.Event):
        channel: MarketingChannel
        source: ConsentSource
        wording_version: Code
        at: datetime

    class ConsentWithdrawn(Aggregate.Event):
        channel: MarketingChannel
        source: ConsentSource
        wording_version: Code
        at: datetime

    class DuplicateAbsorbed(Aggregate.Event):
        """On the survivor: the duplicate's last words that are newer than its own."""

        duplicate_id: CustomerRef
        consents: list[Consent]
        at: datetime

    class MergedInto(Aggregate.Event):
        """On the duplicate; both ids, so a reader needs no other event to re-key rows."""

        customer_id: CustomerRef
        survivor_id: CustomerRef
        at: datetime

    class ErasureRequested(Aggregate.Event):
        reason: PersonalText  # the customer's or the desk's words
        at: datetime

    class Erased(Aggregate.Event):
        """Customer.Erased: their keys are forgotten and their read model rows scrubbed. No
        personal data here (the reason is on ErasureRequested, sealed with the key); the id,
        a pseudonym from now on, tells consumers of `customer.erased` whom to forget."""

        customer_id: CustomerRef
        at: datetime

    class MarketingSent(Aggregate.Event):
        """A mail server (or SMS or push gateway) accepted a marketing message for them."""

        message: MessageKind
        channel: MarketingChannel
        about: UUID | None  # what it was about, e.g. the abandoned cart
        at: datetime

    @classmethod
    def open(cls, customer_id: str, at: datetime) -> CustomerProfile:
        return cls._create(
            cls.Opened, id=customer_profile_id(customer_id), customer_id=customer_id, at=at
        )

    @event(Opened)
    def __init__(self, customer_id: str, at: datetime) -> None:
        self.customer_id = customer_id
        self.consents = {}
        self.merged_from = []
        self.merged_into = None
        self.erasure_requested = False
        self.erasure_requested_at = None
        self.erased = False

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)

    def give_consent(
        self, channel: MarketingChannel, source: ConsentSource, wording_version: str, at: datetime
    ) -> None:
        """Yes to marketing on a channel, to this wording; the same yes again records nothing."""
        self._require_active()
        current = self.consents.get(channel)
        if current is not None and current.granted and current.wording_version == wording_version:
            return
        self._given(channel=channel, source=source, wording_version=wording_version, at=at)

    @event(ConsentGiven)
    def _given(
        self, channel: MarketingChannel, source: ConsentSource, wording_version: str, at: datetime
    ) -> None:
        self.consents[channel] = Consent(channel, True, source, wording_version, at)

    def withdraw_consent(
        self, channel: MarketingChannel, source: ConsentSource, wording_version: str, at: datetime
    ) -> None:
        """No to marketing on a channel, as easy as yes; no consent to withdraw records nothing."""
        self._require_active()
        current = self.consents.get(channel)
        if current is None or not current.granted:
            return
        self._withdrawn(channel=channel, source=source, wording_version=wording_version, at=at)

    @event(ConsentWithdrawn)
    def _withdrawn(
        self, channel: MarketingChannel, source: ConsentSource, wording_version: str, at: datetime
    ) -> None:
        self.consents[channel] = Consent(channel, False, source, wording_version, at)

    def may_receive(self, message: MessageKind, channel: MarketingChannel) -> bool:
        """Transactional messages always; marketing only with consent for the channel, and
        never once the customer asked to be erased."""
        if not message.is_marketing:
            return True
        if self.erasure_requested or self.merged_into is not None:
            return False
        consent = self.consents.get(channel)
        return consent is not None and consent.granted

    def absorb(self, duplicate: CustomerProfile, at: datetime) -> None:
        """The duplicate becomes part of this profile: its newer consent decisions come along
        and it takes no more changes. Refused while either one is being erased."""
        if duplicate.customer_id == self.customer_id:
            raise SameCustomer(customer_id=self.customer_id, duplicate_id=duplicate.customer_id)
        self._require_active()
        duplicate._require_active()
        newer = [
            consent
            for channel, consent in sorted(duplicate.consents.items())
            if channel not in self.consents or consent.at > self.consents[channel].at
        ]
        duplicate._merged_into(
            customer_id=duplicate.customer_id, survivor_id=self.customer_id, at=at
        )
        self._absorbed(duplicate_id=duplicate.customer_id, consents=newer, at=at)

    @event(DuplicateAbsorbed)
    def _absorbed(self, duplicate_id: str, consents: list[Consent], at: datetime) -> None:
        self.merged_from.append(duplicate_id)
        for consent in consents:
            self.consents[consent.channel] = consent

    @event(MergedInto)
    def _merged_into(self, customer_id: str, survivor_id: str, at: datetime) -> None:
        self.merged_into = survivor_id

    def request_erasure(self, reason: str, at: datetime) -> None:
        """The seam erasure builds on: recorded once, refused for a profile merged away (the
        survivor is the one to erase)."""
        if self.merged_into is not None:
            raise ProfileMerged(customer_id=self.customer_id, survivor_id=self.merged_into)
        if self.erased:
            raise CustomerErased(customer_id=self.customer_id)
        if not self.erasure_requested:
            self._erasure_requested(reason=reason, at=at)

    @event(ErasureRequested)
    def _erasure_requested(self, reason: str, at: datetime) -> None:
        self.erasure_requested = True
        self.erasure_requested_at = at

    def erase(self, at: datetime) -> None:
        """Record the erasure (after its request): once, never for a profile merged away."""
        if self.merged_into is not None:
            raise ProfileMerged(customer_id=self.customer_id, survivor_id=self.merged_into)
        if self.erased:
            raise CustomerErased(customer_id=self.customer_id)
        if not self.erasure_requested:
            raise AssertionError("an erasure is recorded after its request")
        self._erased(customer_id=self.customer_id, at=at)

    @event(Erased)
    def _erased(self, customer_id: str, at: datetime) -> None:
        self.erased = True

    def record_marketing_sent(
        self, message: MessageKind, channel: MarketingChannel, about: UUID | None, at: datetime
    ) -> None:
        """A fact: the message was accepted for delivery (checked against consent before)."""
        self._marketing_sent(message=message, channel=channel, about=about, at=at)

    @event(MarketingSent)
    def _marketing_sent(
        self, message: MessageKind, channel: MarketingChannel, about: UUID | None, at: datetime
    ) -> None:
        pass  # a fact for the timeline and the export; it changes no decision

    def _require_active(self) -> None:
        if self.erased:
            raise CustomerErased(customer_id=self.customer_id)
        if self.merged_into is not None:
            raise ProfileMerged(customer_id=self.customer_id, survivor_id=self.merged_into)
        if self.erasure_requested:
            raise ErasureUnderWay(customer_id=self.customer_id)
