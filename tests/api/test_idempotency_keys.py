"""One idempotency key, one request, through the API: GraphQL's checkout and the till's
/pos/sync answer IDEMPOTENCY_KEY_REUSED for a used key with other input, and write nothing."""

from __future__ import annotations

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT, refused

CART = """query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) {
  status orderId } }"""


async def customer_cart(api: Api, token: str, sku: str) -> tuple[str, str]:
    """A new cart of the customer's with one line: its id and the position of that line."""
    started = (await api.data("mutation { startCart { cartId userErrors { code } } }", token))[
        "startCart"
    ]
    assert started["userErrors"] == []
    added = (await api.data(ADD, token, cart=started["cartId"], sku=sku, qty=1))["addToCart"]
    assert added["userErrors"] == []
    return started["cartId"], added["position"]


@pytest.mark.read_your_writes
async def test_a_checkout_key_sent_again_for_another_cart_is_refused_and_that_cart_stays_open(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    ship = {"method": "SHIP", "locationId": "WH-NL", "idempotencyKey": "ada-checkout-0001"}
    first_cart, _ = await customer_cart(api, ada, "LAVA-LAMP")
    placed = (await api.data(CHECKOUT, ada, input={**ship, "cartId": first_cart}))["checkout"]
    assert placed["userErrors"] == [] and placed["orderId"]
    second_cart, added = await customer_cart(api, ada, "RETRO-CLOCK")

    error = await refused(api, CHECKOUT, ada, "checkout", input={**ship, "cartId": second_cart})

    assert (error["code"], error["field"]) == ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    cart = (await api.data(CART, ada, id=second_cart, after=added))["cart"]
    assert cart == {"status": "OPEN", "orderId": None}
    again = (await api.data(CHECKOUT, ada, input={**ship, "cartId": first_cart}))["checkout"]
    assert (again["orderId"], again["position"]) == (placed["orderId"], placed["position"])


async def test_a_till_sending_another_sale_under_a_used_number_is_refused(api: Api) -> None:
    till = api.token(Role.POS, "till-9", "AMS-ZUID")
    headers = {"authorization": f"Bearer {till}"}

    def upload(sku: str) -> dict:  # type: ignore[type-arg]
        return {"sales": [{"saleId": "OFF-77", "lines": [{"sku": sku, "quantity": 1}]}]}

    [first] = (await api.client.post("/pos/sync", json=upload("PLANT-POT"), headers=headers)).json()
    before = await api.event_count()
    [other] = (await api.client.post("/pos/sync", json=upload("LAVA-LAMP"), headers=headers)).json()
    [again] = (await api.client.post("/pos/sync", json=upload("PLANT-POT"), headers=headers)).json()

    assert first["status"] == "recorded"
    assert (other["status"], other["errorCode"]) == ("rejected", "IDEMPOTENCY_KEY_REUSED")
    assert (again["status"], again["receipt"]) == ("already_recorded", first["receipt"])
    assert await api.event_count() == before
