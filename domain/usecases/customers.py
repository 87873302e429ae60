"""Customer use cases: consent given and withdrawn, a shopper identified at a counter, two
profiles of one person merged, an erasure asked for, and the marketing that went out."""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.customer.consent import Consent, MarketingChannel, MessageKind, source_of
from domain.customer.lookup import IdentifyBy, LookupOutcome, ShopperLookup
from domain.customer.profile import CustomerProfile
from domain.usecases.base import Decision, Done
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.merging import MergeCarts
from domain.values import Actor, ActorKind, Context, customer_profile_id


class ConsentsNow(msgspec.Struct, frozen=True):
    """The customer's last word per channel after the command."""

    customer_id: str
    consents: list[Consent]


class ShopperIdentified(msgspec.Struct, frozen=True):
    """Who the shopper is (their id and first name), or that nobody is named."""

    outcome: LookupOutcome
    lookup_id: UUID
    customer_id: str | None = None
    first_name: str | None = None


class CustomersMerged(msgspec.Struct, frozen=True):
    survivor_id: str
    duplicate_id: str
    cart_id: UUID | None = None  # the survivor's current cart, if the duplicate's came into it


class ProfileChanged(msgspec.Struct, frozen=True):
    customer_id: str


class CustomerUseCases(LoyaltyUseCases, MergeCarts):
    async def set_consent(
        self,
        customer_id: str,
        channel: MarketingChannel,
        granted: bool,
        wording_version: str,
        context: Context,
    ) -> Done[ConsentsNow]:
        """Yes or no to marketing on a channel: the customer's own, or given in person at a
        till or the service desk (the source is whoever records it)."""
        themself = _is_the_customer(context.actor, customer_id)
        if not themself:
            access.require(context.actor, Capability.RECORD_CONSENT)
        bounds.require_id(customer_id, "customer_id")
        _require_wording(wording_version)
        source, now = source_of(context), self.clock.now()

        async def decide() -> Decision[ConsentsNow]:
            if not themself:
                await self._require_known_customer(customer_id)
            profile = await self._profile(customer_id, now)
            if granted:
                profile.give_consent(channel, source, wording_version, now)
            else:
                profile.withdraw_consent(channel, source, wording_version, now)
            return Decision([profile], ConsentsNow(customer_id, _consents(profile)))

        return await self._execute(decide, ConsentsNow, context)

    async def consents_of(self, customer_id: str) -> list[Consent]:
        """The customer's last word per channel, read from their profile (exact, not a view)."""
        found = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
        return _consents(found) if found is not None else []

    async def may_receive(
        self, customer_id: str, message: MessageKind, channel: MarketingChannel
    ) -> bool:
        """Whether a message may go to the customer now, decided by the surviving profile."""
        survivor = await self.survivor_of(customer_id)
        found = await self.repository.find(customer_profile_id(survivor), CustomerProfile)
        if found is None:
            return not message.is_marketing
        return found.may_receive(message, channel)

    async def record_marketing_sent(
        self,
        customer_id: str,
        message: MessageKind,
        channel: MarketingChannel,
        about: UUID | None,
        context: Context,
    ) -> Done[ProfileChanged]:
        """A marketing message was accepted for delivery: a fact on the customer's profile."""
        access.require(context.actor, Capability.NOTIFY)
        now = self.clock.now()

        async def decide() -> Decision[ProfileChanged]:
            profile = await self._profile(await self.survivor_of(customer_id), now)
            profile.record_marketing_sent(message, channel, about, now)
            return Decision([profile], ProfileChanged(profile.customer_id))

        return await self._execute(decide, ProfileChanged, context)

    async def identify_shopper(
        self, by: IdentifyBy, value: str, context: Context, store_id: str | None = None
    ) -> Done[ShopperIdentified]:
        """Who the shopper at a counter is, by an exact loyalty id, e-mail or phone: their id
        and first name, or nobody; never a list. Every lookup is recorded, hit or miss."""
        store_id = _store_of(context.actor, store_id)
        access.require(context.actor, Capability.IDENTIFY_SHOPPER, store_id)
        bounds.require_id(store_id, "store_id")
        bounds.require_length(value, bounds.MAX_ID_LENGTH, "value")
        if not value.strip():
            raise bounds.OutOfBounds("value", "value: say what to look the shopper up by")
        lookup_id, now = self.new_id(), self.clock.now()

        async def decide() -> Decision[ShopperIdentified]:
            matches = await self.customers.matching(by, value, 2) if self.customers else []
            if len(matches) != 1:
                outcome = LookupOutcome.AMBIGUOUS if matches else LookupOutcome.NOT_FOUND
                lookup = ShopperLookup.record(lookup_id, by, store_id, None, outcome, now)
                return Decision([lookup], ShopperIdentified(outcome, lookup_id))
            survivor = await self.survivor_of(matches[0].id)
            named = await self.customers.customer(survivor) if self.customers else None
            first_name = (named or matches[0]).first_name
            found = LookupOutcome.FOUND
            lookup = ShopperLookup.record(lookup_id, by, store_id, survivor, found, now)
            return Decision([lookup], ShopperIdentified(found, lookup_id, survivor, first_name))

        return await self._execute(decide, ShopperIdentified, context)

    async def merge_customers(
        self, survivor_id: str, duplicate_id: str, context: Context
    ) -> Done[CustomersMerged]:
        """Two profiles of one person become the survivor: the duplicate's consents, open cart,
        points ledger and (on the read side) history follow it. Refused while either is being
        erased."""
        access.require(context.actor, Capability.SERVE_CUSTOMERS)
        bounds.require_id(survivor_id, "survivor_id")
        bounds.require_id(duplicate_id, "duplicate_id")
        now = self.clock.now()

        async def decide() -> Decision[CustomersMerged]:
            await self._require_known_customer(survivor_id)
            await self._require_known_customer(duplicate_id)
            survivor = await self._profile(survivor_id, now)
            duplicate = await self._profile(duplicate_id, now)
            survivor.absorb(duplicate, now)
            changed, cart_id = await self._carts_follow(survivor_id, duplicate_id, now, context)
            ledgers = await self._ledger_follows(survivor_id, duplicate_id, now)
            result = CustomersMerged(survivor_id, duplicate_id, cart_id)
            return Decision([survivor, duplicate, *changed, *ledgers], result)

        return await self._execute(decide, CustomersMerged, context)

    async def request_erasure(
        self, customer_id: str, reason: str, context: Context
    ) -> Done[ProfileChanged]:
        """The customer (or the service desk for them) asks to be erased. Only the request is
        recorded here: it is what a merge of the same person collides with."""
        if not _is_the_customer(context.actor, customer_id):
            access.require(context.actor, Capability.SERVE_CUSTOMERS)
        bounds.require_id(customer_id, "customer_id")
        bounds.require_text(reason, "reason")
        now = self.clock.now()

        async def decide() -> Decision[ProfileChanged]:
            await self._require_known_customer(customer_id)
            profile = await self._profile(customer_id, now)
            profile.request_erasure(reason, now)
            return Decision([profile], ProfileChanged(customer_id))

        return await self._execute(decide, ProfileChanged, context)


def _consents(profile: CustomerProfile) -> list[Consent]:
    return [profile.consents[channel] for channel in sorted(profile.consents)]


def _is_the_customer(actor: Actor, customer_id: str) -> bool:
    return actor.kind is ActorKind.CUSTOMER and actor.id == customer_id


def _require_wording(wording_version: str) -> None:
    bounds.require_id(wording_version, "wording_version")
    if not wording_version.strip():
        raise bounds.OutOfBounds(
            "wording_version", "wording version: name the text the customer agreed to"
        )


def _store_of(actor: Actor, store_id: str | None) -> str | None:
    """Where a lookup happens: a till's store, a staff member's only store, or the one they
    name (one of theirs: access checks it)."""
    if store_id is not None or actor.kind not in access.STORE_SCOPED:
        return store_id
    if len(actor.stores) == 1:
        return actor.stores[0]
    raise bounds.OutOfBounds("store_id", "store id: say at which of your stores the shopper is")
