"""A fixed history of baskets written over GraphQL on the demo shop (no demo history), for the
recommendation tests in process and against a real `omni serve`; the counts by hand:

1. Grace orders online, pickup at Amsterdam Centraal: RETRO-CLOCK, LAVA-LAMP, DESK-FAN
2. Alan orders online, pickup at Amsterdam Centraal: RETRO-CLOCK, LAVA-LAMP
3. an anonymous till sale at Amsterdam Zuid: RETRO-CLOCK, LAVA-LAMP, TEA-KETTLE
4. Edsger (loyalty card) at the Zuid till: RETRO-CLOCK, CANVAS-TOTE
5. Ada (loyalty card) at the Zuid till: NOTEBOOK-A5; then Zuid counts its kettles: none left.

Bought with RETRO-CLOCK: LAVA-LAMP 3, DESK-FAN 1, TEA-KETTLE 1, CANVAS-TOTE 1.
Ada, a clock in her cart, her store Zuid (where she last bought): the lamp (3), the tote (1),
the fan (1); never the clock (in the cart), the notebook (bought), the kettle (none at Zuid).
Grace, for Centraal's staff: she has the clock, lamp and fan; the tote (with the clock, 1),
the kettle (with the lamp, 1; "LAVA-LAMP" sorts before "RETRO-CLOCK").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from api.auth import Role

Data = Callable[..., Awaitable[dict[str, Any]]]
Token = Callable[..., str]

START = "mutation { startCart { cartId } }"
ADD = """mutation($cart: UUID!, $sku: String!) { addToCart(cartId: $cart, sku: $sku,
  quantity: 1) { position userErrors { code } } }"""
CHECKOUT = """mutation($cart: UUID!) { checkout(input: {cartId: $cart, method: PICKUP,
  locationId: "AMS-CENTRAAL", paymentToken: "tok-visa"}) { position userErrors { code } } }"""
SALE = """mutation($id: String!, $lines: [SaleLineInput!]!, $card: String) {
  recordPosSale(saleId: $id, lines: $lines, loyaltyId: $card) { position userErrors { code } } }"""
COUNT = """mutation { countStock(locationId: "AMS-ZUID", sku: "TEA-KETTLE", counted: 0,
  reason: "none on the shelf") { position userErrors { code } } }"""
CART_RECOMMENDATIONS = """query($cart: UUID!, $first: Int, $store: String) { cart(id: $cart) {
  recommendations(first: $first, storeId: $store) { sku name boughtWith times reason } } }"""
CUSTOMER_RECOMMENDATIONS = """query($id: String!, $after: String, $first: Int) {
  customer(id: $id, consistentWith: $after) {
    recommendations(first: $first) { sku boughtWith times reason } } }"""
ME_RECOMMENDATIONS = "query { me { recommendations { sku } } }"

ADAS_CART = [  # (sku, bought with, times)
    ("LAVA-LAMP", "RETRO-CLOCK", 3),
    ("CANVAS-TOTE", "RETRO-CLOCK", 1),
    ("DESK-FAN", "RETRO-CLOCK", 1),
]
FOR_GRACE = [("CANVAS-TOTE", "RETRO-CLOCK", 1), ("TEA-KETTLE", "LAVA-LAMP", 1)]


async def ordered(data: Data, token: Token, customer: str, *skus: str) -> str:
    shopper = token(Role.CUSTOMER, customer)
    cart = (await data(START, shopper))["startCart"]["cartId"]
    for sku in skus:
        assert (await data(ADD, shopper, cart=cart, sku=sku))["addToCart"]["userErrors"] == []
    placed = (await data(CHECKOUT, shopper, cart=cart))["checkout"]
    assert placed["userErrors"] == [], placed
    return str(placed["position"])


async def sold(data: Data, token: Token, number: str, card: str | None, *skus: str) -> str:
    till = token(Role.POS, "till-1", "AMS-ZUID")
    lines = [{"sku": sku, "quantity": 1} for sku in skus]
    sale = (await data(SALE, till, id=number, lines=lines, card=card))["recordPosSale"]
    assert sale["userErrors"] == [], sale
    return str(sale["position"])


async def buy_the_baskets(data: Data, token: Token) -> str:
    """The history above; the last write's position."""
    await ordered(data, token, "cust-grace", "RETRO-CLOCK", "LAVA-LAMP", "DESK-FAN")
    await ordered(data, token, "cust-alan", "RETRO-CLOCK", "LAVA-LAMP")
    await sold(data, token, "S-3", None, "RETRO-CLOCK", "LAVA-LAMP", "TEA-KETTLE")
    await sold(data, token, "S-4", "LOYAL-0004", "RETRO-CLOCK", "CANVAS-TOTE")
    await sold(data, token, "S-5", "LOYAL-0001", "NOTEBOOK-A5")
    manager = token(Role.STAFF, "staff-zuid", "AMS-ZUID")
    counted = (await data(COUNT, manager))["countStock"]
    assert counted["userErrors"] == [], counted
    return str(counted["position"])


async def adas_cart_with_a_clock(data: Data, token: Token) -> str:
    ada = token(Role.CUSTOMER, "cust-ada")
    cart = (await data(START, ada))["startCart"]["cartId"]
    assert (await data(ADD, ada, cart=cart, sku="RETRO-CLOCK"))["addToCart"]["userErrors"] == []
    return str(cart)


def triples(recommendations: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(r["sku"], r["boughtWith"], r["times"]) for r in recommendations]
