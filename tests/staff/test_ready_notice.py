"""A ready card says whether the customer was told, as recorded: told (by which channel,
when), the mail refused (the server's reason), or not told (no notifier running, as here)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from playwright.async_api import expect

from adapters.clock import SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.database import Database
from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from domain.service import CommerceService
from domain.values import Context
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000
REFUSED = "550 5.1.1 <address>: mailbox unknown"


async def record_as_the_notifier(server: StaffServer, told: str, refused: str) -> None:
    """What `omni notify run` records, from its own process, into the server's schema."""
    database = await Database.open(server.settings, schema=server.schema, pool_size=2)
    try:
        service = CommerceService(
            store=database.store,
            catalog=PostgresCatalog(database.pool),
            payments=SimulatedPaymentGateway(),
            clock=SystemClock(),
        )
        await service.record_customer_notified(UUID(told), "email", Context())
        await service.record_notification_failed(UUID(refused), "email", REFUSED, Context())
    finally:
        await database.close()


async def test_a_ready_card_says_told_refused_or_not_told(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickups = []
    for customer in ("cust-ada", "cust-grace", "cust-barbara"):
        _, pickup_id = await shop.order_for_pickup(customer, "AMS-CENTRAAL")
        await shop.act(documents.START_PICKING, associate, id=pickup_id)
        await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="N1")
        pickups.append(pickup_id)
    told, refused, untold = pickups
    await record_as_the_notifier(staff_server, told, refused)

    async with signed_in(browser, shop.base, associate) as board:
        await expect(board.card(told, "ready").locator(".told")).to_contain_text(
            "Customer told by email at", timeout=SHOWN_WITHIN_MS
        )
        failed = board.card(refused, "ready").locator(".told")
        await expect(failed).to_have_text(f"Customer not told: {REFUSED}")
        await expect(failed).to_have_attribute("data-state", "FAILED")
        await expect(board.card(untold, "ready").locator(".told")).to_have_text(
            "Customer not told yet"
        )
        assert board.errors == []
