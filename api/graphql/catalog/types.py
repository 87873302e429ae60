"""Products as a storefront shows them, with availability asked for on demand."""

from __future__ import annotations

import strawberry

from api.graphql.common import Money
from api.graphql.context import Info, path_of
from api.graphql.relay import Connection, Node, Page, global_id
from api.graphql.stock.queries import STOCK_VIEWS, Near, stores_near
from api.graphql.stock.types import StockLevel, StoreAvailability
from domain.ports import Product as CatalogProduct
from domain.values import stock_item_id
from projections import store_inventory


@strawberry.type
class Attribute:
    name: str
    value: str


@strawberry.type
class Product(Node):
    sku: str
    name: str
    description: str
    price: Money
    attributes: list[Attribute]
    image_urls: list[str]
    discontinued: bool = strawberry.field(
        description="No longer sold: carts refuse it, checkout refuses a cart holding it, no "
        "store offers it, and `products` leaves it out."
    )

    @strawberry.field(description="Stores near a point that can serve a pickup of it now.")
    async def availability(
        self,
        info: Info,
        latitude: float,
        longitude: float,
        quantity: int = 1,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StoreAvailability]:
        near, page = Near(latitude, longitude, quantity), Page(first, after, last, before)
        return await stores_near(info.context, self.sku, near, page, path_of(info))

    @strawberry.field(description="Its stock at one location.")
    async def stock_at(self, info: Info, location_id: str) -> StockLevel | None:
        pool = info.context.read_pool
        levels = await store_inventory.stock_at(pool, location_id, [self.sku])
        # Keyed by its stream even when missing: the stream's first event may be the parked one.
        stream = (stock_item_id(location_id, self.sku),)
        info.context.flag_parked(STOCK_VIEWS, stream, path_of(info))
        return StockLevel.of(levels[0]) if levels else None

    @classmethod
    def of(cls, product: CatalogProduct) -> Product:
        return cls(
            id=global_id("Product", product.sku),
            sku=product.sku,
            name=product.name,
            description=product.description,
            price=Money.of(product.price),
            attributes=[Attribute(name=k, value=v) for k, v in product.attributes.items()],
            image_urls=list(product.image_urls),
            discontinued=product.discontinued,
        )
