"""The customer's current cart: given cart and customer-carts facts, then the cart the write
side named, or (for a customer without that stream yet) their most recently active open cart."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart
from domain.customer.model import (
    CartBecameCurrentBecause,
    CurrentCartClosedBecause,
    CustomerCarts,
)
from projections import cart_continuity
from projections.cart_continuity import CartContinuity
from tests.projection_spec import Fact, ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    ADAS_CARTS,
    LAPTOP,
    PHONE,
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
CART_COLUMNS = "cart_id customer_id status channel order_id merged_into created_at "
CART_COLUMNS += "last_activity_at version"


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CartContinuity())


async def current_cart_id(pool: asyncpg.Pool) -> UUID | None:
    return await cart_continuity.current_cart_id(pool, "cust-ada")


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
