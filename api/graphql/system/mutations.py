"""Skipping a simulation's clock ahead (a night, a month), for every process of the
deployment: never the real one."""

from __future__ import annotations

from datetime import datetime

import strawberry

from adapters.clock import ClockCannotGoBack
from api.auth import Role
from api.graphql.common import Payload
from api.graphql.context import Info
from api.graphql.errors import Forbidden, invalid
from api.graphql.system.types import ServerClock


@strawberry.type
class ClockPayload(Payload):
    clock: ServerClock | None = None


@strawberry.type
class SystemMutations:
    @strawberry.mutation(
        description="Move a simulation's clock ahead to `to` (admin): every process of the "
        "deployment on this database schema follows (API workers, `omni tick`, `omni notify "
        "run`). The rules then due fire at the scheduler's next tick. Never back; refused on "
        "a server that runs on the real clock."
    )
    async def skip_clock(self, info: Info, to: datetime) -> ClockPayload:
        context = info.context
        context.require(Role.ADMIN)
        shared = context.services.business_clock
        if shared is None:
            raise Forbidden("this server runs on the real clock, which nobody moves")
        if to.tzinfo is None:
            return ClockPayload(user_errors=[invalid("to", "give the time with its offset")])
        try:
            await shared.skip_to(to)
        except ClockCannotGoBack as error:
            return ClockPayload(user_errors=[invalid("to", str(error))])
        return ClockPayload(user_errors=[], clock=ServerClock.of(shared.clock))
