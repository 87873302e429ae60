"""Customers loaded through GraphQL by an admin (what `omni simulate` uses to bring its
shoppers): all of them or none, each refusal naming the input at fault."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api

IMPORT = """mutation($customers: [CustomerInput!]!) { importCustomers(customers: $customers) {
  imported userErrors { code field message } } }"""
SALE = """mutation($loyalty: String!) { recordPosSale(saleId: "s-1",
  lines: [{sku: "DESK-FAN", quantity: 1}], loyaltyId: $loyalty) {
  customerId userErrors { code } } }"""


def customer(n: int, **extra: str) -> dict:
    return {"id": f"sim-{n}", "firstName": f"Shopper {n}", "loyaltyId": f"SIM-{n}", **extra}


async def _count(api: Api) -> int:
    return await api.db.fetchval("SELECT count(*) FROM customers")  # type: ignore[no-any-return]


async def test_an_admin_imports_customers_a_till_then_knows_by_their_card(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    before = await _count(api)

    imported = await api.data(IMPORT, admin, customers=[customer(1), customer(2)])
    sold = await api.data(SALE, api.token(Role.POS, "till-1", "AMS-ZUID"), loyalty="SIM-2")

    assert imported["importCustomers"] == {"imported": 2, "userErrors": []}
    assert await _count(api) == before + 2
    assert sold["recordPosSale"] == {"customerId": "sim-2", "userErrors": []}


async def test_a_bad_row_imports_nothing_and_names_the_field(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    before = await _count(api)
    cases = {
        "customers[1].email": [customer(1), customer(2, email="not-an-address")],
        "customers[0].id": [{**customer(1), "id": "has space"}],
        "customers": [customer(1), {**customer(2), "loyaltyId": "SIM-1"}],
    }
    for field, rows in cases.items():
        [error] = (await api.data(IMPORT, admin, customers=rows))["importCustomers"]["userErrors"]
        assert (error["code"], error["field"]) == ("INVALID_INPUT", field)
    taken = await api.data(IMPORT, admin, customers=[{**customer(3), "loyaltyId": "LOYAL-0001"}])
    [error] = taken["importCustomers"]["userErrors"]
    assert "another customer" in error["message"]
    assert await _count(api) == before


async def test_only_admins_import_customers(api: Api) -> None:
    before = await _count(api)
    for token in (
        api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"),
        api.token(Role.CUSTOMER, "cust-ada"),
        api.token(Role.POS, "till-1", "AMS-CENTRAAL"),
    ):
        body = await api.gql(IMPORT, token, customers=[customer(1)])
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert await _count(api) == before
