"""A merge and an erasure of the same person cannot both happen: both are commands on the
customer's profile stream, and the later of two racing appends is stale (PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.postgres.customers import upsert_customers
from domain.customer.consent import MarketingChannel
from domain.customer.profile import (
    CustomerErased,
    CustomerProfile,
    ErasureUnderWay,
    ProfileMerged,
)
from domain.errors import ConcurrencyError
from domain.ports import Customer
from domain.values import Actor, ActorKind, Channel, Context, StaffRole, customer_profile_id
from tests.integration.conftest import Shop

DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "staff-di", ("AMS-ZUID",), staff_role=StaffRole.SERVICE_DESK),
)
ROUNDS = 12


async def profiles(shop: Shop, *customer_ids: str) -> None:
    async with shop.pool.acquire() as connection:
        await upsert_customers(
            connection, [Customer(id=customer_id, first_name="Ada") for customer_id in customer_ids]
        )


async def history(shop: Shop, customer_id: str) -> list[str]:
    events = await shop.database.store.read_stream(customer_profile_id(customer_id))
    return [type(event).__name__ for event in events]


async def test_a_merge_decided_before_an_erasure_committed_is_stale(shop: Shop) -> None:
    await profiles(shop, "cust-ada", "cust-ada-2")
    service, now = shop.service, shop.clock.now()
    await service.set_consent("cust-ada-2", MarketingChannel.EMAIL, True, "v1", DESK)
    survivor = CustomerProfile.open("cust-ada", now)
    seen_by_merge = await service.repository.get(customer_profile_id("cust-ada-2"), CustomerProfile)
    survivor.absorb(seen_by_merge, now)

    await service.request_erasure("cust-ada-2", "forget me", DESK)
    with pytest.raises(ConcurrencyError):
        await service.repository.save(survivor, seen_by_merge, context=DESK)

    assert await history(shop, "cust-ada-2") == ["Opened", "ConsentGiven", "ErasureRequested"]
    assert await history(shop, "cust-ada") == []  # nothing of the merge was written


async def test_racing_merges_and_erasures_never_both_happen(shop: Shop) -> None:
    pairs = [(f"cust-keep-{n}", f"cust-dup-{n}") for n in range(ROUNDS)]
    await profiles(shop, *(customer for pair in pairs for customer in pair))
    service = shop.service

    outcomes = await asyncio.gather(
        *(
            asyncio.gather(
                service.merge_customers(survivor, duplicate, DESK),
                service.request_erasure(duplicate, "forget me", DESK),
                return_exceptions=True,
            )
            for survivor, duplicate in pairs
        )
    )

    for (_, duplicate), (merged, erased) in zip(pairs, outcomes, strict=True):
        refused = [o for o in (merged, erased) if isinstance(o, Exception)]
        assert len(refused) == 1, (merged, erased)
        assert isinstance(refused[0], ErasureUnderWay | ProfileMerged), refused
        written = await history(shop, duplicate)
        assert ("MergedInto" in written) != ("ErasureRequested" in written), written


async def test_racing_merges_and_erasures_carried_out_never_both_happen(shop: Shop) -> None:
    """`eraseCustomer` (the request and the erasure at once) against a merge of the same
    person: one of them is refused, and a duplicate is never both merged and erased."""
    pairs = [(f"cust-stay-{n}", f"cust-twin-{n}") for n in range(ROUNDS)]
    await profiles(shop, *(customer for pair in pairs for customer in pair))
    service = shop.service

    outcomes = await asyncio.gather(
        *(
            asyncio.gather(
                service.merge_customers(survivor, duplicate, DESK),
                service.erase_customer(duplicate, "forget me", DESK),
                return_exceptions=True,
            )
            for survivor, duplicate in pairs
        )
    )

    for (survivor, duplicate), (merged, erased) in zip(pairs, outcomes, strict=True):
        refused = [o for o in (merged, erased) if isinstance(o, Exception)]
        assert len(refused) == 1, (merged, erased)
        assert isinstance(refused[0], CustomerErased | ErasureUnderWay | ProfileMerged), refused
        written = await history(shop, duplicate)
        assert ("MergedInto" in written) != ("Erased" in written), written
        if "MergedInto" in written:  # the survivor, erased later, takes the duplicate along
            done = await service.erase_customer(survivor, "both", DESK)
            assert done.result.merged_from == [duplicate]
