"""The steps of tests/api/test_bounds_property.py: every mutation, each with the values it is
given at their bounds; each step asserts it was accepted (no userError, no GraphQL error)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.bounds import MAX_STOCK
from domain.cart.model import MAX_LINE_QUANTITY
from tests.api.conftest import Api
from tests.api.test_mutations import code_for_customer

ANSWER = "position userErrors { code field message }"
LINE = "$cart: UUID!, $sku: String!, $device: String"


@dataclass(frozen=True)
class GuestCart:
    id: str
    token: str


@dataclass(frozen=True)
class Placed:
    order_id: str
    pickup_id: str | None
    position: str


async def accepted(api: Api, token: str | None, variables: str, call: str, **values: Any) -> dict:
    """Run `mutation(variables) { call { ... } }`; its payload, which must hold no refusal."""
    name = call.split("(", 1)[0]
    fields = {
        "startCart": "cartId cartToken",
        "checkout": "orderId pickupId",
        "requestReturn": "returnId",
    }.get(name, "")
    document = f"mutation({variables}) {{ {call} {{ {fields} {ANSWER} }} }}"
    payload = (await api.data(document, token, **values))[name]
    assert payload["userErrors"] == [], (name, payload["userErrors"])
    assert payload["position"] is not None, name
    return payload  # type: ignore[no-any-return]


async def import_customer(
    api: Api, admin: str, customer_id: str, loyalty: str, texts: tuple[str, ...]
) -> None:
    row = {
        "id": customer_id,
        "firstName": texts[0],
        "lastName": texts[1],
        "phone": loyalty,
        "loyaltyId": loyalty,
    }
    document = """mutation($rows: [CustomerInput!]!) { importCustomers(customers: $rows) {
      imported userErrors { code field message } } }"""
    assert (await api.data(document, admin, rows=[row]))["importCustomers"] == {
        "imported": 1,
        "userErrors": [],
    }


async def stock_up_to_the_most(
    api: Api, staff: str, store: str, sku: str, reason: str, reference: str
) -> None:
    """Counted to nothing, then the most units a stock level holds received at once."""
    here = {"loc": store, "sku": sku}
    stock = "$loc: String!, $sku: String!, $v: String!, $n: Int!"
    await accepted(
        api, staff, stock, "countStock(locationId: $loc, sku: $sku, counted: $n, reason: $v)",
        **here, v=reason, n=0,
    )  # fmt: skip
    await accepted(
        api, staff, stock, "receiveStock(locationId: $loc, sku: $sku, quantity: $n, reference: $v)",
        **here, v=reference, n=MAX_STOCK,
    )  # fmt: skip


async def guest_cart_at_the_most(api: Api, sku: str, device: str) -> GuestCart:
    """A guest's cart of the most units a line holds, less one; changed on the way."""
    started = await accepted(api, None, "$d: String", "startCart(deviceId: $d)", d=device)
    cart = GuestCart(started["cartId"], started["cartToken"])
    line = {"cart": cart.id, "device": device}
    add = "addToCart(cartId: $cart, sku: $sku, quantity: $n, deviceId: $device)"
    change = "changeCartQuantity(cartId: $cart, sku: $sku, quantity: $n, deviceId: $device)"
    for call, item, units in (
        (add, sku, MAX_LINE_QUANTITY),
        (change, sku, MAX_LINE_QUANTITY - 1),
        (add, "LAVA-LAMP", 1),
    ):
        await accepted(api, cart.token, f"{LINE}, $n: Int!", call, **line, sku=item, n=units)
    await accepted(
        api, cart.token, LINE, "removeFromCart(cartId: $cart, sku: $sku, deviceId: $device)",
        **line, sku="LAVA-LAMP",
    )  # fmt: skip
    return cart


async def check_out(
    api: Api, cart: GuestCart, store: str, payment: str | None, key: str | None, device: str
) -> Placed:
    order = {"cartId": cart.id, "method": "PICKUP", "locationId": store}
    order |= {"paymentToken": payment, "idempotencyKey": key}
    placed = await accepted(
        api, cart.token, "$i: CheckoutInput!, $d: String", "checkout(input: $i, deviceId: $d)",
        i=order, d=device,
    )  # fmt: skip
    return Placed(placed["orderId"], placed["pickupId"], placed["position"])


async def pick_short_and_make_ready(
    api: Api, staff: str, placed: Placed, cart: GuestCart, shelf: str, channel: str, where: str
) -> str:
    """Picked one unit short, put on a shelf, the customer told and here (curbside, saying
    where they wait): the pickup code."""
    pickup = "$id: UUID!, $v: String!"
    await accepted(api, staff, "$id: UUID!", "startPicking(pickupId: $id)", id=placed.pickup_id)
    await accepted(
        api, staff, pickup, "reportShort(pickupId: $id, lineId: $v, quantity: 1)",
        id=placed.pickup_id, v="L1",
    )  # fmt: skip
    ready = await accepted(
        api, staff, pickup, "markReady(pickupId: $id, shelfSpot: $v)", id=placed.pickup_id, v=shelf
    )
    code = await code_for_customer(api, placed.order_id, cart.token, ready["position"])
    await accepted(
        api, staff, pickup, "notifyCustomer(pickupId: $id, channel: $v)",
        id=placed.pickup_id, v=channel,
    )  # fmt: skip
    await accepted(
        api, cart.token, "$id: UUID!, $v: String", "arriveForPickup(orderId: $id, bayOrCar: $v)",
        id=placed.order_id, v=where,
    )  # fmt: skip
    return code


