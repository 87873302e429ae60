"""`omni token` and `omni catalog import`: what they are given is checked against the
reference data, and a refusal is one sentence (api/cli/main.py prints it and exits non-zero)."""

from __future__ import annotations

import argparse
import time

from adapters.catalog_files import read_customers, read_locations, read_products, read_staff
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from adapters.postgres.staff_credentials import upsert_staff_credentials
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from domain.values import Channel

DAY = 24 * 3600
# Up to this many known stores are listed in a refusal; past it, a few and the count.
LISTED_STORES = 12


class Refused(Exception):
    """The command cannot do what it was asked: the message is one sentence saying why."""


async def mint_token(settings: Settings, args: argparse.Namespace) -> None:
    stores = tuple(s.strip() for s in args.stores.split(",") if s.strip())
    role = Role(args.role)
    if role in (Role.STAFF, Role.POS):
        if not stores:
            raise Refused("Staff and POS tokens need --stores (comma-separated store ids).")
        await _require_known(settings, stores)
    if args.channel and role not in (Role.GUEST, Role.CUSTOMER):
        raise Refused("--channel is for guest and customer tokens; tills and staff have theirs.")
    principal = Principal(
        role=role,
        subject=args.subject,
        stores=stores,
        staff_role=StaffRole(args.staff_role) if role is Role.STAFF else None,
        expires_at=int(time.time() + args.days * DAY),
        channel=Channel(args.channel) if args.channel else None,
    )
    print(TokenService(*settings.secret_keys).mint(principal))


async def _require_known(settings: Settings, stores: tuple[str, ...]) -> None:
    """A token scoped to a store that does not exist would mint fine and then be refused
    everywhere; said here instead, with the stores there are."""
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        known = sorted(location.id for location in await PostgresCatalog(database.pool).locations())
    finally:
        await database.close()
    unknown = [store for store in stores if store not in known]
    if not unknown:
        return
    names = ", ".join(unknown)
    if not known:
        raise Refused(
            f"There is no store {names}, nor any store yet, so no token was minted: import "
            "them with omni catalog import --locations FILE (omni serve loads the demo's)."
        )
    listed = ", ".join(known[:LISTED_STORES])
    if len(known) > LISTED_STORES:
        listed += f" and {len(known) - LISTED_STORES} more"
    raise Refused(f"There is no store {names}, so no token was minted; the stores are {listed}.")


async def catalog_import(settings: Settings, args: argparse.Namespace) -> None:
    """Every file is read and checked before the database is opened: all or nothing."""
    products = read_products(args.products) if args.products else []
    locations = read_locations(args.locations) if args.locations else []
    customers = read_customers(args.customers) if args.customers else []
    staff = read_staff(args.staff) if args.staff else []
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        async with database.pool.acquire() as connection, connection.transaction():
            await upsert_catalog(connection, products, locations)
            await upsert_customers(connection, customers)
            await upsert_staff_credentials(connection, staff)
    finally:
        await database.close()
    discontinued = sum(product.discontinued for product in products)
    print(
        f"imported {len(products)} products ({discontinued} discontinued), "
        f"{len(locations)} locations, {len(customers)} customers and {len(staff)} staff"
    )
