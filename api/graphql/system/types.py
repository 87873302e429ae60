"""The service about itself: where each read model stands."""

from __future__ import annotations

import strawberry

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
