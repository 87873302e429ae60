"""Paying at hand-over and "I'm here" through GraphQL: the board's card says whether an order
is paid and whether its customer has arrived; each new mutation is refused across stores and
roles (a GraphQL error, nothing written), and a refusal of its content is a userError."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_auth_rules import forbidden
from tests.api.test_mutations import (
    CHECKOUT,
    PICKUP_ACTION,
    code_for_customer,
    guest_cart,
    refused,
)

PAY = """mutation($id: UUID!, $card: String!, $key: String) {
  takePaymentAtCounter(pickupId: $id, paymentToken: $card, idempotencyKey: $key) {
    status position userErrors { code field message } } }"""
ARRIVE = """mutation($order: UUID!, $where: String) {
  arriveForPickup(orderId: $order, bayOrCar: $where) {
    position userErrors { code field message } order { pickup { status arrivedAt } } } }"""
CARD = """query($id: UUID!, $after: String) { pickup(id: $id, consistentWith: $after) {
  status payment unpaid arrived arrivedAt bayOrCar amountToPay { amount currency } } }"""
ARRIVED_LANE = """query($after: String) {
  pickupBoard(storeId: "AMS-CENTRAAL", consistentWith: $after) {
    arrived { id: pickupId bayOrCar } } }"""


async def pickup_of(api: Api, token: str | None = None, pay_online: bool = False) -> dict:
    """A shopper's order of a lava lamp for pickup at Centraal, unpaid unless `pay_online`."""
    cart_id, cart_token = await guest_cart(api) if token is None else (None, token)
    if cart_id is None:
        cart_id = (await api.data("mutation { startCart { cartId } }", token))["startCart"][
            "cartId"
        ]
    add = """mutation($cart: UUID!) { addToCart(cartId: $cart, sku: "LAVA-LAMP", quantity: 1) {
      userErrors { code } } }"""
    assert (await api.data(add, cart_token, cart=cart_id))["addToCart"]["userErrors"] == []
    where = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    if pay_online:
        where["paymentToken"] = "tok-visa"
    placed = (await api.data(CHECKOUT, cart_token, input=where))["checkout"]
    assert placed["userErrors"] == [], placed
    return {**placed, "shopper": cart_token}


async def ready_for_hand_over(api: Api, staff: str, pickup_id: str) -> str:
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "C2"'), staff, id=pickup_id)
    return ready["markReady"]["position"]  # type: ignore[no-any-return]


