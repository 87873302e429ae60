"""The product catalog: search by name or SKU, one product by SKU."""

from __future__ import annotations

import strawberry

from adapters.postgres.catalog import ProductCursor, search_products
from api.graphql.catalog.types import Product
from api.graphql.context import Info
from api.graphql.errors import NotFoundError
from api.graphql.limits import BoundedArguments
from api.graphql.relay import Connection, Page, paged
from domain.ports import Product as CatalogProduct


@strawberry.type
class CatalogQueries:
    @strawberry.field(
        description="Products on sale whose SKU or name contains `search`, by SKU "
        "(discontinued ones are left out; `product(sku:)` still answers them).",
        extensions=[BoundedArguments()],
    )
    async def products(
        self,
        info: Info,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Product]:
        page = Page(first, after, last, before)
        pool = info.context.read_pool

        async def fetch(key: ProductCursor | None, limit: int) -> list[CatalogProduct]:
            return await search_products(pool, search, limit, key)

        return await paged(page, ProductCursor, fetch, lambda p: (p.sku,), Product.of)

    @strawberry.field(
        description="One product, discontinued or not; an unknown SKU is an error.",
        extensions=[BoundedArguments()],
    )
    async def product(self, info: Info, sku: str) -> Product:
        products = await info.context.services.catalog.products([sku])
        if sku not in products:
            raise NotFoundError(f"there is no product {sku}")
        return Product.of(products[sku])
