"""The co-purchase read model: given orders and till sales (one cancelled), then the pairs
counted across channels, what each customer has bought, and the recommendations on the fixed
history of copurchase_facts, counted by hand there; erasure and merges follow the customer.
A line short at picking leaves its basket once none of its SKU is left; a refunded return
changes nothing. Each spec is replayed from scratch in several batchings (projection_spec)."""

from __future__ import annotations

import asyncpg
import pytest

from adapters.postgres.catalog import upsert_catalog
from domain.customer.profile import CustomerProfile
from domain.order.model import OrderLine
from domain.values import customer_profile_id
from projections import copurchase_queries as queries
from projections.copurchase import CoPurchases
from projections.copurchase_queries import Recommendation
from projections.store_inventory import StoreInventory
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.copurchase_facts import (
    MORE_PRODUCTS,
    PRICE,
    baskets,
    cancelled,
    ordered,
    ordered_lines,
    refunded_return,
    short,
    sold,
    stocked,
    zuid_stock,
)
from tests.read_models.facts import t
from tests.read_models.together import Together


@pytest.fixture
async def spec(spec_of: SpecOf) -> ProjectionSpec:
    made = spec_of(Together(CoPurchases(), StoreInventory()))
    async with made.pool.acquire() as connection:
        await upsert_catalog(connection, MORE_PRODUCTS, [])
    return made


def profile(customer_id: str) -> Stream:
    return Stream(customer_profile_id(customer_id))


def opened(customer_id: str) -> Fact:
    return profile(customer_id).recorded(CustomerProfile.Opened, customer_id=customer_id, at=t(0))


def erasure_requested(customer_id: str, at: float) -> Fact:
    return profile(customer_id).recorded(
        CustomerProfile.ErasureRequested, reason="forget me", at=t(at)
    )


def merged(customer_id: str, survivor_id: str, at: float) -> Fact:
    return profile(customer_id).recorded(
        CustomerProfile.MergedInto, customer_id=customer_id, survivor_id=survivor_id, at=t(at)
    )


async def test_pairs_count_orders_and_till_sales_and_never_a_cancelled_order(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*baskets()).then(
        answer(queries.bought_together, "RETRO-CLOCK").equals(
            {"LAVA-LAMP": 3, "DESK-FAN": 1, "TEA-KETTLE": 1, "VINYL-PLAYER": 1, "PAPER-LANTERN": 1}
        ),
        answer(queries.bought_together, "LAVA-LAMP").equals(
            {"RETRO-CLOCK": 3, "DESK-FAN": 1, "TEA-KETTLE": 2}
        ),
        answer(queries.bought_by, "cust-ada").equals(["LAVA-LAMP", "TEA-KETTLE"]),
        answer(queries.bought_by, "cust-ed").equals([]),
        answer(queries.home_store, "cust-ada").equals("AMS-ZUID"),
        answer(queries.home_store, "cust-bo").equals("AMS-CENTRAAL"),
    )


async def test_a_cancellation_in_a_later_batch_takes_its_pairs_back(spec: ProjectionSpec) -> None:
    await (
        spec.given(*baskets(), ordered(7, "cust-fe", "DESK-FAN", "TEA-KETTLE", at=8))
        .when(cancelled(7, at=9))
        .then(
            answer(queries.bought_together, "DESK-FAN").equals({"LAVA-LAMP": 1, "RETRO-CLOCK": 1}),
            answer(queries.bought_by, "cust-fe").equals([]),
        )
    )


