"""Cart continuity: given cart facts, then each cart's row, its lines in the order they were
added and the devices that touched it (the current cart: test_current_carts.py)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec
import pytest

from domain.cart.model import Cart, CartLine, LineRecovery, RecoveryChange
from domain.customer.model import (
    CartBecameCurrentBecause,
    CurrentCartClosedBecause,
    CustomerCarts,
)
from domain.values import Money
from projections import cart_continuity
from projections.cart_continuity import CartContinuity, CartLineView, CartTouch, CartView
from tests.projection_spec import ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    ADAS_CARTS,
    LAPTOP,
    PHONE,
    PRICES,
    SCHEDULER,
    adas_first_cart,
    became_current,
    cart_started,
    days,
    line_added,
    stream,
    t,
)

WEB, GUEST = stream(1, LAPTOP), stream(2, PHONE)
ORDER = UUID(int=7)
CLOCK, LAMP, VINYL = PRICES["RETRO-CLOCK"], PRICES["LAVA-LAMP"], PRICES["VINYL-PLAYER"]
CART_COLUMNS = "cart_id customer_id status channel order_id merged_into created_at "
CART_COLUMNS += "last_activity_at version"
LINE_COLUMNS = "cart_id sku quantity unit_price position"


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CartContinuity())


def lines(*quantities: tuple[str, int]) -> list[CartLine]:
    return [CartLine(sku, quantity, PRICES[sku]) for sku, quantity in quantities]


async def totals(pool: asyncpg.Pool, cart_id: UUID) -> tuple[int, Decimal] | None:
    view = await cart_continuity.cart(pool, cart_id)
    return (view.item_count, view.total) if view is not None else None


async def current_cart_id(pool: asyncpg.Pool) -> UUID | None:
    return await cart_continuity.current_cart_id(pool, "cust-ada")


async def test_a_line_added_again_adds_up_and_keeps_its_place(spec: ProjectionSpec) -> None:
    await (
        spec.given(
            *adas_first_cart(WEB, 0),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            line_added(WEB, "LAVA-LAMP", 1, t(2)),
        )
        .when(line_added(WEB, "RETRO-CLOCK", 2, t(3), context=PHONE))
        .then(
            rows(
                "cart_line_view",
                LINE_COLUMNS,
                [
                    (WEB.id, "RETRO-CLOCK", 3, Decimal("24.95"), 2),
                    (WEB.id, "LAVA-LAMP", 1, Decimal("39.00"), 3),
                ],
            ),
            rows(
                "cart_view",
                CART_COLUMNS,
                [(WEB.id, "cust-ada", "open", "web", None, None, t(0), t(3), 4)],
            ),
            answer(totals, WEB.id).equals((4, Decimal("113.85"))),
        )
    )


async def test_quantities_are_set_and_a_removed_line_comes_back_last(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            cart_started(WEB, t(0), "cust-ada"),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            line_added(WEB, "LAVA-LAMP", 2, t(2)),
        )
        .when(
            WEB.recorded(Cart.QuantityChanged, sku="LAVA-LAMP", quantity=5, at=t(3)),
            WEB.recorded(Cart.LineRemoved, sku="RETRO-CLOCK", at=t(4)),
            line_added(WEB, "RETRO-CLOCK", 1, t(5)),
        )
        .then(
            rows(
                "cart_line_view",
                LINE_COLUMNS,
                [
                    (WEB.id, "LAVA-LAMP", 5, Decimal("39.00"), 3),
                    (WEB.id, "RETRO-CLOCK", 1, Decimal("24.95"), 6),
                ],
            ),
            answer(totals, WEB.id).equals((6, Decimal("219.95"))),
        )
    )


async def test_each_device_that_touched_a_cart_with_its_first_and_last_touch(
    spec: ProjectionSpec,
) -> None:
    await spec.given(
        cart_started(WEB, t(0), "cust-ada"),
        line_added(WEB, "RETRO-CLOCK", 1, t(1)),
        line_added(WEB, "LAVA-LAMP", 1, t(2), context=PHONE),
        line_added(WEB, "VINYL-PLAYER", 1, t(3)),
    ).then(
        rows(
            "cart_touch_view",
            "cart_id channel device_id first_at last_at touches",
            [
                (WEB.id, "web", "laptop-ada", t(0), t(3), 3),
                (WEB.id, "mobile", "phone-ada", t(2), t(2), 1),
            ],
        )
    )


async def touches(pool: asyncpg.Pool, cart_id: UUID) -> list[tuple[str, str | None, int]]:
    view = await cart_continuity.cart(pool, cart_id)
    return [(t.channel, t.device_id, t.touches) for t in view.touches] if view else []


async def test_writes_that_name_no_device_touch_an_unknown_device_not_one_of_their_own(
    spec: ProjectionSpec,
) -> None:
    nameless = msgspec.structs.replace(LAPTOP, device_id=None)
    blank = msgspec.structs.replace(LAPTOP, device_id="")
    await spec.given(
        cart_started(WEB, t(0), "cust-ada"),
        line_added(WEB, "RETRO-CLOCK", 1, t(1), context=nameless),
        line_added(WEB, "LAVA-LAMP", 1, t(2), context=blank),
    ).then(answer(touches, WEB.id).equals([("web", "laptop-ada", 1), ("web", None, 2)]))


async def test_a_guest_cart_merged_at_sign_in_continues_in_the_customers_cart(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            *adas_first_cart(WEB, 0),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            cart_started(GUEST, t(5)),
            line_added(GUEST, "RETRO-CLOCK", 2, t(6)),
            line_added(GUEST, "LAVA-LAMP", 1, t(7)),
        )
        .when(
            WEB.recorded(
                Cart.LinesMerged,
                source_cart_id=GUEST.id,
                lines=lines(("RETRO-CLOCK", 3), ("LAVA-LAMP", 1)),
                capped_skus=[],
                at=t(12),
                context=PHONE,
            ),
            GUEST.recorded(Cart.MergedInto, target_cart_id=WEB.id, at=t(12)),
            ADAS_CARTS.recorded(
                CustomerCarts.GuestCartMerged, guest_cart_id=GUEST.id, cart_id=WEB.id, at=t(12)
            ),
        )
        .then(
            answer(cart_continuity.current_cart, "cust-ada").equals(
                CartView(
                    cart_id=WEB.id,
                    customer_id="cust-ada",
                    status="open",
                    channel="web",
                    currency="EUR",
                    order_id=None,
                    merged_into=None,
                    created_at=t(0),
                    last_activity_at=t(12),
                    version=3,
                    lines=[
                        CartLineView("RETRO-CLOCK", 3, Decimal("24.95"), Decimal("74.85")),
                        CartLineView("LAVA-LAMP", 1, Decimal("39.00"), Decimal("39.00")),
                    ],
                    touches=[
                        CartTouch("web", "laptop-ada", t(0), t(1), 2),
                        CartTouch("mobile", "phone-ada", t(12), t(12), 1),
                    ],
                )
            ),
            answer(totals, WEB.id).equals((4, Decimal("113.85"))),
            rows(
                "cart_view",
                CART_COLUMNS,
                [
                    (WEB.id, "cust-ada", "open", "web", None, None, t(0), t(12), 3),
                    (GUEST.id, None, "merged", "mobile", None, WEB.id, t(5), t(12), 4),
                ],
            ),
        )
    )


async def test_a_recovered_cart_holds_its_rechecked_lines_in_their_old_places(
    spec: ProjectionSpec,
) -> None:
    cheaper = Money.of("35.00")
    given_up = t(2) + days(31)
    await (
        spec.given(
            *adas_first_cart(WEB, 0),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            line_added(WEB, "LAVA-LAMP", 2, t(2)),
            line_added(WEB, "VINYL-PLAYER", 1, t(2)),
            WEB.recorded(Cart.Abandoned, at=given_up, context=SCHEDULER),
            ADAS_CARTS.recorded(
                CustomerCarts.CurrentCartClosed,
                cart_id=WEB.id,
                because=CurrentCartClosedBecause.ABANDONED,
                at=given_up,
                context=SCHEDULER,
            ),
        )
        .when(
            WEB.recorded(
                Cart.Recovered,
                lines=[CartLine("LAVA-LAMP", 2, cheaper), CartLine("VINYL-PLAYER", 1, VINYL)],
                changes=[
                    LineRecovery("RETRO-CLOCK", RecoveryChange.UNAVAILABLE, 1, 0, CLOCK, None),
                    LineRecovery("LAVA-LAMP", RecoveryChange.REPRICED, 2, 2, LAMP, cheaper),
                ],
                at=given_up + days(1),
                context=PHONE,
            ),
            became_current(WEB, 0, CartBecameCurrentBecause.RECOVERED),
        )
        .then(
            rows(
                "cart_line_view",
                LINE_COLUMNS,
                [
                    (WEB.id, "LAVA-LAMP", 2, Decimal("35.00"), 3),
                    (WEB.id, "VINYL-PLAYER", 1, Decimal("149.00"), 4),
                ],
            ),
            rows(
                "cart_view",
                "cart_id status last_activity_at version",
                [(WEB.id, "open", given_up + days(1), 6)],
            ),
            answer(current_cart_id).equals(WEB.id),
        )
    )
