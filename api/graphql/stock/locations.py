"""Stores and warehouses as a client caches them: a `Location` node with its opening hours and
pickup promise, and `location(locationId:)`. Reference data anyone may read, as a shop's list
of stores is."""

from __future__ import annotations

import enum
from datetime import time

import strawberry

from api.graphql.context import Info, RequestContext
from api.graphql.limits import BoundedArguments
from api.graphql.relay import Node, global_id
from domain.ports import Location as CatalogLocation


@strawberry.enum(description="A store serves pickups and sells at its tills; a warehouse ships.")
class LocationKind(enum.Enum):
    STORE = "store"
    WAREHOUSE = "warehouse"


@strawberry.type(description="A store or warehouse.")
class Location(Node):
    location_id: str = strawberry.field(
        description="What the typed queries and mutations take (`storeId`, `locationId`)."
    )
    name: str
    kind: LocationKind
    time_zone: str = strawberry.field(description="Its clock: an IANA zone, e.g. Europe/Amsterdam.")
    latitude: float
    longitude: float
    opens_at: time = strawberry.field(description="Opening time, in its own time zone.")
    closes_at: time
    pickup_service_minutes: int = strawberry.field(
        description="How long after an order a pickup here is promised ready, at most."
    )
    pickup_window_days: int = strawberry.field(
        description="Days a ready pickup waits before it is released as not collected."
    )

    @classmethod
    def of(cls, found: CatalogLocation) -> Location:
        return cls(
            id=global_id("Location", found.id),
            location_id=found.id,
            name=found.name,
            kind=LocationKind(found.kind.value),
            time_zone=found.time_zone,
            latitude=found.latitude,
            longitude=found.longitude,
            opens_at=found.opens_at,
            closes_at=found.closes_at,
            pickup_service_minutes=found.pickup_service_minutes,
            pickup_window_days=found.pickup_window_days,
        )


async def location_of(context: RequestContext, location_id: str) -> Location | None:
    found = await context.services.catalog.location(location_id)
    return Location.of(found) if found is not None else None


@strawberry.type
class LocationQueries:
    @strawberry.field(
        description="A store or warehouse by its id; null when there is none.",
        extensions=[BoundedArguments()],
    )
    async def location(self, info: Info, location_id: str) -> Location | None:
        return await location_of(info.context, location_id)
