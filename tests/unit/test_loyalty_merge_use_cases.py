"""A merge moves the duplicate's points to the survivor, through the service (in-memory store):
in the merge's append, with their expiry dates and what is owed; a refund or a cancellation of
a purchase made under the duplicate's id afterwards moves points on the survivor's ledger;
merging again or a duplicate who never had points writes no ledger event; erasure still works."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from adapters.memory_catalog import InMemoryCustomers
from domain.customer.profile import ProfileMerged
from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Customer, Position
from domain.returns.model import Inspection, ReturnChannel
from domain.service import CommerceService
from domain.usecases.sales import PosSaleLine
from domain.values import SYSTEM_ACTOR, Actor, ActorKind, Channel, Context, StaffRole
from tests.shop import OPENING, STAFF, make_service

STORE = "AMS-ZUID"
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=(STORE,)))
DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "staff-di", stores=(STORE,), staff_role=StaffRole.SERVICE_DESK),
)
OLD = Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, "cust-ada-old"))
ADA_LEDGER, OLD_LEDGER = loyalty_account_id("cust-ada"), loyalty_account_id("cust-ada-old")
CLOCK_RULE = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)
A_YEAR = OPENING.replace(year=2027)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    service = make_service(InMemoryEventStore(), clock)
    service.customers = InMemoryCustomers(
        [Customer(id="cust-ada", first_name="Ada"), Customer(id="cust-ada-old", first_name="Ada")]
    )
    for sku in ("LAVA-LAMP", "VINYL-PLAYER"):
        await service.receive_stock(STORE, sku, 10, f"delivery-{sku}", STAFF)
    return service


async def till_sale(
    service: CommerceService, number: str, sku: str, customer: str, points: int | None = None
) -> UUID:
    done = await service.record_pos_sale(
        STORE,
        "till-1",
        number,
        [PosSaleLine(sku, 1)],
        TILL,
        customer_id=customer,
        redeem_points=points,
    )
    assert done.result.sale_id is not None
    return done.result.sale_id


async def ledger(service: CommerceService, account_id: UUID = ADA_LEDGER) -> LoyaltyAccount:
    return await service.repository.get(account_id, LoyaltyAccount)


async def refund(service: CommerceService, sale_id: UUID, sku: str) -> None:
    asked = await service.request_return(
        sale_id, {sku: 1}, "changed mind", ReturnChannel.STORE, STAFF
    )
    return_id = asked.result.return_id
    await service.receive_return(return_id, STORE, STAFF)
    await service.inspect_return(return_id, [Inspection(sku, 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)


async def ledger_events(service: CommerceService, after: Position) -> list[str]:
    return [
        type(r.event).__name__
        for r in await service.store.read_all(after)
        if isinstance(r.event, LoyaltyAccount.Event)
    ]


async def test_the_merge_moves_the_points_with_their_expiry_in_its_append(
    service: CommerceService, clock: ManualClock
) -> None:
    await till_sale(service, "1", "VINYL-PLAYER", "cust-ada-old")  # 149 points
    clock.advance(days=30)
    await till_sale(service, "2", "LAVA-LAMP", "cust-ada")  # 39 points, a month younger
    before = await service.store.last_position()

    merged = await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    assert await ledger_events(service, before) == ["TransferredOut", "TransferredIn"]
    saved = merged.decided_state(ADA_LEDGER, LoyaltyAccount)  # decided in the merge's append
    assert saved is not None and saved.balance == 188
    ada, old = await ledger(service), await ledger(service, OLD_LEDGER)
    assert (ada.balance, old.balance, old.transferred_to) == (188, 0, "cust-ada")
    assert [lot.points for lot in ada.lots] == [149, 39]
    clock.advance(days=335)
    expired = await service.expire_points(ADA_LEDGER, clock.now(), CLOCK_RULE)
    assert expired.result.points == 149  # the duplicate's points kept their own date
    assert (await ledger(service)).balance == 39


async def test_a_sale_that_read_the_profile_before_the_merge_pays_from_the_survivors_ledger(
    service: CommerceService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await till_sale(service, "1", "VINYL-PLAYER", "cust-ada-old")  # 149 points
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    async def as_read_before_the_merge(customer_id: str) -> str:
        return customer_id  # the profile read a moment before the merge committed

    monkeypatch.setattr(service, "survivor_of", as_read_before_the_merge)
    await till_sale(service, "2", "LAVA-LAMP", "cust-ada-old", points=60)

    ada, old = await ledger(service), await ledger(service, OLD_LEDGER)
    # 149, less the 60 paid with, plus what the 38.40 in money earned (38): all on Ada's.
    assert (ada.balance, old.balance) == (149 - 60 + 38, 0)


async def test_a_refund_after_the_merge_reverses_on_the_survivors_ledger(
    service: CommerceService,
) -> None:
    player = await till_sale(service, "1", "VINYL-PLAYER", "cust-ada-old")
    await till_sale(service, "2", "LAVA-LAMP", "cust-ada")
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    await refund(service, player, "VINYL-PLAYER")

    assert (await ledger(service)).balance == 39  # 149 + 39, less the 149 the player earned
    assert (await ledger(service, OLD_LEDGER)).balance == 0


async def test_points_owed_by_the_duplicate_are_paid_off_by_the_survivors(
    service: CommerceService,
) -> None:
    player = await till_sale(service, "1", "VINYL-PLAYER", "cust-ada-old")  # 149
    await till_sale(service, "2", "LAVA-LAMP", "cust-ada-old", points=149)  # 37.51: 37 earned
    await refund(service, player, "VINYL-PLAYER")  # 149 back: 37 from the balance, 112 owed
    old = await ledger(service, OLD_LEDGER)
    assert (old.balance, old.owed) == (0, 112)
    await till_sale(service, "3", "VINYL-PLAYER", "cust-ada")  # Ada's own 149

    await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    ada = await ledger(service)
    assert (ada.balance, ada.owed) == (149 - 112, 0)


async def test_points_paid_on_an_order_before_the_merge_come_back_to_the_survivor(
    service: CommerceService,
) -> None:
    await till_sale(service, "1", "VINYL-PLAYER", "cust-ada-old")  # 149
    cart_id = (await service.start_cart(OLD, customer_id="cust-ada-old")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, OLD)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
    order = await service.checkout(cart_id, pickup, OLD, "tok", redeem_points=100)
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)
    assert (await ledger(service)).balance == 49

    await service.cancel_order(order.result.order_id, "changed mind", STAFF)

    ada = await ledger(service)
    assert ada.balance == 149
    assert ada.next_expiry == A_YEAR  # the expiry they were spent with


async def test_merging_again_or_a_duplicate_without_points_writes_no_ledger_event(
    service: CommerceService,
) -> None:
    await till_sale(service, "1", "LAVA-LAMP", "cust-ada")
    before = await service.store.last_position()
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)  # never earned a point
    assert await ledger_events(service, before) == []

    moved = await service.store.last_position()
    with pytest.raises(ProfileMerged):
        await service.merge_customers("cust-ada", "cust-ada-old", DESK)
    assert await service.store.last_position() == moved
    assert (await ledger(service)).balance == 39


async def test_points_earned_under_the_duplicates_id_after_the_merge_go_to_the_survivor(
    service: CommerceService,
) -> None:
    await till_sale(service, "1", "LAVA-LAMP", "cust-ada-old")
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    await till_sale(service, "2", "LAVA-LAMP", "cust-ada-old", points=39)

    assert (await ledger(service)).balance == 38  # the 39 paid with; 38.61 paid earned 38
    assert (await ledger(service, OLD_LEDGER)).balance == 0


async def test_both_ids_are_erased_after_the_merge_and_the_points_stay_counted(
    service: CommerceService,
) -> None:
    await till_sale(service, "1", "LAVA-LAMP", "cust-ada-old")
    await till_sale(service, "2", "LAVA-LAMP", "cust-ada")
    await service.merge_customers("cust-ada", "cust-ada-old", DESK)

    erased = await service.erase_customer("cust-ada", "asked at the desk", DESK)

    assert erased.result.merged_from == ["cust-ada-old"]
    assert (await ledger(service)).balance == 78
    assert (await ledger(service, OLD_LEDGER)).transferred_to == "cust-ada"
