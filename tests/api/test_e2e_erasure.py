"""Erasure against a real `omni serve`, over HTTP only (issue 20, item 2): a customer asks to
be erased and waits; a picker, another customer and an unknown id are refused alike; the
service desk erases; the erased id answers CUSTOMER_ERASED and her token is refused; and the
server's log file holds none of what the customer typed or the device she used."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.settings import Settings
from api.auth import Role
from tests.api.test_e2e_customer_rights import SECRET, Client
from tests.api.test_telemetry import omni_serve

START = """mutation($device: String) { startCart(deviceId: $device) {
  cartId position userErrors { code message } } }"""
REQUEST = """mutation($reason: String!) { requestErasure(reason: $reason) {
  customerId dueAt position userErrors { code } } }"""
ERASE = """mutation($customer: String!, $reason: String!) {
  eraseCustomer(customerId: $customer, reason: $reason) {
    customerId mergedFrom position userErrors { code message } } }"""
EXPORT = "query($customer: String!) { customerData(id: $customer) { document } }"


@pytest.fixture(scope="module")
async def served(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Client, Path]]:
    log_file: Path = tmp_path_factory.mktemp("erasure") / "omni-serve.log"
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_SEED_DEMO": "false", "OMNI_POLL_INTERVAL": "0.2"}
    async with omni_serve(settings, log_file, **overrides) as base:
        client = Client(base)
        try:
            yield client, log_file
        finally:
            await client.http.aclose()


async def test_asked_then_erased_by_the_desk_and_nothing_of_her_in_the_log(
    served: tuple[Client, Path],
) -> None:
    server, log_file = served
    tag = uuid4().hex[:10]
    customer, device, reason = f"cust-zed-{tag}", f"DEVICE-{tag}", f"REASON moving {tag}"
    zed = server.token(Role.CUSTOMER, customer)
    started = (await server.data(START, zed, device=device))["startCart"]
    assert started["userErrors"] == [] and started["cartId"]

    asked = (await server.data(REQUEST, zed, reason=reason))["requestErasure"]
    assert asked["userErrors"] == [] and asked["dueAt"] is not None
    early = (await server.data(ERASE, zed, customer=customer, reason="now"))["eraseCustomer"]
    assert [e["code"] for e in early["userErrors"]] == ["ERASURE_NOT_DUE"]

    desk = server.token(Role.STAFF, "staff-desk", "AMS-ZUID", desk=True)
    erased = await server.data(ERASE, desk, customer=customer, reason="her letter")
    assert erased["eraseCustomer"] == {
        "customerId": customer,
        "mergedFrom": [],
        "position": erased["eraseCustomer"]["position"],
        "userErrors": [],
    }

    again = (await server.data(ERASE, desk, customer=customer, reason="again"))["eraseCustomer"]
    assert [e["code"] for e in again["userErrors"]] == ["CUSTOMER_ERASED"]
    back = (await server.gql(START, zed, device=device))["errors"][0]  # her token is dead
    assert (back["extensions"]["code"], back["message"]) == (
        "NOT_AUTHENTICATED",
        "this account was erased",
    )
    # The desk's export of the pseudonym: her business, none of her texts.
    export = (await server.data(EXPORT, desk, customer=customer))["customerData"]["document"]
    exported = json.dumps(export).encode() if not isinstance(export, str) else export.encode()
    assert customer.encode() in exported and b"[erased]" in exported
    assert device.encode() not in exported and reason.encode() not in exported
    logged = log_file.read_bytes()
    assert logged, "the server logs to this file"
    assert device.encode() not in logged and reason.encode() not in logged


async def test_a_picker_cannot_erase(served: tuple[Client, Path]) -> None:
    server, _ = served
    customer = f"cust-kim-{uuid4().hex[:8]}"
    await server.data(START, server.token(Role.CUSTOMER, customer))
    picker = server.token(Role.STAFF, "staff-bo", "AMS-ZUID")

    refused = await server.gql(ERASE, picker, customer=customer, reason="no")

    assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    again = (await server.data(START, server.token(Role.CUSTOMER, customer)))["startCart"]
    assert again["userErrors"] == []  # not erased: her cart is still hers


async def test_a_customer_cannot_erase_another_and_an_unknown_id_reads_the_same(
    served: tuple[Client, Path],
) -> None:
    server, _ = served
    known = f"cust-lea-{uuid4().hex[:8]}"
    await server.data(START, server.token(Role.CUSTOMER, known))
    other = server.token(Role.CUSTOMER, f"cust-max-{uuid4().hex[:8]}")

    refusals = [
        await server.gql(ERASE, other, customer=customer, reason="no")
        for customer in (known, f"cust-nobody-{uuid4().hex[:8]}")
    ]

    shapes = [
        (r["data"], [(e["extensions"]["code"], e["message"]) for e in r["errors"]])
        for r in refusals
    ]
    assert shapes[0] == shapes[1]
    assert shapes[0][1][0][0] == "NOT_ALLOWED"
