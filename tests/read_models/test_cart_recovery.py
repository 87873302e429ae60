"""Cart recovery: given carts left and brought back, then each abandonment with its value and
what came back of it, the carts a customer (or a guest) can still recover, and the day's
figures per channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine, LineRecovery, RecoveryChange
from domain.values import Actor, ActorKind, Channel, Context, Money
from projections import cart_recovery
from projections.cart_recovery import CartRecovery, RecoverableCart, RecoveryStats
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import PHONE, PRICES, SCHEDULER, cart_started, line_added, stream

BOB = Actor(ActorKind.CUSTOMER, "cust-bob")
BOBS_LAPTOP = Context(channel=Channel.WEB, device_id="laptop-bob", actor=BOB)
BOBS_PHONE = Context(channel=Channel.MOBILE, device_id="phone-bob", actor=BOB)
BOBS, GUESTS = stream(1, BOBS_LAPTOP), stream(2, PHONE)
LAMP, VINYL = PRICES["LAVA-LAMP"], PRICES["VINYL-PLAYER"]
CHEAPER_LAMP = Money.of("35.00")
# Tuesday 1 December 2026: the idle month has gone by. 10:00 UTC, 11:00 in Amsterdam.
GIVEN_UP = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TUESDAY = GIVEN_UP.date()
ABANDONMENT = (
    "cart_id number abandoned_at channel customer_id currency value items "
    "recovered_at recovered_value recovered_channel recovered_device"
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CartRecovery())


def left_with_a_vinyl_player_and_a_lamp(
    cart: Stream = BOBS, customer_id: str = "cust-bob"
) -> list[Fact]:
    start = GIVEN_UP - timedelta(days=31)
    return [
        cart_started(cart, start, customer_id),
        line_added(cart, "VINYL-PLAYER", 1, start),
        line_added(cart, "LAVA-LAMP", 1, start),
        abandoned(cart, GIVEN_UP),
    ]


def abandoned(cart: Stream, at: datetime) -> Fact:
    return cart.recorded(Cart.Abandoned, at=at, context=SCHEDULER)


def recovered(
    cart: Stream, at: datetime, *lines: CartLine, changes: list[LineRecovery] | None = None
) -> Fact:
    return cart.recorded(
        Cart.Recovered, lines=list(lines), changes=changes or [], at=at, context=BOBS_PHONE
    )


async def test_an_abandoned_cart_is_worth_its_lines_at_the_cart_prices(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*left_with_a_vinyl_player_and_a_lamp()).then(
        rows(
            "abandonment",
            ABANDONMENT,
            [
                (
                    BOBS.id,
                    1,
                    GIVEN_UP,
                    "web",
                    "cust-bob",
                    "EUR",
                    Decimal("188.00"),
                    2,
                    None,
                    None,
                    None,
                    None,
                )
            ],
        ),
        answer(cart_recovery.recoverable_carts, "cust-bob").equals(
            [
                RecoverableCart(
                    BOBS.id,
                    "cust-bob",
                    "web",
                    "EUR",
                    GIVEN_UP,
                    [CartLine("VINYL-PLAYER", 1, VINYL), CartLine("LAVA-LAMP", 1, LAMP)],
                )
            ]
        ),
        answer(cart_recovery.recoverable_carts, "cust-ada").equals([]),
    )


async def test_a_recovery_records_what_came_back_on_which_device(spec: ProjectionSpec) -> None:
    back = GIVEN_UP + timedelta(hours=5)
    await (
        spec.given(*left_with_a_vinyl_player_and_a_lamp())
        .when(
            recovered(
                BOBS,
                back,
                CartLine("VINYL-PLAYER", 1, VINYL),
                CartLine("LAVA-LAMP", 1, CHEAPER_LAMP),
                changes=[
                    LineRecovery("LAVA-LAMP", RecoveryChange.REPRICED, 1, 1, LAMP, CHEAPER_LAMP)
                ],
            )
        )
        .then(
            rows(
                "abandonment",
                ABANDONMENT,
                [
                    (
                        BOBS.id,
                        1,
                        GIVEN_UP,
                        "web",
                        "cust-bob",
                        "EUR",
                        Decimal("188.00"),
                        2,
                        back,
                        Decimal("184.00"),
                        "mobile",
                        "phone-bob",
                    )
                ],
            ),
            rows("recovery_cart", "cart_id status abandonments", [(BOBS.id, "open", 1)]),
            answer(cart_recovery.recoverable_carts, "cust-bob").equals([]),
            answer(cart_recovery.recoverable_cart, BOBS.id).equals(None),
        )
    )


async def test_a_cart_left_again_after_its_recovery_counts_again(spec: ProjectionSpec) -> None:
    back, again = GIVEN_UP + timedelta(hours=5), GIVEN_UP + timedelta(days=31)
    await (
        spec.given(
            *left_with_a_vinyl_player_and_a_lamp(),
            recovered(BOBS, back, CartLine("VINYL-PLAYER", 1, VINYL)),  # the lamps sold out
        )
        .when(abandoned(BOBS, again))
        .then(
            rows(
                "abandonment",
                "number abandoned_at value items recovered_at recovered_value",
                [
                    (1, GIVEN_UP, Decimal("188.00"), 2, back, Decimal("149.00")),
                    (2, again, Decimal("149.00"), 1, None, None),
                ],
            ),
            answer(recoverable_values, "cust-bob").equals([Decimal("149.00")]),
        )
    )


async def recoverable_values(pool: asyncpg.Pool, customer_id: str) -> list[Decimal]:
    carts = await cart_recovery.recoverable_carts(pool, customer_id)
    return [cart.value for cart in carts]


async def test_a_cart_recovered_into_the_customers_open_cart_counts_as_recovered(
    spec: ProjectionSpec,
) -> None:
    # Bob started another cart meanwhile: the recovered lines merge into it (as at sign-in).
    back, newer = GIVEN_UP + timedelta(hours=5), stream(3, BOBS_LAPTOP)
    lines = [CartLine("VINYL-PLAYER", 1, VINYL), CartLine("LAVA-LAMP", 1, LAMP)]
    await (
        spec.given(
            *left_with_a_vinyl_player_and_a_lamp(),
            cart_started(newer, GIVEN_UP + timedelta(hours=1), "cust-bob"),
        )
        .when(
            newer.recorded(
                Cart.LinesMerged, source_cart_id=BOBS.id, lines=lines, capped_skus=[], at=back
            ),
            recovered(BOBS, back, *lines),
            BOBS.recorded(Cart.MergedInto, target_cart_id=newer.id, at=back),
        )
        .then(
            answer(cart_recovery.recovery_stats, TUESDAY, TUESDAY).equals(
                [RecoveryStats(TUESDAY, "web", "EUR", 1, Decimal("188.00"), 1, Decimal("188.00"))]
            ),
            rows(
                "recovery_cart",
                "cart_id status abandonments",
                [(BOBS.id, "closed", 1), (newer.id, "open", 0)],
            ),
            answer(cart_recovery.recoverable_carts, "cust-bob").equals([]),
        )
    )


async def test_a_guests_cart_is_recoverable_by_its_id(spec: ProjectionSpec) -> None:
    start = GIVEN_UP - timedelta(days=31)
    await (
        spec.given(
            cart_started(GUESTS, start),
            line_added(GUESTS, "RETRO-CLOCK", 1, start),
            abandoned(GUESTS, GIVEN_UP),
            *left_with_a_vinyl_player_and_a_lamp(),
        )
        .when(recovered(BOBS, GIVEN_UP + timedelta(hours=1), CartLine("VINYL-PLAYER", 1, VINYL)))
        .then(
            answer(cart_recovery.recoverable_cart, GUESTS.id).equals(
                RecoverableCart(
                    GUESTS.id,
                    None,
                    "mobile",
                    "EUR",
                    GIVEN_UP,
                    [CartLine("RETRO-CLOCK", 1, PRICES["RETRO-CLOCK"])],
                )
            ),
            answer(cart_recovery.recoverable_cart, BOBS.id).equals(None),  # open again
        )
    )


async def test_an_empty_abandoned_cart_counts_but_holds_nothing_to_recover(
    spec: ProjectionSpec,
) -> None:
    await spec.given(
        cart_started(BOBS, GIVEN_UP - timedelta(days=31), "cust-bob"), abandoned(BOBS, GIVEN_UP)
    ).then(
        rows("abandonment", "value items", [(Decimal("0.00"), 0)]),
        answer(cart_recovery.recoverable_carts, "cust-bob").equals([]),
    )


async def test_a_guest_cart_signed_in_and_merged_into_is_the_customers(
    spec: ProjectionSpec,
) -> None:
    start = GIVEN_UP - timedelta(days=31)
    await (
        spec.given(
            cart_started(GUESTS, start),
            line_added(GUESTS, "RETRO-CLOCK", 1, start),  # not in the merge: it stays
            line_added(GUESTS, "LAVA-LAMP", 2, start),
            GUESTS.recorded(Cart.AssignedToCustomer, customer_id="cust-ada", at=start),
            GUESTS.recorded(
                Cart.LinesMerged,
                source_cart_id=stream(4).id,  # a guest cart of hers
                lines=[CartLine("LAVA-LAMP", 3, LAMP), CartLine("VINYL-PLAYER", 1, VINYL)],
                capped_skus=[],
                at=start,
            ),
        )
        .when(abandoned(GUESTS, GIVEN_UP))
        .then(
            rows(
                "abandonment",
                "cart_id channel customer_id value items",
                [(GUESTS.id, "mobile", "cust-ada", Decimal("290.95"), 5)],
            ),
        )
    )


@pytest.mark.parametrize(
    "closing",
    [
        lambda cart: cart.recorded(Cart.CheckedOut, order_id=stream(9).id, at=GIVEN_UP),
        lambda cart: cart.recorded(Cart.MergedInto, target_cart_id=stream(9).id, at=GIVEN_UP),
    ],
    ids=["checked out", "merged"],
)
async def test_a_closed_cart_was_never_abandoned(
    spec: ProjectionSpec, closing: Callable[[Stream], Fact]
) -> None:
    start = GIVEN_UP - timedelta(days=1)
    await (
        spec.given(cart_started(BOBS, start, "cust-bob"), line_added(BOBS, "LAVA-LAMP", 1, start))
        .when(closing(BOBS))
        .then(
            rows(
                "recovery_cart",
                "cart_id status abandoned_at abandonments",
                [(BOBS.id, "closed", None, 0)],
            ),
            rows("abandonment", "cart_id", []),
        )
    )


async def test_the_days_figures_per_channel_in_the_zone_asked_for(spec: ProjectionSpec) -> None:
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # Wednesday 00:30 in Amsterdam
    nights = stream(3, BOBS_LAPTOP)
    await spec.given(
        *left_with_a_vinyl_player_and_a_lamp(),
        recovered(BOBS, GIVEN_UP + timedelta(hours=5), CartLine("VINYL-PLAYER", 1, VINYL)),
        cart_started(GUESTS, GIVEN_UP - timedelta(days=31)),
        line_added(GUESTS, "RETRO-CLOCK", 1, GIVEN_UP - timedelta(days=31)),
        abandoned(GUESTS, GIVEN_UP),
        *left_with_a_vinyl_player_and_a_lamp(nights, "cust-ada")[:-1],
        abandoned(nights, late),
    ).then(
        answer(cart_recovery.recovery_stats, TUESDAY, TUESDAY).equals(
            [
                RecoveryStats(TUESDAY, "mobile", "EUR", 1, Decimal("24.95"), 0, Decimal("0.00")),
                RecoveryStats(TUESDAY, "web", "EUR", 2, Decimal("376.00"), 1, Decimal("149.00")),
            ]
        ),
        answer(shares, TUESDAY, "Europe/Amsterdam").equals(
            [(TUESDAY, "mobile", 0.0), (TUESDAY, "web", 1.0), (date(2026, 12, 2), "web", 0.0)]
        ),
        answer(
            cart_recovery.recovery_stats,
            TUESDAY,
            TUESDAY,
            after=(TUESDAY, "mobile", "EUR"),
            limit=5,
        ).equals(
            [RecoveryStats(TUESDAY, "web", "EUR", 2, Decimal("376.00"), 1, Decimal("149.00"))]
        ),
        answer(
            cart_recovery.recovery_stats, TUESDAY - timedelta(days=1), TUESDAY - timedelta(days=1)
        ).equals([]),
    )


async def shares(
    pool: asyncpg.Pool, first: date, time_zone: str
) -> list[tuple[date, str, float | None]]:
    stats = await cart_recovery.recovery_stats(pool, first, first + timedelta(days=1), time_zone)
    return [(s.day, s.channel, s.recovered_share) for s in stats]


async def test_a_customers_recoverable_carts_most_recently_left_first(
    spec: ProjectionSpec,
) -> None:
    earlier, same_time = stream(3, BOBS_LAPTOP), stream(4, BOBS_LAPTOP)
    await spec.given(
        *left_with_a_vinyl_player_and_a_lamp(),
        *left_with_a_vinyl_player_and_a_lamp(same_time)[:-1],
        abandoned(same_time, GIVEN_UP),
        *left_with_a_vinyl_player_and_a_lamp(earlier)[:-1],
        abandoned(earlier, GIVEN_UP - timedelta(days=1)),
    ).then(
        answer(recoverable_ids).equals([BOBS.id, same_time.id, earlier.id]),
        answer(recoverable_ids, after=(GIVEN_UP, BOBS.id), limit=1).equals([same_time.id]),
        answer(recoverable_ids, after=(GIVEN_UP, same_time.id)).equals([earlier.id]),
    )


async def recoverable_ids(pool: asyncpg.Pool, **paging: object) -> list[UUID]:
    carts = await cart_recovery.recoverable_carts(pool, "cust-bob", **paging)  # type: ignore[arg-type]
    return [cart.cart_id for cart in carts]