async def test_an_unpaid_card_is_paid_at_hand_over_once_and_then_handed_over(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    placed = await pickup_of(api)
    pickup_id = placed["pickupId"]
    after = await ready_for_hand_over(api, staff, pickup_id)
    card = (await api.data(CARD, staff, id=pickup_id, after=after))["pickup"]
    assert (card["payment"], card["unpaid"]) == ("UNPAID", True)
    assert card["amountToPay"] == {"amount": "39.00", "currency": "EUR"}
    code = await code_for_customer(api, placed["orderId"], placed["shopper"], after)
    collect = PICKUP_ACTION % ("collectPickup", f', code: "{code}"')
    error = await refused(api, collect, staff, "collectPickup", id=pickup_id)
    assert error["code"] == "PAYMENT_REQUIRED"

    declined = await refused(
        api, PAY, staff, "takePaymentAtCounter", id=pickup_id, card="decline-card", key=None
    )
    assert (declined["code"], declined["message"]) == ("PAYMENT_DECLINED", "card declined")
    paid = (await api.data(PAY, staff, id=pickup_id, card="tok-terminal", key="till-pay-0001"))[
        "takePaymentAtCounter"
    ]
    assert paid["userErrors"] == []
    events = await api.event_count()
    again = (await api.data(PAY, staff, id=pickup_id, card="tok-terminal", key="till-pay-0001"))[
        "takePaymentAtCounter"
    ]
    assert again == paid
    assert await api.event_count() == events
    twice = await refused(
        api, PAY, staff, "takePaymentAtCounter", id=pickup_id, card="tok-other", key=None
    )
    assert twice["code"] == "ALREADY_PAID"
    card = (await api.data(CARD, staff, id=pickup_id, after=paid["position"]))["pickup"]
    assert (card["payment"], card["unpaid"]) == ("AUTHORIZED", False)

    handed = (await api.data(collect, staff, id=pickup_id))["collectPickup"]
    assert handed["userErrors"] == []
    card = (await api.data(CARD, staff, id=pickup_id, after=handed["position"]))["pickup"]
    assert (card["status"], card["payment"]) == ("COLLECTED", "PAID")


async def test_taking_payment_is_refused_across_stores_and_roles(api: Api) -> None:
    placed = await pickup_of(api)
    pickup_id = placed["pickupId"]
    await ready_for_hand_over(api, api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"), pickup_id)
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    ada = api.token(Role.CUSTOMER, "cust-ada")
    pay = {"id": pickup_id, "card": "tok-terminal", "key": None}
    assert await forbidden(api, PAY, zuid, **pay) == "not allowed at store AMS-CENTRAAL"
    assert await forbidden(api, PAY, till, **pay) == "a till may not hand over pickups"
    assert await forbidden(api, PAY, ada, **pay) == "a customer may not hand over pickups"
    assert "bearer token" in await forbidden(api, PAY, None, **pay)


async def test_the_customer_says_im_here_and_the_card_moves_to_the_arrived_lane(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    placed = await pickup_of(api, ada, pay_online=True)
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    after = await ready_for_hand_over(api, staff, placed["pickupId"])
    here = (await api.data(ARRIVE, ada, order=placed["orderId"], where="bay 3, red Golf"))[
        "arriveForPickup"
    ]
    assert here["userErrors"] == []
    assert here["order"]["pickup"]["arrivedAt"] is not None
    lane = (await api.data(ARRIVED_LANE, staff, after=here["position"]))["pickupBoard"]
    assert lane["arrived"] == [{"id": placed["pickupId"], "bayOrCar": "bay 3, red Golf"}]
    card = (await api.data(CARD, staff, id=placed["pickupId"], after=after))["pickup"]
    assert (card["arrived"], card["payment"]) == (True, "AUTHORIZED")

    no_show = PICKUP_ACTION % ("markNoShow", "")
    error = await refused(api, no_show, staff, "markNoShow", id=placed["pickupId"])
    assert error["code"] == "CUSTOMER_HAS_ARRIVED"
    too_long = await refused(
        api, ARRIVE, ada, "arriveForPickup", order=placed["orderId"], where="x" * 201
    )
    assert (too_long["code"], too_long["field"]) == ("INVALID_INPUT", "bayOrCar")


async def test_a_guest_says_im_here_with_the_token_of_the_cart_they_ordered(api: Api) -> None:
    placed = await pickup_of(api, pay_online=True)
    here = (await api.data(ARRIVE, placed["shopper"], order=placed["orderId"], where=None))[
        "arriveForPickup"
    ]
    assert here["userErrors"] == []
    assert here["order"]["pickup"]["arrivedAt"] is not None


async def test_nobody_else_says_im_here_for_the_customer(api: Api) -> None:
    placed = await pickup_of(api, api.token(Role.CUSTOMER, "cust-ada"), pay_online=True)
    order = {"order": placed["orderId"], "where": "bay 1"}
    bob = api.token(Role.CUSTOMER, "cust-bob")
    _, other_guest = await guest_cart(api)
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    assert await forbidden(api, ARRIVE, bob, **order) == "this order is not yours"
    assert await forbidden(api, ARRIVE, other_guest, **order) == "this order is not yours"
    assert await forbidden(api, ARRIVE, zuid, **order) == "not allowed at store AMS-CENTRAAL"
    assert await forbidden(api, ARRIVE, till, **order) == "a till may not hand over pickups"
    assert "bearer token" in await forbidden(api, ARRIVE, None, **order)
