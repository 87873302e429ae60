"""The service about itself: where each read model stands, and what time it is."""

from __future__ import annotations

from datetime import datetime

import strawberry

from adapters.clock import AcceleratedClock
from domain.ports import Clock
from projections.supervisor import ProjectionStatus as Status


@strawberry.type
class ProjectionStatus:
    name: str
    state: str
    position: str
    lag_events: int
    lag_seconds: float
    error: str | None
    failed_at: str | None

    @classmethod
    def of(cls, status: Status) -> ProjectionStatus:
        return cls(
            name=status.name,
            state=status.state,
            position=status.position,
            lag_events=status.lag_events,
            lag_seconds=status.lag_seconds,
            error=status.error,
            failed_at=status.failed_at,
        )


@strawberry.type(description="The business clock every rule and time on record follows.")
class ServerClock:
    now: datetime
    speed: float = strawberry.field(description="Seconds of business time per real second.")
    can_skip: bool = strawberry.field(
        description="A simulation's clock (OMNI_CLOCK_SPEED/_START), shared by every process "
        "on the database schema: skipClock moves it ahead."
    )

    @classmethod
    def of(cls, clock: Clock) -> ServerClock:
        simulated = isinstance(clock, AcceleratedClock)
        speed = clock.speed if isinstance(clock, AcceleratedClock) else 1.0
        return cls(now=clock.now(), speed=speed, can_skip=simulated)
