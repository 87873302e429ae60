"""Stock as channels and staff see it: levels per location, stores near a shopper that can
serve a pickup, and the ledger of every movement."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.context import Info
from api.graphql.enums import Channel
from api.graphql.relay import Node
from api.graphql.stock.locations import Location, location_of
from domain.values import stock_item_id
from projections import store_inventory as inventory


@strawberry.type
class StockLevel:
    location_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int = strawberry.field(description="On hand less reserved; negative when short.")
    oversold: int = strawberry.field(
        description="Reserved units with no stock behind them (a count or a till sale took "
        "them): promised to customers, not on the shelf. Listed first in lowStock."
    )
    discrepancy: int = strawberry.field(description="Units sold beyond what the books held.")
    version: int = strawberry.field(
        description="The stock item's version: with `streamId`, what checkout's "
        "expectedVersions takes for this SKU at this location."
    )
    updated_at: datetime

    @strawberry.field(description="The stock item's stream: one per location and SKU.")
    def stream_id(self) -> UUID:
        return stock_item_id(self.location_id, self.sku)

    @classmethod
    def of(cls, level: inventory.StockLevel) -> StockLevel:
        return cls(
            location_id=level.location_id,
            sku=level.sku,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
            oversold=level.oversold,
            discrepancy=level.discrepancy,
            version=level.version,
            updated_at=level.updated_at,
        )


@strawberry.type(description="A store that could serve a pickup of the SKU now.")
class StoreAvailability:
    location_id: str
    name: str
    available: int
    distance_km: float
    pickup_service_minutes: int

    @strawberry.field(description="The store itself, as `node(id:)` and a client's cache know it.")
    async def location(self, info: Info) -> Location | None:
        return await location_of(info.context, self.location_id)

    @classmethod
    def of(cls, found: inventory.StoreAvailability) -> StoreAvailability:
        return cls(
            location_id=found.location_id,
            name=found.name,
            available=found.available,
            distance_km=found.distance_km,
            pickup_service_minutes=found.pickup_service_minutes,
        )


@strawberry.enum(description="What moved stock, as the stock item's events record it.")
class StockMovementKind(enum.Enum):
    OPENED = "opened"
    RECEIVED = "received"
    COUNTED = "counted"
    RESERVED = "reserved"
    RELEASED = "released"
    SOLD_ONLINE = "sold_online"
    SOLD_AT_POS = "sold_at_pos"
    RESTOCKED_FROM_RETURN = "restocked_from_return"


@strawberry.type(description="Who acted: role and id.")
class ActorRef:
    kind: str
    id: str


@strawberry.type(description="One movement of a SKU's stock at a location, with who and why.")
class StockMovement(Node):
    location_id: str
    sku: str
    version: int
    at: datetime
    kind: StockMovementKind
    on_hand_change: int
    reserved_change: int
    discrepancy_change: int
    reference: str | None = strawberry.field(
        description="The delivery, order, sale, return or count reason behind it."
    )
    actor: ActorRef
    channel: Channel