async def test_recommendations_skip_what_they_have_the_out_of_stock_and_the_discontinued(
    spec: ProjectionSpec,
) -> None:
    # Ada's cart holds a clock; she bought a lamp and a kettle. With the clock: the lamp (had),
    # the fan (none at Zuid), the kettle (had), the vinyl player (none at Zuid), the lantern
    # (discontinued). Everywhere: only Zuid has stock, so nothing either. At Centraal, with
    # the fan and vinyl player stocked there, both, the fan first by SKU (once each).
    have = ["RETRO-CLOCK", "LAVA-LAMP", "TEA-KETTLE"]
    fan, vinyl = stocked("AMS-CENTRAAL", "DESK-FAN", 2), stocked("AMS-CENTRAAL", "VINYL-PLAYER", 2)
    centraal = [*fan, *vinyl]
    await spec.given(*baskets(), *zuid_stock(), *centraal).then(
        answer(queries.recommendations, have, have, "AMS-ZUID", 5).equals([]),
        answer(queries.recommendations, have, have, "AMS-CENTRAAL", 5).equals([
            Recommendation("DESK-FAN", "Desk fan", "LAVA-LAMP", 1),
            Recommendation("VINYL-PLAYER", "Vinyl player", "RETRO-CLOCK", 1),
        ]),
        # a shopper with only a clock in the cart: the lamp, bought with it 3 times, first
        answer(queries.recommendations, ["RETRO-CLOCK"], ["RETRO-CLOCK"], "AMS-ZUID", 5).equals([
            Recommendation("LAVA-LAMP", "Lava lamp", "RETRO-CLOCK", 3),
            Recommendation("TEA-KETTLE", "Tea kettle", "RETRO-CLOCK", 1),
        ]),
        answer(queries.recommendations, ["RETRO-CLOCK"], ["RETRO-CLOCK"], None, 1).equals(
            [Recommendation("LAVA-LAMP", "Lava lamp", "RETRO-CLOCK", 3)]
        ),
    )  # fmt: skip


async def test_an_erased_customer_counts_anonymously_and_has_nothing(spec: ProjectionSpec) -> None:
    await (
        spec.given(opened("cust-ada"), opened("cust-bo"), *baskets())
        .when(erasure_requested("cust-ada", 30))
        .then(
            answer(queries.is_erased, "cust-ada").equals(True),
            answer(queries.is_erased, "cust-bo").equals(False),
            answer(queries.bought_by, "cust-ada").equals([]),
            answer(queries.home_store, "cust-ada").equals(None),
            answer(queries.bought_together, "TEA-KETTLE").equals(
                {"LAVA-LAMP": 2, "RETRO-CLOCK": 1}
            ),
            rows(
                "copurchase_basket",
                "location_id customer_id",
                [
                    ("AMS-CENTRAAL", "cust-bo"),
                    ("AMS-CENTRAAL", "cust-cy"),
                    ("AMS-ZUID", None),
                    ("AMS-ZUID", "cust-di"),
                    ("AMS-ZUID", None),
                ],
            ),
        )
    )


async def test_a_sale_to_an_erased_customer_is_anonymous_at_once(spec: ProjectionSpec) -> None:
    await (
        spec.given(opened("cust-ada"), erasure_requested("cust-ada", 1))
        .when(sold(7, "cust-ada", "DESK-FAN", "TEA-KETTLE", at=2))
        .then(
            rows("copurchase_basket", "location_id customer_id", [("AMS-ZUID", None)]),
            answer(queries.bought_together, "DESK-FAN").equals({"TEA-KETTLE": 1}),
        )
    )


async def test_a_merged_profiles_purchases_are_the_survivors(spec: ProjectionSpec) -> None:
    await (
        spec.given(opened("cust-bo"), *baskets())
        .when(merged("cust-bo", "cust-ada", 30))
        .then(
            answer(queries.bought_by, "cust-ada").equals(
                ["DESK-FAN", "LAVA-LAMP", "RETRO-CLOCK", "TEA-KETTLE"]
            ),
            answer(queries.bought_by, "cust-bo").equals([]),
        )
    )


async def times(pool: asyncpg.Pool, sku: str, other: str) -> int:
    """The pair's count as stored, 0 without a row (the queries hide counts of 0 or less)."""
    return int(
        await pool.fetchval(
            "SELECT coalesce(sum(times), 0) FROM copurchase_pair WHERE sku = $1 AND other = $2",
            sku,
            other,
        )
    )


async def units_held(pool: asyncpg.Pool, customer_id: str) -> list[dict[str, int]]:
    """Each of the customer's baskets: the units still bought, by SKU."""
    rows = await pool.fetch(
        "SELECT skus, units FROM copurchase_basket WHERE customer_id = $1", customer_id
    )
    return [dict(zip(row["skus"], row["units"], strict=True)) for row in rows]


# Fe's order 7: a fan, a kettle and a vinyl player, all with history in baskets() but
# never together (the fan and the kettle, the kettle and the player: 0 before order 7).
FAN_KETTLE_PLAYER = ("DESK-FAN", "TEA-KETTLE", "VINYL-PLAYER")


