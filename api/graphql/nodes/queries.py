"""Object identification: `node(id:)` and `nodes(ids:)` refetch anything that implements
`Node` by its global id, through the very functions (and access checks) of the typed query
that answers it. Something the caller may not see reads exactly as something that does not
exist: null, with the same NOT_FOUND error. A malformed id is INVALID_INPUT."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

import strawberry

from api.auth import Role
from api.graphql.carts.queries import readable_cart
from api.graphql.catalog.types import Product
from api.graphql.checkout.queries import readable_order
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.customers.queries import customer_of, customer_view
from api.graphql.errors import BadInput, Forbidden, NotFoundError
from api.graphql.pickups.queries import BOARD_VIEWS, readable_pickup
from api.graphql.relay import MAX_PAGE, Node, parse_global_id
from api.graphql.returns.queries import RETURN_VIEWS, readable_return
from api.graphql.stock.ledger import movement
from api.graphql.stock.locations import location_of
from api.graphql.stock.queries import require_products
from domain.values import stock_item_id

Path = tuple[str | int, ...]
Fetch = Callable[[RequestContext, list[str], Path], Awaitable[Node | None]]


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise BadInput("id: not a global id") from None


def _int(text: str) -> int:
    if not text.isdigit():
        raise BadInput("id: not a global id")
    return int(text)


async def _cart(context: RequestContext, key: list[str], path: Path) -> Node | None:
    return await readable_cart(context, _uuid(key[0]), path)


async def _cart_line(context: RequestContext, key: list[str], path: Path) -> Node | None:
    cart = await readable_cart(context, _uuid(key[0]), path)
    if cart is None:
        return None
    return next((line for line in cart.lines if line.sku == key[1]), None)


async def _order(context: RequestContext, key: list[str], path: Path) -> Node | None:
    context.require()
    order_id = _uuid(key[0])
    order = await readable_order(context, order_id)
    context.flag_parked(("orders",), (order_id,), path)
    return order


async def _pickup(context: RequestContext, key: list[str], path: Path) -> Node | None:
    pickup_id = _uuid(key[0])
    pickup = await readable_pickup(context, pickup_id)
    context.flag_parked(BOARD_VIEWS, (pickup_id,), path)
    return pickup


async def _return(context: RequestContext, key: list[str], path: Path) -> Node | None:
    context.require()
    return_id = _uuid(key[0])
    found = await readable_return(context, return_id)
    context.flag_parked(RETURN_VIEWS, (return_id,), path)
    return found


async def _product(context: RequestContext, key: list[str], path: Path) -> Node | None:
    products = await context.services.catalog.products(key[:1])
    return Product.of(products[key[0]]) if key[0] in products else None


async def _customer(context: RequestContext, key: list[str], path: Path) -> Node | None:
    caller = context.require()
    if caller.role is Role.CUSTOMER and caller.subject == key[0]:
        return await customer_of(context, key[0])  # their own, as `me` answers it
    return await customer_view(context, key[0])


async def _stock_movement(context: RequestContext, key: list[str], path: Path) -> Node | None:
    location_id, sku, version = key[0], key[1], _int(key[2])
    context.require_store(location_id)
    await require_products(context, [sku])
    store = context.services.database.store
    found = await store.history(stock_item_id(location_id, sku), 1, version + 1)
    if not found or found[0].version != version:
        return None
    return movement(location_id, sku, found[0])


async def _location(context: RequestContext, key: list[str], path: Path) -> Node | None:
    return await location_of(context, key[0])


# kind: (its fetch, how many key parts its id has)
KINDS: dict[str, tuple[Fetch, int]] = {
    "Cart": (_cart, 1),
    "CartLine": (_cart_line, 2),
    "Order": (_order, 1),
    "Pickup": (_pickup, 1),
    "Return": (_return, 1),
    "Product": (_product, 1),
    "Customer": (_customer, 1),
    "StockMovement": (_stock_movement, 3),
    "Location": (_location, 1),
}


async def find_node(context: RequestContext, id: str, path: Path) -> Node:
    """The node with this global id, or NotFoundError alike whether it is missing or hidden."""
    kind, key = parse_global_id(id)
    fetch, parts = KINDS.get(kind, (None, 0))
    if fetch is None or len(key) != parts:
        raise BadInput(f"id: {id!r} is not a global id")
    try:
        found = await fetch(context, key, path)
    except (Forbidden, NotFoundError):
        found = None
    if found is None:
        raise NotFoundError("nothing has this id, or it is not yours to see")
    return found


async def _settled(context: RequestContext, id: str, path: Path) -> Node | Exception:
    try:
        return await find_node(context, id, path)
    except (BadInput, NotFoundError) as error:
        return error  # an error at its own position of the list; the others still answer


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Anything with a global id, as its typed query answers it: null with "
        "NOT_FOUND when it does not exist or is not yours to see; a malformed id is "
        "INVALID_INPUT."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await find_node(info.context, id, path_of(info))

    @strawberry.field(
        description=f"`node(id:)` for each id (at most {MAX_PAGE}), in the order given: each "
        "missing or hidden one is null with its own error."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_PAGE:
            raise BadInput(f"ids: at most {MAX_PAGE}")
        path = path_of(info)
        found = await asyncio.gather(
            *(_settled(info.context, id, (*path, i)) for i, id in enumerate(ids))
        )
        return list(found)  # type: ignore[arg-type]
