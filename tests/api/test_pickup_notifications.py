"""What staff, the service desk and head office read of a ready notice: the board's
`notification`, the customer summary's `pickupsNotNotified` and timeline, and the journeys'
`notified`, each from the facts the notifier recorded (tests/outbox/test_notifier_facts.py
drives the notifier itself)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from api.auth import Role
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.values import Context
from tests.api.conftest import Api
from tests.api.test_pickup_board_queries import SHOPPER, STAFF, on_app
from tests.shop import as_uuid

STORE = "AMS-CENTRAAL"
NOTIFIER = Context()  # the system, as the notifier records
BOUNCED = "550 5.1.1 <address>: mailbox unknown"
BOARD = """query { pickupBoard(storeId: "AMS-CENTRAAL") { ready {
  id: pickupId notifiedAt notification { state channel at reason failedAttempts } } } }"""
CUSTOMER = """query { customer(id: "cust-ada") { summary { openPickups pickupsNotNotified }
  timeline(first: 50) { edges { node { kind pickupId summary } } } } }"""
JOURNEYS = """query($from: Date!, $to: Date!) { journeyStats(firstDay: $from, lastDay: $to) {
  nodes { storeId notified notifiedShare funnel { step reached } } } }"""


async def ready_pickups_of_ada(api: Api, count: int) -> list[UUID]:
    service = api.services.service
    await service.receive_stock(STORE, "RETRO-CLOCK", count, "notices", STAFF)
    pickups = []
    for _ in range(count):
        cart_id = (await service.start_cart(SHOPPER, customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, SHOPPER)
        where = Fulfillment(FulfillmentMethod.PICKUP, STORE)
        placed = await service.checkout(cart_id, where, SHOPPER, "tok")
        pickup_id = as_uuid(placed.result.pickup_id)
        await service.start_picking(pickup_id, "staff-bo", STAFF)
        await service.mark_ready(pickup_id, "B1", STAFF)
        pickups.append(pickup_id)
    return pickups


async def test_the_board_the_customer_view_and_the_journeys_read_the_true_notice(
    api: Api,
) -> None:
    async def seed() -> list[UUID]:
        told, bounced, untold = await ready_pickups_of_ada(api, 3)
        service = api.services.service
        await service.record_customer_notified(told, "email", NOTIFIER)
        for _ in range(2):
            await service.record_notification_failed(bounced, "email", BOUNCED, NOTIFIER)
        return [told, bounced, untold]

    told, bounced, untold = on_app(api, seed)
    api.settled()
    staff = api.token(Role.STAFF, "staff-bo", STORE)
    admin = api.token(Role.ADMIN, "head-office")

    ready = (await api.data(BOARD, staff))["pickupBoard"]["ready"]
    notices = {UUID(card["id"]): card["notification"] for card in ready}
    assert notices[told]["state"] == "NOTIFIED" and notices[told]["channel"] == "email"
    assert notices[told]["at"] == next(c["notifiedAt"] for c in ready if UUID(c["id"]) == told)
    assert notices[bounced] == {
        "state": "FAILED",
        "channel": None,
        "at": notices[bounced]["at"],
        "reason": BOUNCED,
        "failedAttempts": 2,
    }
    assert notices[bounced]["at"] is not None
    assert notices[untold] == {
        "state": "NOT_NOTIFIED",
        "channel": None,
        "at": None,
        "reason": None,
        "failedAttempts": 0,
    }

    view = (await api.data(CUSTOMER, admin))["customer"]
    assert view["summary"] == {"openPickups": 3, "pickupsNotNotified": 2}
    kinds = [(e["node"]["kind"], e["node"]["pickupId"]) for e in view["timeline"]["edges"]]
    assert kinds.count(("PICKUP_NOTIFIED", str(told))) == 1
    assert kinds.count(("PICKUP_NOTIFICATION_FAILED", str(bounced))) == 2
    assert not [kind for kind, pickup in kinds if pickup == str(untold) and "NOTIF" in kind]

    days = {"from": (date.today() - timedelta(days=1)).isoformat()}
    days["to"] = (date.today() + timedelta(days=1)).isoformat()
    rows = (await api.data(JOURNEYS, admin, **days))["journeyStats"]["nodes"]
    at_store = [row for row in rows if row["storeId"] == STORE]
    readied = sum(s["reached"] for row in at_store for s in row["funnel"] if s["step"] == "READY")
    assert (readied, sum(row["notified"] for row in at_store)) == (3, 1)
    assert [row["notifiedShare"] for row in at_store if row["notified"]] == [round(1 / 3, 4)]
