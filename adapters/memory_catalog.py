"""Reference data (catalog, customers) held in memory, for unit tests of the service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.customer.lookup import IdentifyBy, normalized
from domain.ports import Customer, Location, Product


class InMemoryCatalog:
    def __init__(self, products: Iterable[Product] = (), locations: Iterable[Location] = ()):
        self._products = {product.sku: product for product in products}
        self._locations = {location.id: location for location in locations}

    async def products(self, skus: Sequence[str]) -> dict[str, Product]:
        return {sku: self._products[sku] for sku in skus if sku in self._products}

    async def location(self, location_id: str) -> Location | None:
        return self._locations.get(location_id)

    async def locations(self) -> list[Location]:
        return list(self._locations.values())


class InMemoryCustomers:
    def __init__(self, customers: Iterable[Customer] = ()) -> None:
        self._customers = {customer.id: customer for customer in customers}

    async def customer(self, customer_id: str) -> Customer | None:
        return self._customers.get(customer_id)

    async def by_loyalty_id(self, loyalty_id: str) -> Customer | None:
        found = (c for c in self._customers.values() if c.loyalty_id == loyalty_id)
        return next(found, None)

    async def matching(self, by: str, value: str, limit: int) -> list[Customer]:
        how = IdentifyBy(by)
        wanted = normalized(how, value)
        found = [
            customer
            for customer in self._customers.values()
            if (held := getattr(customer, how.value)) is not None
            and normalized(how, held) == wanted
        ]
        return found[:limit]
