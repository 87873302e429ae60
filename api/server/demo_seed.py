"""The demo: a catalog, three stores and a warehouse, with stock received through the service,
a few customers, and one staff member per store (PINs 1234, 2345, 3456: demo only)."""

from __future__ import annotations

from importlib import resources

import asyncpg

from adapters.catalog_files import parse_customers, parse_locations, parse_products, parse_staff
from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.customers import upsert_customers
from adapters.postgres.staff_credentials import StaffCredential, upsert_staff_credentials
from domain.ports import Customer, Location, LocationKind, Product
from domain.service import CommerceService
from domain.values import SYSTEM_ACTOR, Channel, Context

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


async def seed_demo(pool: asyncpg.Pool, service: CommerceService) -> bool:
    """Load the demo once: False when the catalog already has products."""
    if await pool.fetchval("SELECT count(*) FROM products"):
        return False
    products, locations = load_demo_catalog()
    async with pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, products, locations)
        await upsert_customers(connection, load_demo_customers())
        await upsert_staff_credentials(connection, load_demo_staff())
    for location_id, sku, units in demo_stock(products, locations):
        await service.receive_stock(
            location_id,
            sku,
            units,
            "demo-opening-stock",
            SEED_CONTEXT,
            idempotency_key=f"demo-stock:{location_id}:{sku}",
        )
    return True
