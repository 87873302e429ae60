"""A merge's ledger transfer and a redemption at the same time never lose or double a point:
both are appends at the ledgers' expected versions, and the later of two racing appends is
stale and decides again (PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.postgres.customers import upsert_customers
from domain.errors import ConcurrencyError
from domain.loyalty.model import InsufficientPoints, LoyaltyAccount, loyalty_account_id
from domain.ports import Customer
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, Money, StaffRole
from projections.loyalty import loyalty_of
from tests.integration.conftest import Shop
from tests.shop import STAFF

STORE = "AMS-ZUID"
DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "staff-di", (STORE,), staff_role=StaffRole.SERVICE_DESK),
)
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=(STORE,)))
ROUNDS = 8
# A lamp marked down to what 60 points pay: paid in points only, it earns nothing, so no
# winner's earnings make room for another redemption.
MARKED_DOWN = [PosSaleLine("LAVA-LAMP", 1, Money.of("0.60"))]


async def customers(shop: Shop, *customer_ids: str) -> None:
    async with shop.pool.acquire() as connection:
        await upsert_customers(connection, [Customer(id=c, first_name="Ada") for c in customer_ids])


async def earn(shop: Shop, number: str, sku: str, customer_id: str) -> None:
    await shop.service.record_pos_sale(
        STORE, "till-1", number, [PosSaleLine(sku, 1)], TILL, customer_id=customer_id
    )


async def ledger(shop: Shop, customer_id: str) -> LoyaltyAccount:
    return await shop.service.repository.get(loyalty_account_id(customer_id), LoyaltyAccount)


async def redeemed_on(shop: Shop, customer_id: str) -> int:
    events = await shop.database.store.read_stream(loyalty_account_id(customer_id))
    return sum(e.points for e in events if isinstance(e, LoyaltyAccount.Redeemed))


async def test_a_redemption_decided_before_the_merge_committed_is_stale(shop: Shop) -> None:
    await customers(shop, "cust-ada", "cust-ada-old")
    await shop.service.receive_stock(STORE, "VINYL-PLAYER", 5, "delivery-1", STAFF)
    await earn(shop, "1", "VINYL-PLAYER", "cust-ada-old")  # 149 points
    seen = await ledger(shop, "cust-ada-old")
    seen.redeem("sale:late", 100, Money.of("1.00"), shop.clock.now())

    await shop.service.merge_customers("cust-ada", "cust-ada-old", DESK)
    with pytest.raises(ConcurrencyError):
        await shop.service.repository.save(seen, context=TILL)

    assert (await ledger(shop, "cust-ada")).balance == 149
    assert (await ledger(shop, "cust-ada-old")).balance == 0
    assert await redeemed_on(shop, "cust-ada-old") == 0


async def test_a_merge_decided_before_a_redemption_committed_is_stale(shop: Shop) -> None:
    await customers(shop, "cust-ada", "cust-ada-old")
    await shop.service.receive_stock(STORE, "VINYL-PLAYER", 5, "delivery-1", STAFF)
    await earn(shop, "1", "VINYL-PLAYER", "cust-ada-old")
    await earn(shop, "2", "VINYL-PLAYER", "cust-ada")
    moving, survivor = await ledger(shop, "cust-ada-old"), await ledger(shop, "cust-ada")
    moving.transfer_to(survivor, shop.clock.now())

    await shop.service.record_pos_sale(
        STORE, "till-1", "3", MARKED_DOWN, TILL, customer_id="cust-ada", redeem_points=60
    )
    with pytest.raises(ConcurrencyError):
        await shop.service.repository.save(moving, survivor, context=DESK)

    # nothing of the transfer was written: the merge decides again on the new balance
    assert (await ledger(shop, "cust-ada-old")).balance == 149
    await shop.service.merge_customers("cust-ada", "cust-ada-old", DESK)
    assert (await ledger(shop, "cust-ada")).balance == 149 + 149 - 60


async def test_racing_merges_and_redemptions_on_either_ledger_never_lose_or_double_points(
    shop: Shop,
) -> None:
    pairs = [(f"cust-keep-{n}", f"cust-dup-{n}") for n in range(ROUNDS)]
    await customers(shop, *(customer for pair in pairs for customer in pair))
    service = shop.service
    await service.receive_stock(STORE, "VINYL-PLAYER", ROUNDS, "delivery-1", STAFF)
    await service.receive_stock(STORE, "LAVA-LAMP", ROUNDS * 4, "delivery-2", STAFF)
    for n, (survivor, duplicate) in enumerate(pairs):
        await earn(shop, f"e{n}-1", "VINYL-PLAYER", duplicate)  # 149
        await earn(shop, f"e{n}-2", "LAVA-LAMP", survivor)  # 39: 188 in all

    def redeem(number: str, customer_id: str):  # type: ignore[no-untyped-def]
        return service.record_pos_sale(
            STORE, "till-1", number, MARKED_DOWN, TILL, customer_id=customer_id, redeem_points=60
        )

    outcomes = await asyncio.gather(
        *(
            asyncio.gather(
                redeem(f"r{n}-1", duplicate),
                service.merge_customers(survivor, duplicate, DESK),
                redeem(f"r{n}-2", survivor),
                redeem(f"r{n}-3", duplicate),
                return_exceptions=True,
            )
            for n, (survivor, duplicate) in enumerate(pairs)
        )
    )

    for (survivor, duplicate), (first, merged, second, third) in zip(pairs, outcomes, strict=True):
        assert not isinstance(merged, Exception), merged
        sales = [first, second, third]
        refused = [o for o in sales if isinstance(o, Exception)]
        assert all(isinstance(o, InsufficientPoints) for o in refused), refused
        spent = 60 * (len(sales) - len(refused))
        assert await redeemed_on(shop, survivor) + await redeemed_on(shop, duplicate) == spent
        moved_to, moved_from = await ledger(shop, survivor), await ledger(shop, duplicate)
        assert (moved_to.balance, moved_from.balance) == (188 - spent, 0), (outcomes, spent)
        assert moved_from.transferred_to == survivor
    await shop.settled()
    survivor, _ = pairs[0]
    view = await loyalty_of(shop.pool, survivor)
    assert view.balance == (await ledger(shop, survivor)).balance
