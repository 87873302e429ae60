"""The demo: a catalog, three stores and a warehouse, with stock received through the service,
a few customers, and one staff member per store (PINs 1234, 2345, 3456: demo only); and,
unless told otherwise, the last days of click-and-collect in every store (demo_history.py)
and Ada's web cart, open, for a till to continue."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources

import asyncpg

from adapters.catalog_files import parse_customers, parse_locations, parse_products, parse_staff
from adapters.clock import ManualClock
from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.customers import upsert_customers
from adapters.postgres.staff_credentials import StaffCredential, upsert_staff_credentials
from api.server.demo_history import plan_history, units_handed_over
from api.server.demo_playback import at_another_time, play_history
from domain.ports import Customer, Location, LocationKind, Product
from domain.service import CommerceService
from domain.values import SYSTEM_ACTOR, Actor, ActorKind, Channel, Context

SEED_CONTEXT = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)
LOW_STOCK = {"VINYL-PLAYER": 1, "HEADPHONES": 2, "LAVA-LAMP": 2}


def load_demo_catalog() -> tuple[list[Product], list[Location]]:
    folder = resources.files("api.server") / "demo"
    products = parse_products((folder / "products.csv").read_text(), "products.csv", json=False)
    locations = parse_locations(
        (folder / "locations.json").read_text(), "locations.json", json=True
    )
    return products, locations


def load_demo_customers() -> list[Customer]:
    text = (resources.files("api.server") / "demo" / "customers.csv").read_text()
    return parse_customers(text, "customers.csv", json=False)


def load_demo_staff() -> list[StaffCredential]:
    """Hashed ahead (api/server/demo/staff.csv), so seeding spends no scrypt time per test."""
    text = (resources.files("api.server") / "demo" / "staff.csv").read_text()
    return parse_staff(text, "staff.csv", json=False)


def demo_stock(products: list[Product], locations: list[Location]) -> list[tuple[str, str, int]]:
    """(location, sku, units): stores hold a few of each (some nearly out), the warehouse many."""
    stock = []
    for location in locations:
        for product in products:
            warehouse = location.kind is LocationKind.WAREHOUSE
            units = 200 if warehouse else LOW_STOCK.get(product.sku, 8)
            stock.append((location.id, product.sku, units))
    return stock


async def seed_demo(pool: asyncpg.Pool, service: CommerceService, history_days: int = 0) -> bool:
    """Load the demo once: False when the catalog already has products. With `history_days`,
    the stock arrives the day before that history starts and is what is left after it."""
    if await pool.fetchval("SELECT count(*) FROM products"):
        return False
    products, locations = load_demo_catalog()
    staff = load_demo_staff()
    async with pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, products, locations)
        await upsert_customers(connection, load_demo_customers())
        await upsert_staff_credentials(connection, staff)
    now = service.clock.now()
    stores = [location for location in locations if location.offers_pickup]
    plan = plan_history(stores, now, history_days) if history_days else []
    clock = ManualClock(now - timedelta(days=history_days + 1))
    seeding = at_another_time(service, clock) if plan else service
    handed_over = units_handed_over(plan)
    for location_id, sku, units in demo_stock(products, locations):
        await seeding.receive_stock(
            location_id,
            sku,
            units + handed_over.get((location_id, sku), 0),
            "demo-opening-stock",
            SEED_CONTEXT,
            idempotency_key=f"demo-stock:{location_id}:{sku}",
        )
    if plan:
        await play_history(service, plan, pickers(staff))
        await adas_open_cart(seeding, clock, now)
    return True


def pickers(staff: list[StaffCredential]) -> dict[str, str]:
    """Each store's first associate: who picks and hands over its demo pickups."""
    found: dict[str, str] = {}
    for member in staff:
        for store in member.stores:
            found.setdefault(store, member.staff_id)
    return found


async def adas_open_cart(service: CommerceService, clock: ManualClock, now: datetime) -> None:
    """Ada put two things in a cart on her phone last night: a till can ring it up."""
    clock.current = now - timedelta(hours=14)
    phone = Context(
        channel=Channel.MOBILE,
        device_id="cust-ada-phone",
        actor=Actor(ActorKind.CUSTOMER, "cust-ada"),
    )
    cart_id = (await service.start_cart(phone, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "TEA-KETTLE", 1, phone)
    clock.current += timedelta(minutes=3)
    await service.add_to_cart(cart_id, "ESPRESSO-POT", 1, phone)
