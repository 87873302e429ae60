"""The right of access through the API: a marker customer (unique name, e-mail, phone, loyalty
id, device and a return reason they typed) shops on every channel, and everything written about
them appears in `myData`, in `customerData(id)` and behind the signed download link; and the
access rules, one test each."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from api.auth import Role, StaffRole
from domain.values import customer_carts_id
from tests.api.conftest import Api
from tests.api.test_consent_and_identity import CONSENT, IDENTIFY, staff
from tests.api.test_customer_view import on
from tests.api.test_mutations import ADD, CHECKOUT, PICKUP_ACTION, code_for_customer

EXPORT = "query { myData { customerId document downloadUrl linkExpiresAt } }"
EXPORT_OF = "query($id: String!) { customerData(id: $id) { customerId document downloadUrl } }"
IMPORT = """mutation($customers: [CustomerInput!]!) { importCustomers(customers: $customers) {
  imported userErrors { code message } } }"""
SALE = """mutation($id: String!, $loyalty: String) { recordPosSale(saleId: $id,
  lines: [{sku: "DESK-FAN", quantity: 1}], loyaltyId: $loyalty) { receipt userErrors { code } } }"""
RETURN = """mutation($order: UUID!, $reason: String!) { requestReturn(orderId: $order, via: WEB,
  lines: [{sku: "RETRO-CLOCK", quantity: 1}], reason: $reason) { returnId userErrors { code } } }"""


@dataclass(frozen=True)
class Marker:
    """Strings that occur nowhere but in what this customer wrote or was given."""

    tag: str

    @property
    def customer_id(self) -> str:
        return f"cust-mk-{self.tag}"

    @property
    def personal(self) -> dict[str, str]:
        return {
            "firstName": f"Mkfirst{self.tag}",
            "lastName": f"Mklast{self.tag}",
            "email": f"mk-{self.tag}@example.com",
            "phone": f"+31 6 {int(self.tag[:6], 16) % 10**8:08d}",
            "loyaltyId": f"LOYAL-MK-{self.tag}",
        }

    @property
    def device(self) -> str:
        return f"phone-mk-{self.tag}"

    @property
    def reason(self) -> str:
        return f"the hands squeak {self.tag}"


async def marker_shops_everywhere(api: Api, marker: Marker) -> dict[str, str]:
    """On the phone as a guest, signed in, pickup at Amsterdam Centraal, collected; consent in
    the app, identified and sold to at the Zuid till, consent withdrawn there; a return asked
    for online with a reason of their own. Returns the ids written."""
    admin = api.token(Role.ADMIN, "admin")
    imported = await api.data(
        IMPORT, admin, customers=[{"id": marker.customer_id, **marker.personal}]
    )
    assert imported["importCustomers"]["userErrors"] == []
    me = api.token(Role.CUSTOMER, marker.customer_id)
    guest = await on(api, marker.device, "mutation { startCart { cartId cartToken } }", None)
    cart, cart_token = guest["startCart"]["cartId"], guest["startCart"]["cartToken"]
    await on(api, marker.device, ADD, cart_token, cart=cart, sku="RETRO-CLOCK", qty=2)
    sign_in = "mutation($t: String!) { signIn(guestCartToken: $t) { cartId } }"
    await on(api, marker.device, sign_in, me, t=cart_token)
    order = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL", "paymentToken": "t"}
    placed = (await on(api, marker.device, CHECKOUT, me, input=order))["checkout"]
    picker = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    await api.data(PICKUP_ACTION % ("startPicking", ""), picker, id=placed["pickupId"])
    ready = PICKUP_ACTION % ("markReady", ', shelfSpot: "B2"')
    position = (await api.data(ready, picker, id=placed["pickupId"]))["markReady"]["position"]
    code = await code_for_customer(api, placed["orderId"], me, position)
    collect = PICKUP_ACTION % ("collectPickup", f', code: "{code}"')
    await api.data(collect, picker, id=placed["pickupId"])
    await on(api, marker.device, CONSENT, me, channel="EMAIL", granted=True)
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    email = marker.personal["email"]
    await api.data(IDENTIFY, till, by="EMAIL", value=email)
    sold = await api.data(SALE, till, id=f"mk-{marker.tag}", loyalty=marker.personal["loyaltyId"])
    assert sold["recordPosSale"]["userErrors"] == []
    await api.data(CONSENT, till, channel="EMAIL", granted=False, customer=marker.customer_id)
    returned = await on(
        api, marker.device, RETURN, me, order=placed["orderId"], reason=marker.reason
    )
    assert returned["requestReturn"]["userErrors"] == []
    return {"cart": cart, "order": placed["orderId"], "pickup": placed["pickupId"]}


async def events_about(api: Api, customer_id: str) -> set[str]:
    """`stream:version` of every event of every stream that names the customer."""
    rows = await api.db.fetch(
        """SELECT stream_id, version FROM events WHERE stream_id IN
             (SELECT stream_id FROM events WHERE state::text LIKE '%' || $1 || '%')""",
        customer_id,
    )
    return {f"{row['stream_id']}:{row['version']}" for row in rows}


def events_in(document: dict[str, Any]) -> set[str]:
    """`stream:version` of every event the export holds."""
    found = set()
    for streams in document.values():
        if not (isinstance(streams, list) and streams and "events" in streams[0]):
            continue
        for stream in streams:
            stream_id = stream.get("id") or str(customer_carts_id(stream["customerId"]))
            found |= {f"{stream_id}:{event['version']}" for event in stream["events"]}
    return found


async def test_everything_written_about_the_marker_customer_is_in_their_export(api: Api) -> None:
    marker = Marker(uuid4().hex[:12])
    ids = await marker_shops_everywhere(api, marker)
    me = api.token(Role.CUSTOMER, marker.customer_id)

    exported = (await api.data(EXPORT, me))["myData"]
    document = exported["document"]
    text = json.dumps(document)

    for value in (*marker.personal.values(), marker.device, marker.reason, marker.customer_id):
        assert value in text, f"{value} is missing from the export"
    assert document["profile"]["directory"]["email"] == marker.personal["email"]
    written = await events_about(api, marker.customer_id)
    streams = {event.partition(":")[0] for event in written}
    # cart, carts stream, order, pickup, return, till sale, lookup, profile, loyalty ledger:
    # and every event
    assert len(streams) == 9 and written <= events_in(document)
    assert {stream["id"] for stream in document["orders"]} == {ids["order"]}
    assert {stream["id"] for stream in document["pickups"]} == {ids["pickup"]}
    assert len(document["returns"]) == len(document["tillSales"]) == 1
    assert len(document["identityLookups"]) == 1
    assert [c["granted"] for c in document["consents"]["history"]] == [True, False]
    assert document["consents"]["current"][0]["source"] == "till"
    kinds = {touchpoint["kind"] for touchpoint in document["timeline"]}
    assert {"checkout", "pickup_collected", "in_store_sale", "return_requested"} <= kinds
    assert {"consent_given", "consent_withdrawn", "shopper_identified"} <= kinds


async def test_the_download_link_gives_the_same_data_as_a_file_for_a_while(api: Api) -> None:
    marker = Marker(uuid4().hex[:12])
    await marker_shops_everywhere(api, marker)
    desk = staff(api, StaffRole.SERVICE_DESK, "AMS-ZUID")
    asked = (await api.data(EXPORT_OF, desk, id=marker.customer_id))["customerData"]

    response = await api.client.get(asked["downloadUrl"])

    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="customer-data-{marker.customer_id}.json"'
    assert response.headers["cache-control"] == "no-store"
    downloaded = response.json()
    assert {**downloaded, "exportedAt": None} == {**asked["document"], "exportedAt": None}
    forged = asked["downloadUrl"][:-3] + (
        "aaa" if not asked["downloadUrl"].endswith("aaa") else "bbb"
    )
    expired, _ = api.tokens.mint_export_link(marker.customer_id, time.time() - 16 * 60)
    bearer = api.token(Role.CUSTOMER, marker.customer_id)
    for link in (forged, f"/customer-data?token={expired}", f"/customer-data?token={bearer}"):
        refused = await api.client.get(link)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert "expired" in (await api.client.get(f"/customer-data?token={expired}")).text


async def test_a_customer_cannot_export_another(api: Api) -> None:
    bob = api.token(Role.CUSTOMER, "cust-grace")
    body = await api.gql(EXPORT_OF, bob, id="cust-ada")
    assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert body["data"] is None
    own = (await api.data(EXPORT, bob))["myData"]
    assert own["customerId"] == "cust-grace" and own["document"]["customerId"] == "cust-grace"


async def test_a_picker_cannot_export(api: Api) -> None:
    picker = staff(api, StaffRole.PICKER, "AMS-ZUID")
    for query, variables in ((EXPORT_OF, {"id": "cust-ada"}), (EXPORT, {})):
        body = await api.gql(query, picker, **variables)
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


async def test_an_unknown_id_reads_like_a_forbidden_one(api: Api) -> None:
    for token in (
        staff(api, StaffRole.PICKER, "AMS-ZUID"),
        api.token(Role.CUSTOMER, "cust-grace"),
        api.token(Role.POS, "till-1", "AMS-ZUID"),
    ):
        known = await api.gql(EXPORT_OF, token, id="cust-ada")
        unknown = await api.gql(EXPORT_OF, token, id="cust-nobody-ever")
        assert known["errors"][0]["message"] == unknown["errors"][0]["message"]
        assert known["errors"][0]["extensions"] == unknown["errors"][0]["extensions"]
    desk = staff(api, StaffRole.SERVICE_DESK, "AMS-ZUID")
    body = await api.gql(EXPORT_OF, desk, id="cust-nobody-ever")
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # the desk may look anyone up
