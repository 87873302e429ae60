"""Click-to-collect figures for managers: per store and day, from the fulfillment times."""

from __future__ import annotations

from datetime import date

import strawberry

from projections import fulfillment_stats as fulfillment


@strawberry.type(description="Durations in seconds.")
class DurationStats:
    p50: float | None
    p90: float | None
    max: float | None

    @classmethod
    def of(cls, stats: fulfillment.TimeStats) -> DurationStats:
        return cls(p50=stats.p50, p90=stats.p90, max=stats.max)


@strawberry.type
class FulfillmentStats:
    store_id: str | None = strawberry.field(description="None: the whole chain.")
    day: date
    pickups: int
    placed_to_ready: DurationStats
    ready_to_collected: DurationStats
    placed_to_collected: DurationStats = strawberry.field(
        description="Click-to-collect: from the order to the hand-over."
    )
    made_ready: int = strawberry.field(
        description="Pickups put ready for collection: readyWithinPromise is a share of these."
    )
    ready_within_promise: float | None = strawberry.field(description="A share, 0 to 1.")
    collected: int
    no_shows: int = strawberry.field(description="Pickups not collected in their window.")
    short_picks: int = strawberry.field(description="Units the shelves could not supply.")
    arrivals: int = strawberry.field(description='Pickups whose customer said "I\'m here".')
    arrival_to_collected: DurationStats = strawberry.field(
        description="Curbside: from the customer's arrival to the hand-over."
    )

    @classmethod
    def of(cls, stats: fulfillment.FulfillmentStats) -> FulfillmentStats:
        return cls(
            store_id=stats.store_id,
            day=stats.day,
            pickups=stats.pickups,
            placed_to_ready=DurationStats.of(stats.placed_to_ready),
            ready_to_collected=DurationStats.of(stats.ready_to_collected),
            placed_to_collected=DurationStats.of(stats.placed_to_collected),
            made_ready=stats.made_ready,
            ready_within_promise=stats.ready_within_promise,
            collected=stats.collected,
            no_shows=stats.no_shows,
            short_picks=stats.short_picked_units,
            arrivals=stats.arrivals,
            arrival_to_collected=DurationStats.of(stats.arrival_to_collected),
        )
