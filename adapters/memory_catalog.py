"""Reference data held in memory, for unit tests of the service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.ports import Location, Product


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
