"""What staff do with a pickup: pick, report a short shelf, put it ready, notify, hand over
against the customer's code. The use cases check the staff member's store."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.common import Payload, attempt
from api.graphql.context import Info, path_of
from api.graphql.enums import PickupStatus
from api.graphql.errors import UserError, invalid
from api.graphql.limits import TEXT_LIMIT, BoundedId, described
from api.graphql.pickups.queries import BOARD_VIEWS, readable_pickup
from api.graphql.pickups.types import Pickup
from domain.usecases.base import Done
from domain.usecases.pickups import PickupChanged


@strawberry.type
class PickupPayload(Payload):
    pickup_id: UUID | None = None
    status: PickupStatus | None = None

    @strawberry.field(description="The pickup after this change (waits until it is readable).")
    async def pickup(self, info: Info) -> Pickup | None:
        if self.pickup_id is None:
            return None
        await info.context.consistent_with(self.position, BOARD_VIEWS, path_of(info))
        return await readable_pickup(info.context, self.pickup_id)


def pickup_payload(outcome: Done[PickupChanged] | UserError) -> PickupPayload:
    if isinstance(outcome, UserError):
        return PickupPayload(user_errors=[outcome])
    result = outcome.result
    return PickupPayload(
        user_errors=[],
        position=outcome.position.token(),
        pickup_id=result.pickup_id,
        status=PickupStatus(result.status),
    )


@strawberry.type
class PickupMutations:
    @strawberry.mutation(description="A staff member takes the pickup to the shelves.")
    async def start_picking(self, info: Info, pickup_id: UUID) -> PickupPayload:
        context = info.context
        staff = context.require()
        use_case = context.services.service.start_picking
        return pickup_payload(await attempt(use_case(pickup_id, staff.subject, context.command())))

    @strawberry.mutation(
        description="Take the card on the board: it is assigned to the caller (staff of the "
        'pickup\'s store), who then finds it under "mine" and on their pick list.'
    )
    async def take_pickup(self, info: Info, pickup_id: UUID) -> PickupPayload:
        context = info.context
        staff = context.require()
        use_case = context.services.service.take_pickup
        return pickup_payload(await attempt(use_case(pickup_id, staff.subject, context.command())))

    @strawberry.mutation(description="The shelf is short: cancel those units of the order line.")
    async def report_short(
        self, info: Info, pickup_id: UUID, line_id: BoundedId, quantity: int
    ) -> PickupPayload:
        context = info.context
        context.require()
        use_case = context.services.service.report_short
        return pickup_payload(
            await attempt(use_case(pickup_id, line_id, quantity, context.command()))
        )

    @strawberry.mutation(description="On a shelf spot: the customer gets a one-time code.")
    async def mark_ready(self, info: Info, pickup_id: UUID, shelf_spot: BoundedId) -> PickupPayload:
        context = info.context
        context.require()
        if not shelf_spot.strip():
            return PickupPayload(user_errors=[invalid("shelfSpot", "say where it is")])
        use_case = context.services.service.mark_ready
        return pickup_payload(
            await attempt(use_case(pickup_id, shelf_spot.strip(), context.command()))
        )

    @strawberry.mutation(description="Record that the customer was told it is ready.")
    async def notify_customer(
        self, info: Info, pickup_id: UUID, channel: BoundedId = "sms"
    ) -> PickupPayload:
        context = info.context
        context.require()
        use_case = context.services.service.notify_customer
        return pickup_payload(await attempt(use_case(pickup_id, channel, context.command())))

    @strawberry.mutation(
        description="The pickup window passed without the customer: a no-show. Its stock is "
        "released and the order cancelled; refused while the customer may still come."
    )
    async def mark_no_show(self, info: Info, pickup_id: UUID) -> PickupPayload:
        context = info.context
        staff = context.require()
        use_case = context.services.service.mark_no_show
        return pickup_payload(await attempt(use_case(pickup_id, staff.subject, context.command())))

    @strawberry.mutation(description="Hand over against the code the customer shows.")
    async def collect_pickup(
        self,
        info: Info,
        pickup_id: UUID,
        code: BoundedId,
        proof: Annotated[
            str | None, described(f"Who collected, or an id document's number. {TEXT_LIMIT}")
        ] = None,
    ) -> PickupPayload:
        context = info.context
        staff = context.require()
        use_case = context.services.service.collect
        return pickup_payload(
            await attempt(use_case(pickup_id, code, staff.subject, context.command(), proof))
        )