async def test_a_line_short_picked_leaves_the_basket_and_its_pairs(spec: ProjectionSpec) -> None:
    await (
        spec.given(*baskets(), ordered(7, "cust-fe", *FAN_KETTLE_PLAYER, at=8))
        .when(short(7, "L1", "DESK-FAN", 1, at=9))
        .then(
            answer(queries.bought_together, "DESK-FAN").equals({"LAVA-LAMP": 1, "RETRO-CLOCK": 1}),
            answer(queries.bought_together, "TEA-KETTLE").equals(
                {"LAVA-LAMP": 2, "RETRO-CLOCK": 1, "VINYL-PLAYER": 1}
            ),
            answer(times, "TEA-KETTLE", "DESK-FAN").equals(0),
            # never handed the fan: it is not among what Fe has, so it may be recommended
            answer(queries.bought_by, "cust-fe").equals(["TEA-KETTLE", "VINYL-PLAYER"]),
        )
    )


async def test_a_line_partly_short_still_counts(spec: ProjectionSpec) -> None:
    two_fans = [OrderLine("L1", "DESK-FAN", 2, PRICE), OrderLine("L2", "TEA-KETTLE", 1, PRICE)]
    await (
        spec.given(*baskets(), ordered_lines(7, "cust-fe", two_fans, at=8))
        .when(short(7, "L1", "DESK-FAN", 1, at=9))
        .then(
            answer(times, "DESK-FAN", "TEA-KETTLE").equals(1),
            answer(times, "TEA-KETTLE", "DESK-FAN").equals(1),
            answer(queries.bought_by, "cust-fe").equals(["DESK-FAN", "TEA-KETTLE"]),
        )
    )


async def test_a_sku_on_two_lines_counts_until_both_are_cancelled(spec: ProjectionSpec) -> None:
    fan_twice = [
        OrderLine("L1", "DESK-FAN", 1, PRICE),
        OrderLine("L2", "TEA-KETTLE", 1, PRICE),
        OrderLine("L3", "DESK-FAN", 1, PRICE),
    ]
    given = (*baskets(), ordered_lines(7, "cust-fe", fan_twice, at=8))
    await (
        spec.given(*given)
        .when(short(7, "L1", "DESK-FAN", 1, at=9))
        .then(
            answer(times, "DESK-FAN", "TEA-KETTLE").equals(1),
            answer(queries.bought_by, "cust-fe").equals(["DESK-FAN", "TEA-KETTLE"]),
            answer(units_held, "cust-fe").equals([{"DESK-FAN": 1, "TEA-KETTLE": 1}]),
        )
    )
    await (
        spec.given(*given, short(7, "L1", "DESK-FAN", 1, at=9))
        .when(short(7, "L3", "DESK-FAN", 1, at=10))
        .then(
            answer(times, "DESK-FAN", "TEA-KETTLE").equals(0),
            answer(queries.bought_by, "cust-fe").equals(["TEA-KETTLE"]),
        )
    )


async def test_every_line_short_and_the_order_cancelled_takes_each_pair_back_once(
    spec: ProjectionSpec,
) -> None:
    # As report_short writes it: the last line short, then the order cancelled.
    await (
        spec.given(*baskets(), ordered(7, "cust-fe", *FAN_KETTLE_PLAYER, at=8))
        .when(
            short(7, "L1", "DESK-FAN", 1, at=9),
            short(7, "L2", "TEA-KETTLE", 1, at=10),
            short(7, "L3", "VINYL-PLAYER", 1, at=11),
            cancelled(7, at=11),
        )
        .then(
            answer(times, "DESK-FAN", "LAVA-LAMP").equals(1),
            answer(times, "TEA-KETTLE", "VINYL-PLAYER").equals(0),
            answer(times, "VINYL-PLAYER", "TEA-KETTLE").equals(0),
            answer(times, "DESK-FAN", "TEA-KETTLE").equals(0),
            answer(queries.bought_by, "cust-fe").equals([]),
        )
    )


async def test_a_refunded_return_keeps_counting(spec: ProjectionSpec) -> None:
    # The customer chose the items together; why one came back is another signal.
    await (
        spec.given(*baskets())
        .when(*refunded_return(1, "cust-bo", "DESK-FAN", at=30))
        .then(
            answer(times, "DESK-FAN", "RETRO-CLOCK").equals(1),
            answer(queries.bought_by, "cust-bo").equals(["DESK-FAN", "LAVA-LAMP", "RETRO-CLOCK"]),
        )
    )
