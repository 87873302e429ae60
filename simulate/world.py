"""The shop the simulation plays in, learnt and set up through the API: its products and
prices, the stock at every location, the simulated customers (imported by the admin), and
the morning delivery that fills the shelves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from simulate.client import Api
from simulate.ledger import Ledger

PRODUCTS = """query($after: String) { products(first: 100, after: $after) {
  nodes { sku price { amount currency } } pageInfo { hasNextPage endCursor } } }"""
STOCK = """query($at: String!, $after: String) { storeStock(locationId: $at, first: 100,
  after: $after) { nodes { sku onHand reserved } pageInfo { hasNextPage endCursor } } }"""
IMPORT = """mutation($customers: [CustomerInput!]!) { importCustomers(customers: $customers) {
  imported userErrors { code field message } } }"""
RECEIVE = """mutation($at: String!, $sku: String!, $n: Int!, $ref: String!) {
  receiveStock(locationId: $at, sku: $sku, quantity: $n, reference: $ref) {
    position userErrors { code message } } }"""
FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Ken",
    "Frances",
    "Donald",
    "Radia",
    "Tim",
    "Margaret",
    "John",
]


@dataclass(frozen=True)
class Shopper:
    id: str
    first_name: str
    loyalty_id: str | None
    home_store: str


@dataclass
class World:
    run: str
    stores: tuple[str, ...]
    warehouse: str
    prices: dict[str, Decimal] = field(default_factory=dict)
    currency: str = "EUR"
    shoppers: list[Shopper] = field(default_factory=list)

    @property
    def locations(self) -> tuple[str, ...]:
        return (*self.stores, self.warehouse)

    @property
    def skus(self) -> list[str]:
        return sorted(self.prices)


async def learn_products(api: Api, world: World) -> None:
    after = None
    while True:
        page = (await api.query(PRODUCTS, None, after=after))["products"]
        for node in page["nodes"]:
            world.prices[node["sku"]] = Decimal(node["price"]["amount"])
            world.currency = node["price"]["currency"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


async def import_shoppers(api: Api, admin: str, world: World, count: int, seed: int) -> None:
    """`count` customers of this run; three in five carry a loyalty card."""
    rng = random.Random(f"{seed}:shoppers")
    for n in range(count):
        loyalty = f"SIM-{world.run}-{n:04d}" if n < 2 or rng.random() < 0.6 else None
        name = FIRST_NAMES[n % len(FIRST_NAMES)]
        world.shoppers.append(
            Shopper(f"sim-{world.run}-{n:04d}", name, loyalty, rng.choice(world.stores))
        )
    for start in range(0, count, 500):
        batch = [
            {
                "id": s.id,
                "firstName": s.first_name,
                "lastName": f"Sim {world.run}",
                "email": f"{s.id}@example.com",
                "loyaltyId": s.loyalty_id,
            }
            for s in world.shoppers[start : start + 500]
        ]
        await api.mutate("importCustomers", IMPORT, admin, customers=batch)


async def read_stock(api: Api, admin: str, world: World, ledger: Ledger) -> None:
    for location in world.locations:
        for node in await stock_at(api, admin, location):
            ledger.opening(location, node["sku"], node["onHand"], node["reserved"])


async def stock_at(api: Api, token: str, location: str) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        page = (await api.query(STOCK, token, at=location, after=after))["storeStock"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def morning_delivery(api: Api, world: World, ledger: Ledger, shoppers: int) -> int:
    """Goods in at every location, by its own staff, up to a level for the day's crowd."""
    units = 0
    store_level, warehouse_level = shoppers // 5 + 6, shoppers + 20
    for location in world.locations:
        staff = api.token("staff", f"sim-receiver-{location}", location, staff_role="manager")
        level = warehouse_level if location == world.warehouse else store_level
        for sku in world.skus:
            short = level - ledger.free_at(location, sku)
            if short > 0:
                await api.mutate(
                    "receiveStock",
                    RECEIVE,
                    staff,
                    at=location,
                    sku=sku,
                    n=short,
                    ref=f"sim-{world.run}-delivery",
                )
                ledger.received(location, sku, short)
                units += short
    return units
