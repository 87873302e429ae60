"""Cart continuity: given cart and customer-carts facts, then each cart's row, lines in the order
they were added, the devices that touched it, and the customer's current cart as the write
side decided it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine, LineRecovery, RecoveryChange
from domain.customer.model import (
    CartBecameCurrentBecause,
    CurrentCartClosedBecause,
    CustomerCarts,
)
from domain.values import Money, customer_carts_id
from projections import cart_continuity
from projections.cart_continuity import CartContinuity, CartLineView, CartTouch, CartView
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PHONE,
    PRICES,
    SCHEDULER,
    cart_started,
    days,
    line_added,
    stream,
    t,
)

WEB, GUEST = stream(1, LAPTOP), stream(2, PHONE)
ADAS_CARTS = Stream(customer_carts_id("cust-ada"), LAPTOP)
ORDER = UUID(int=7)
CLOCK, LAMP, VINYL = PRICES["RETRO-CLOCK"], PRICES["LAVA-LAMP"], PRICES["VINYL-PLAYER"]
CART_COLUMNS = "cart_id customer_id status channel order_id merged_into created_at "
CART_COLUMNS += "last_activity_at version"
LINE_COLUMNS = "cart_id sku quantity unit_price position"


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CartContinuity())


def became_current(cart: Stream, at: float, because: CartBecameCurrentBecause) -> Fact:
    return ADAS_CARTS.recorded(
        CustomerCarts.CartBecameCurrent, cart_id=cart.id, because=because, at=t(at)
    )


def adas_first_cart(cart: Stream, at: float) -> list[Fact]:
    """Ada starts a cart while she has no customer stream: both written in one append."""
    return [
        cart_started(cart, t(at), "cust-ada"),
        ADAS_CARTS.recorded(
            CustomerCarts.Created, customer_id="cust-ada", adopted_cart_id=None, at=t(at)
        ),
        became_current(cart, at, CartBecameCurrentBecause.STARTED),
    ]


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


async def test_the_customers_current_cart_is_the_one_their_stream_names_not_a_guest_cart(
    spec: ProjectionSpec,
) -> None:
    await spec.given(
        *adas_first_cart(WEB, 0),
        line_added(WEB, "RETRO-CLOCK", 1, t(1)),
        cart_started(GUEST, t(5)),  # Ada's phone, before she signs in there
        line_added(GUEST, "RETRO-CLOCK", 2, t(6)),
    ).then(
        answer(current_cart_id).equals(WEB.id),
        rows(
            "current_cart_view",
            "stream_id customer_id cart_id",
            [(ADAS_CARTS.id, "cust-ada", WEB.id)],
        ),
    )


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


async def test_a_guest_cart_signed_in_without_a_cart_becomes_the_customers_current_one(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            cart_started(GUEST, t(0)),
            line_added(GUEST, "LAVA-LAMP", 1, t(1)),
        )
        .when(
            GUEST.recorded(Cart.AssignedToCustomer, customer_id="cust-ada", at=t(2)),
            ADAS_CARTS.recorded(
                CustomerCarts.Created, customer_id="cust-ada", adopted_cart_id=None, at=t(2)
            ),
            became_current(GUEST, 2, CartBecameCurrentBecause.SIGNED_IN),
        )
        .then(
            rows(
                "cart_view",
                CART_COLUMNS,
                [(GUEST.id, "cust-ada", "open", "mobile", None, None, t(0), t(2), 3)],
            ),
            answer(current_cart_id).equals(GUEST.id),
        )
    )


async def test_a_checked_out_cart_leaves_the_customer_without_a_current_cart(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            *adas_first_cart(WEB, 0),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
        )
        .when(
            WEB.recorded(Cart.CheckedOut, order_id=ORDER, at=t(9)),
            ADAS_CARTS.recorded(
                CustomerCarts.CurrentCartClosed,
                cart_id=WEB.id,
                because=CurrentCartClosedBecause.CHECKED_OUT,
                at=t(9),
            ),
        )
        .then(
            answer(current_cart_id).equals(None),
            answer(cart_continuity.current_cart, "cust-ada").equals(None),
            rows(
                "cart_view",
                CART_COLUMNS,
                [(WEB.id, "cust-ada", "checked_out", "web", ORDER, None, t(0), t(9), 3)],
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
                    LineRecovery("RETRO-CLOCK", RecoveryChange.OUT_OF_STOCK, 1, 0, CLOCK, None),
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


async def test_an_abandoned_cart_is_nobodys_current_cart(spec: ProjectionSpec) -> None:
    given_up = t(1) + days(31)
    await (
        spec.given(
            *adas_first_cart(WEB, 0),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
        )
        .when(
            WEB.recorded(Cart.Abandoned, at=given_up, context=SCHEDULER),
            ADAS_CARTS.recorded(
                CustomerCarts.CurrentCartClosed,
                cart_id=WEB.id,
                because=CurrentCartClosedBecause.ABANDONED,
                at=given_up,
                context=SCHEDULER,
            ),
        )
        .then(
            rows("cart_view", "cart_id status last_activity_at", [(WEB.id, "abandoned", given_up)]),
            # The scheduler's touch is recorded like any other: channel system, no device.
            rows(
                "cart_touch_view",
                "channel device_id first_at touches",
                [("web", "laptop-ada", t(0), 2), ("system", "", given_up, 1)],
            ),
            answer(current_cart_id).equals(None),
        )
    )


class TestCartsFromBeforeTheCustomersStream:
    """Carts written before CustomerCarts existed: their customer has no stream yet."""

    OLDER, NEWER, DONE = stream(11), stream(12), stream(13)

    def carts(self) -> list[Fact]:
        return [
            cart_started(self.OLDER, t(0), "cust-ada"),
            line_added(self.OLDER, "RETRO-CLOCK", 1, t(10)),
            cart_started(self.NEWER, t(20), "cust-ada"),
            cart_started(self.DONE, t(30), "cust-ada"),
            self.DONE.recorded(Cart.CheckedOut, order_id=ORDER, at=t(40)),
        ]

    async def test_the_most_recently_active_open_cart_is_current(
        self, spec: ProjectionSpec
    ) -> None:
        await spec.given(*self.carts()).then(answer(current_cart_id).equals(self.NEWER.id))

    async def test_of_two_as_recently_active_the_larger_id_is_current(
        self, spec: ProjectionSpec
    ) -> None:
        await spec.given(*self.carts(), line_added(self.OLDER, "LAVA-LAMP", 1, t(20))).then(
            answer(current_cart_id).equals(self.NEWER.id)
        )
        await spec.given(*self.carts(), line_added(self.OLDER, "LAVA-LAMP", 1, t(21))).then(
            answer(current_cart_id).equals(self.OLDER.id)
        )

    async def test_once_the_stream_exists_it_decides_even_that_there_is_none(
        self, spec: ProjectionSpec
    ) -> None:
        await (
            spec.given(
                *self.carts(),
                ADAS_CARTS.recorded(
                    CustomerCarts.Created,
                    customer_id="cust-ada",
                    adopted_cart_id=self.NEWER.id,
                    at=t(50),
                ),
            )
            .when(
                # Checked out by code that did not know the stream; the write side lets it go.
                self.NEWER.recorded(Cart.CheckedOut, order_id=UUID(int=8), at=t(55)),
                ADAS_CARTS.recorded(
                    CustomerCarts.CurrentCartClosed,
                    cart_id=self.NEWER.id,
                    because=CurrentCartClosedBecause.FOUND_CLOSED,
                    at=t(60),
                ),
            )
            .then(
                answer(current_cart_id).equals(None),  # though the older cart is still open
                rows(
                    "cart_view",
                    "cart_id status",
                    [
                        (self.OLDER.id, "open"),
                        (self.NEWER.id, "checked_out"),
                        (self.DONE.id, "checked_out"),
                    ],
                ),
            )
        )
