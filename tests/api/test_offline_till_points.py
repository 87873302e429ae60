"""A till that was offline uploads its sales (POST /pos/sync): a scanned loyalty card earns on
them, as online; paying with points is refused whole (offline, the till could neither see the
balance nor hold the points) and writes nothing."""

from __future__ import annotations

from api.auth import Role
from domain.loyalty.model import loyalty_account_id
from tests.api.conftest import Api

ADAS_CARD = "LOYAL-0001"
EARNED = """SELECT coalesce(sum((state->>'points')::int), 0) FROM events
WHERE stream_id = $1 AND topic LIKE '%Earned'"""


async def test_an_offline_sale_earns_on_the_card_and_cannot_pay_with_points(api: Api) -> None:
    till = {"authorization": f"Bearer {api.token(Role.POS, 'till-9', 'AMS-ZUID')}"}
    sale = {"saleId": "OFF-PTS-1", "lines": [{"sku": "PLANT-POT", "quantity": 1}]}
    account = loyalty_account_id("cust-ada")
    before = await api.event_count()

    paying = await api.client.post(
        "/pos/sync",
        json={"sales": [{**sale, "loyaltyId": ADAS_CARD, "redeemPoints": 100}]},
        headers=till,
    )

    assert paying.status_code == 400, paying.text
    assert "redeemPoints" in paying.text
    assert await api.event_count() == before

    earned_before = await api.db.fetchval(EARNED, account)
    earning = await api.client.post(
        "/pos/sync", json={"sales": [{**sale, "loyaltyId": ADAS_CARD}]}, headers=till
    )

    assert [s["status"] for s in earning.json()] == ["recorded"], earning.text
    # PLANT-POT's price in money, one point a euro, rounded down: at least a point.
    assert await api.db.fetchval(EARNED, account) > earned_before
