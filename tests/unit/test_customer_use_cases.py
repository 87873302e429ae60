"""Consent, identity and merges through the service: who may do what, what is recorded, and
that a refusal records nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from adapters.memory_catalog import InMemoryCustomers
from domain.bounds import OutOfBounds
from domain.cart.model import Cart, CartStatus
from domain.customer.consent import ConsentSource, MarketingChannel, MessageKind
from domain.customer.lookup import IdentifyBy, LookupOutcome, ShopperLookup
from domain.customer.model import CustomerCarts
from domain.customer.profile import ErasureUnderWay, ProfileMerged
from domain.errors import DomainError, NotAllowed
from domain.ports import Customer
from domain.service import CommerceService
from domain.usecases.profiles import UnknownCustomer
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, StaffRole, customer_carts_id
from tests.shop import OPENING, STAFF, make_service

EMAIL = MarketingChannel.EMAIL
REMINDER = MessageKind.ABANDONED_CART_REMINDER
DIRECTORY = [
    Customer(id="cust-ada", first_name="Ada", email="Ada@Example.com", phone="+31 6 1234 5678"),
    Customer(id="cust-ada-old", first_name="Ada", email="ada.old@example.com"),
    Customer(id="cust-twin-1", first_name="Kim", email="twins@example.com"),
    Customer(id="cust-twin-2", first_name="Lee", email="twins@example.com"),
    Customer(id="cust-bob", first_name="Bob", loyalty_id="LOYAL-BOB"),
]


def acting(kind: ActorKind, actor_id: str, *stores: str, role: StaffRole | None = None) -> Context:
    channel = {ActorKind.POS_TERMINAL: Channel.POS, ActorKind.STAFF: Channel.STAFF}.get(
        kind, Channel.MOBILE
    )
    actor = Actor(kind, actor_id, stores=stores, staff_role=role)
    return Context(channel=channel, actor=actor)


ADA = acting(ActorKind.CUSTOMER, "cust-ada")
BOB = acting(ActorKind.CUSTOMER, "cust-bob")
TILL = acting(ActorKind.POS_TERMINAL, "till-1", "AMS-ZUID")
PICKER = acting(ActorKind.STAFF, "staff-bo", "AMS-ZUID", role=StaffRole.PICKER)
DESK = acting(ActorKind.STAFF, "staff-di", "AMS-ZUID", role=StaffRole.SERVICE_DESK)


@pytest.fixture
def service() -> CommerceService:
    service = make_service(InMemoryEventStore(), ManualClock(OPENING))
    service.customers = InMemoryCustomers(DIRECTORY)
    return service


async def refused(
    service: CommerceService, error: type[Exception], attempt: Callable[[], Awaitable[object]]
) -> Exception:
    before = await service.store.last_position()
    with pytest.raises(error) as refusal:
        await attempt()
    assert await service.store.last_position() == before
    return refusal.value


class TestConsent:
    async def test_a_customer_gives_and_withdraws_their_own_consent(
        self, service: CommerceService
    ) -> None:
        given = await service.set_consent("cust-ada", EMAIL, True, "mkt-v1", ADA)
        (consent,) = given.result.consents
        assert (consent.granted, consent.source, consent.at) == (True, ConsentSource.APP, OPENING)
        assert await service.may_receive("cust-ada", REMINDER, EMAIL)
        withdrawn = await service.set_consent("cust-ada", EMAIL, False, "mkt-v1", ADA)
        assert not withdrawn.result.consents[0].granted
        assert not await service.may_receive("cust-ada", REMINDER, EMAIL)
        assert await service.may_receive("cust-ada", MessageKind.PICKUP_READY, EMAIL)

    async def test_a_till_and_the_service_desk_record_consent_given_in_person(
        self, service: CommerceService
    ) -> None:
        at_till = await service.set_consent("cust-bob", EMAIL, True, "mkt-v1", TILL)
        assert at_till.result.consents[0].source is ConsentSource.TILL
        at_desk = await service.set_consent("cust-bob", MarketingChannel.SMS, True, "v1", DESK)
        assert [c.source for c in at_desk.result.consents] == [
            ConsentSource.TILL,
            ConsentSource.SERVICE_DESK,
        ]

    async def test_nobody_else_sets_a_customers_consent(self, service: CommerceService) -> None:
        for other in (BOB, PICKER):
            await refused(
                service,
                NotAllowed,
                lambda other=other: service.set_consent("cust-ada", EMAIL, True, "v1", other),
            )

    async def test_consent_for_a_customer_nobody_knows_is_refused(
        self, service: CommerceService
    ) -> None:
        await refused(
            service, UnknownCustomer, lambda: service.set_consent("nobody", EMAIL, True, "v", TILL)
        )

    async def test_consent_without_the_wordings_version_is_refused(
        self, service: CommerceService
    ) -> None:
        await refused(
            service, OutOfBounds, lambda: service.set_consent("cust-ada", EMAIL, True, " ", ADA)
        )


class TestIdentifyingAShopper:
    async def test_an_exact_email_names_the_customer_and_the_lookup_is_recorded(
        self, service: CommerceService
    ) -> None:
        before = await service.store.last_position()
        found = await service.identify_shopper(IdentifyBy.EMAIL, " ada@EXAMPLE.com", TILL)
        assert (found.result.customer_id, found.result.first_name) == ("cust-ada", "Ada")
        (recorded,) = await service.store.read_all(before)
        assert isinstance(recorded.event, ShopperLookup.Made)
        assert recorded.context.actor.id == "till-1"
        assert (recorded.event.store_id, recorded.event.customer_id) == ("AMS-ZUID", "cust-ada")
        assert b"example" not in repr(vars(recorded.event)).encode().lower()  # no value kept

    async def test_a_phone_matches_however_it_is_spaced_but_never_a_part_of_it(
        self, service: CommerceService
    ) -> None:
        found = await service.identify_shopper(IdentifyBy.PHONE, "+31612345678", PICKER)
        assert found.result.customer_id == "cust-ada"
        partial = await service.identify_shopper(IdentifyBy.PHONE, "+316123", PICKER)
        assert partial.result.outcome is LookupOutcome.NOT_FOUND
        assert partial.result.customer_id is None and partial.result.first_name is None

    async def test_two_profiles_with_one_address_name_nobody(
        self, service: CommerceService
    ) -> None:
        both = await service.identify_shopper(IdentifyBy.EMAIL, "twins@example.com", TILL)
        assert both.result.outcome is LookupOutcome.AMBIGUOUS
        assert both.result.customer_id is None and both.result.first_name is None
        lookup = await service.repository.get(both.result.lookup_id, ShopperLookup)
        assert lookup.outcome is LookupOutcome.AMBIGUOUS

    async def test_a_customer_may_not_look_anyone_up(self, service: CommerceService) -> None:
        await refused(
            service,
            NotAllowed,
            lambda: service.identify_shopper(IdentifyBy.LOYALTY_ID, "LOYAL-BOB", ADA),
        )

    async def test_staff_look_up_only_at_their_own_store(self, service: CommerceService) -> None:
        await refused(
            service,
            NotAllowed,
            lambda: service.identify_shopper(IdentifyBy.EMAIL, "x@y.z", PICKER, "AMS-CENTRAAL"),
        )


class TestMerging:
    async def test_the_duplicates_open_cart_and_consents_follow_the_survivor(
        self, service: CommerceService
    ) -> None:
        old = acting(ActorKind.CUSTOMER, "cust-ada-old")
        cart = (await service.start_cart(old, customer_id="cust-ada-old")).result.cart_id
        await service.add_to_cart(cart, "LAVA-LAMP", 2, old)
        await service.set_consent("cust-ada-old", EMAIL, True, "mkt-v1", old)

        merged = await service.merge_customers("cust-ada", "cust-ada-old", DESK)

        survivor_cart = await service.repository.get(merged.result.cart_id, Cart)  # type: ignore[arg-type]
        assert survivor_cart.customer_id == "cust-ada"
        assert survivor_cart.lines["LAVA-LAMP"].quantity == 2
        closed = await service.repository.get(cart, Cart)
        assert (closed.status, closed.merged_into) == (CartStatus.MERGED, survivor_cart.id)
        assert await service.may_receive("cust-ada", REMINDER, EMAIL)
        again = await service.start_cart(ADA, customer_id="cust-ada")
        assert again.result.cart_id == survivor_cart.id and again.result.resumed

    async def test_nothing_more_is_written_under_the_duplicates_id(
        self, service: CommerceService
    ) -> None:
        await service.merge_customers("cust-ada", "cust-ada-old", DESK)
        old = acting(ActorKind.CUSTOMER, "cust-ada-old")
        await refused(service, ProfileMerged, lambda: service.start_cart(old, "cust-ada-old"))
        await refused(
            service,
            ProfileMerged,
            lambda: service.set_consent("cust-ada-old", EMAIL, True, "v1", old),
        )
        carts = await service.repository.get(customer_carts_id("cust-ada-old"), CustomerCarts)
        assert carts.merged_into == "cust-ada"

    async def test_the_duplicate_is_the_survivor_at_the_till_and_in_a_lookup(
        self, service: CommerceService
    ) -> None:
        await service.merge_customers("cust-ada", "cust-ada-old", DESK)
        found = await service.identify_shopper(IdentifyBy.EMAIL, "ada.old@example.com", TILL)
        assert found.result.customer_id == "cust-ada"
        await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 3, "delivery", STAFF)
        sold = await service.record_pos_sale(
            "AMS-ZUID",
            "till-1",
            "s-1",
            [PosSaleLine("LAVA-LAMP", 1)],
            TILL,
            customer_id="cust-ada-old",
        )
        assert sold.result.customer_id == "cust-ada"

    @pytest.mark.parametrize(
        ("who", "error"),
        [(PICKER, NotAllowed), (TILL, NotAllowed), (ADA, NotAllowed)],
    )
    async def test_only_the_service_desk_merges(
        self, service: CommerceService, who: Context, error: type[DomainError]
    ) -> None:
        await refused(service, error, lambda: service.merge_customers("cust-ada", "cust-bob", who))

    async def test_unknown_profiles_are_not_merged(self, service: CommerceService) -> None:
        await refused(
            service, UnknownCustomer, lambda: service.merge_customers("cust-ada", "nobody", DESK)
        )

    async def test_a_merge_after_an_erasure_request_is_refused(
        self, service: CommerceService
    ) -> None:
        await service.request_erasure("cust-ada-old", "please forget me", DESK)
        await refused(
            service,
            ErasureUnderWay,
            lambda: service.merge_customers("cust-ada", "cust-ada-old", DESK),
        )
