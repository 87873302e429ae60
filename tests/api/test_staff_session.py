"""The staff pages' routes: pages with their security headers, their files from the package,
who a token belongs to, and store credentials exchanged for a store-scoped token."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api

BOARD = 'query { pickupBoard(storeId: "%s") { toPick { id: pickupId } } }'


async def test_the_pages_are_served_with_a_strict_content_security_policy(api: Api) -> None:
    for path in ("/staff", "/staff/dashboard", "/staff/signin"):
        response = await api.client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    module = await api.client.get("/staff/static/js/operations.js")
    assert module.status_code == 200
    assert "javascript" in module.headers["content-type"]
    assert (await api.client.get("/staff/static/js/../../pages.py")).status_code == 404


async def test_a_staff_token_is_told_its_stores(api: Api) -> None:
    token = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    response = await api.client.get("/staff/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "staff" and body["subject"] == "staff-bo"
    assert [s["id"] for s in body["stores"]] == ["AMS-CENTRAAL"]
    assert body["stores"][0]["timeZone"] == "Europe/Amsterdam"


async def test_an_admin_is_told_every_store_and_no_warehouse(api: Api) -> None:
    token = api.token(Role.ADMIN, "root")
    response = await api.client.get("/staff/session", headers={"Authorization": f"Bearer {token}"})
    assert [s["id"] for s in response.json()["stores"]] == [
        "AMS-CENTRAAL",
        "AMS-ZUID",
        "UTR-CENTRUM",
    ]


async def test_tokens_that_cannot_open_the_pages_get_a_reason(api: Api) -> None:
    missing = await api.client.get("/staff/session")
    assert missing.status_code == 401 and "sign in" in missing.json()["error"]
    forged = await api.client.get("/staff/session", headers={"Authorization": "Bearer x.y"})
    assert forged.status_code == 401 and "invalid token" in forged.json()["error"]
    customer = api.token(Role.CUSTOMER, "cust-ada")
    refused = await api.client.get(
        "/staff/session", headers={"Authorization": f"Bearer {customer}"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "a customer token cannot open the staff pages"


async def sign_in(api: Api, store: str, staff: str, pin: str) -> tuple[int, dict]:
    response = await api.client.post(
        "/staff/session", json={"storeId": store, "staffId": staff, "pin": pin}
    )
    return response.status_code, response.json()


async def test_store_credentials_give_a_token_for_that_store_only(api: Api) -> None:
    status, issued = await sign_in(api, "AMS-CENTRAAL", "staff-bo", "1234")
    assert status == 200 and issued["storeId"] == "AMS-CENTRAAL"
    assert "errors" not in await api.gql(BOARD % "AMS-CENTRAAL", issued["token"])
    elsewhere = await api.gql(BOARD % "AMS-ZUID", issued["token"])
    assert "not allowed at store AMS-ZUID" in elsewhere["errors"][0]["message"]


async def test_wrong_credentials_are_refused_alike_and_issue_nothing(api: Api) -> None:
    assert await sign_in(api, "AMS-CENTRAAL", "staff-bo", "9999") == (
        401,
        {"error": "unknown staff id or wrong PIN"},
    )
    assert await sign_in(api, "AMS-CENTRAAL", "staff-nobody", "1234") == (
        401,
        {"error": "unknown staff id or wrong PIN"},
    )
    status, body = await sign_in(api, "AMS-ZUID", "staff-bo", "1234")
    assert (status, body) == (403, {"error": "staff-bo does not work at AMS-ZUID"})
    malformed = await api.client.post("/staff/session", json={"storeId": "AMS-CENTRAAL"})
    assert malformed.status_code == 400 and "staffId" in malformed.json()["error"]


async def test_five_wrong_pins_lock_the_id_even_against_the_right_one(api: Api) -> None:
    for _ in range(5):
        status, _ = await sign_in(api, "AMS-ZUID", "staff-cy", "0000")
        assert status == 401
    status, body = await sign_in(api, "AMS-ZUID", "staff-cy", "2345")
    assert status == 429 and "locked until" in body["error"]
    assert await api.db.fetchval(
        "SELECT locked_until > now() FROM staff_credentials WHERE staff_id = 'staff-cy'"
    )


async def test_a_right_pin_clears_earlier_wrong_ones(api: Api) -> None:
    for _ in range(4):
        await sign_in(api, "UTR-CENTRUM", "staff-di", "0000")
    assert (await sign_in(api, "UTR-CENTRUM", "staff-di", "3456"))[0] == 200
    for _ in range(4):
        await sign_in(api, "UTR-CENTRUM", "staff-di", "0000")
    assert (await sign_in(api, "UTR-CENTRUM", "staff-di", "3456"))[0] == 200