async def hand_over_and_take_back(
    api: Api, staff: str, placed: Placed, store: str, sku: str, code: str, proof: str, why: str
) -> None:
    """Collected with a proof; every unit returned at the store, inspected resellable,
    refunded and restocked (on hand is back at the most it can be)."""
    units = MAX_LINE_QUANTITY - 2  # one fewer in the cart, one short at the shelf
    await accepted(
        api, staff, "$id: UUID!, $code: String!, $v: String",
        "collectPickup(pickupId: $id, code: $code, proof: $v)",
        id=placed.pickup_id, code=code, v=proof,
    )  # fmt: skip
    asked = await accepted(
        api, staff, "$id: UUID!, $lines: [SkuQuantity!]!, $v: String!",
        "requestReturn(orderId: $id, lines: $lines, reason: $v, via: STORE)",
        id=placed.order_id, lines=[{"sku": sku, "quantity": units}], v=why,
    )  # fmt: skip
    back = {"id": asked["returnId"]}
    await accepted(
        api, staff, "$id: UUID!, $v: String!", "receiveReturn(returnId: $id, locationId: $v)",
        **back, v=store,
    )  # fmt: skip
    await accepted(
        api, staff, "$id: UUID!, $results: [InspectionInput!]!",
        "inspectReturn(returnId: $id, results: $results)",
        **back, results=[{"sku": sku, "resellable": units, "damaged": 0}],
    )  # fmt: skip
    for step in ("refundReturn", "restockReturn"):
        await accepted(api, staff, "$id: UUID!", f"{step}(returnId: $id)", **back)


async def sell_at_the_till(
    api: Api,
    till: str,
    sale_number: str,
    lines: list[dict],
    payment_reference: str,
    loyalty: str,
    customer_token: str,
) -> str:
    sold = await accepted(
        api, till,
        "$id: String!, $lines: [SaleLineInput!]!, $ref: String, $card: String, $me: String",
        "recordPosSale(saleId: $id, lines: $lines, paymentReference: $ref, loyaltyId: $card, "
        "customerToken: $me)",
        id=sale_number, lines=lines, ref=payment_reference, card=loyalty, me=customer_token,
    )  # fmt: skip
    return sold["position"]  # type: ignore[no-any-return]


async def sync_offline(
    api: Api, till: str, sale_number: str, lines: list[dict], payment_reference: str
) -> None:
    """The same sale uploaded by a till that was offline, under another sale number."""
    other = sale_number[:-1] + ("x" if sale_number[-1] != "x" else "y")
    upload = {"sales": [{"saleId": other, "lines": lines, "paymentReference": payment_reference}]}
    answer = await api.client.post(
        "/pos/sync", json=upload, headers={"authorization": f"Bearer {till}"}
    )
    assert answer.status_code == 200, answer.text
    assert [sale["status"] for sale in answer.json()] == ["recorded"], answer.text


async def order_pay_and_cancel(
    api: Api, shopper: str, store: str, sku: str, device: str, payment: str, reason: str
) -> None:
    """A customer's cart takes a guest cart in at sign-in (capped), is ordered unpaid, paid
    for later, then cancelled."""
    started = await accepted(api, shopper, "$d: String", "startCart(deviceId: $d)", d=device)
    await accepted(
        api, shopper, f"{LINE}, $n: Int!",
        "addToCart(cartId: $cart, sku: $sku, quantity: $n, deviceId: $device)",
        cart=started["cartId"], sku=sku, n=1, device=device,
    )  # fmt: skip
    guest = await guest_cart_at_the_most(api, sku, device)
    await accepted(
        api, shopper, "$t: String!, $d: String", "signIn(guestCartToken: $t, deviceId: $d)",
        t=guest.token, d=device,
    )  # fmt: skip
    placed = await check_out(api, GuestCart(started["cartId"], shopper), store, None, None, device)
    order = "$id: UUID!, $v: String!"
    await accepted(
        api, shopper, order, "authorizePayment(orderId: $id, paymentToken: $v)",
        id=placed.order_id, v=payment,
    )  # fmt: skip
    await accepted(
        api, shopper, order, "cancelOrder(orderId: $id, reason: $v)", id=placed.order_id, v=reason
    )


async def on_hand(api: Api, staff: str, store: str, sku: str, position: str) -> int:
    query = """query($loc: String!, $sku: String!, $after: String) {
      storeStock(locationId: $loc, skus: [$sku], consistentWith: $after) { nodes { onHand } } }"""
    nodes = (await api.data(query, staff, loc=store, sku=sku, after=position))["storeStock"]
    return nodes["nodes"][0]["onHand"]  # type: ignore[no-any-return]


async def reads_back(
    api: Api, admin: str, cart: GuestCart, device: str, customer: str, position: str
) -> None:
    """The guest cart lists the device; the till's customer has the sale's value on their
    summary (an amount no numeric(12, 2) held)."""
    query = """query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) {
      devices { deviceId } } }"""
    devices = (await api.data(query, cart.token, id=cart.id, after=position))["cart"]["devices"]
    assert {"deviceId": device} in devices
    query = """query($id: String!, $after: String) { customer(id: $id, consistentWith: $after) {
      summary { purchases { channel value { amount } } } } }"""
    summary = (await api.data(query, admin, id=customer, after=position))["customer"]["summary"]
    till = [p for p in summary["purchases"] if p["channel"] == "POS"]
    assert till and Decimal(till[0]["value"]["amount"]) >= Decimal("1e16"), summary
