"""Returns through any channel: asked for online or at a counter, received at any store,
inspected, refunded and restocked by that store's staff."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.common import Payload, attempt
from api.graphql.context import Info, path_of
from api.graphql.enums import ReturnChannel, ReturnStatus
from api.graphql.errors import Forbidden, UserError, invalid
from api.graphql.limits import SKU_LIMIT, LocationId, Reason
from api.graphql.returns.queries import RETURN_VIEWS, may_read, readable_return
from api.graphql.returns.types import Return, return_view_of
from domain.returns.model import InspectionResult
from domain.returns.model import Return as ReturnState
from domain.usecases.base import Done
from domain.usecases.returns import ReturnChanged


@strawberry.input
class SkuQuantity:
    sku: str = strawberry.field(description=SKU_LIMIT)
    quantity: int


@strawberry.input
class InspectionInput:
    sku: str = strawberry.field(description=SKU_LIMIT)
    resellable: int
    damaged: int


@strawberry.type
class ReturnPayload(Payload):
    return_id: UUID | None = None
    status: ReturnStatus | None = None

    # The return as this mutation decided and saved it (None: answered from the read model)
    decided: strawberry.Private[ReturnState | None] = None

    @strawberry.field(
        name="return",
        description="The return after this change: the state the mutation decided on, the "
        "very fields a later `return(id:, consistentWith: position)` answers.",
    )
    async def return_(self, info: Info) -> Return | None:
        if self.return_id is None:
            return None
        if self.decided is not None:
            view = return_view_of(self.decided)
            if not may_read(info.context.require(), view):
                raise Forbidden("this return is not yours")
            return Return.of(view)
        await info.context.consistent_with(self.position, RETURN_VIEWS, path_of(info))
        return await readable_return(info.context, self.return_id)


def return_payload(outcome: Done[ReturnChanged] | UserError) -> ReturnPayload:
    if isinstance(outcome, UserError):
        return ReturnPayload(user_errors=[outcome])
    return ReturnPayload(
        user_errors=[],
        position=outcome.position.token(),
        return_id=outcome.result.return_id,
        status=ReturnStatus(outcome.result.status),
        decided=outcome.decided_state(outcome.result.return_id, ReturnState),
    )


@strawberry.type
class ReturnMutations:
    @strawberry.mutation(
        description="Return units of an online order (orderId) or of an in-store purchase "
        "(receipt), online or at any store."
    )
    async def request_return(
        self,
        info: Info,
        lines: list[SkuQuantity],
        reason: Reason,
        via: ReturnChannel,
        order_id: UUID | None = None,
        receipt: str | None = None,
    ) -> ReturnPayload:
        context = info.context
        context.require()
        if (order_id is None) == (receipt is None):
            return ReturnPayload(user_errors=[invalid("orderId", "give an orderId or a receipt")])
        quantities: dict[str, int] = {}
        for line in lines:
            quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        service, command = context.services.service, context.command()
        if receipt is not None:
            requested = service.request_return_of_receipt(receipt, quantities, reason, via, command)
        else:
            assert order_id is not None
            requested = service.request_return(order_id, quantities, reason, via, command)
        return return_payload(await attempt(requested))

    @strawberry.mutation(description="The goods arrived here; they will be restocked here.")
    async def receive_return(
        self, info: Info, return_id: UUID, location_id: LocationId
    ) -> ReturnPayload:
        context = info.context
        context.require()
        use_case = context.services.service.receive_return
        return return_payload(await attempt(use_case(return_id, location_id, context.command())))

    @strawberry.mutation(description="Judge every returned unit resellable or damaged.")
    async def inspect_return(
        self, info: Info, return_id: UUID, results: list[InspectionInput]
    ) -> ReturnPayload:
        context = info.context
        context.require()
        judged = [InspectionResult(r.sku, r.resellable, r.damaged) for r in results]
        use_case = context.services.service.inspect_return
        return return_payload(await attempt(use_case(return_id, judged, context.command())))

    @strawberry.mutation(description="Pay the returned units back at the price paid.")
    async def refund_return(self, info: Info, return_id: UUID) -> ReturnPayload:
        context = info.context
        context.require()
        use_case = context.services.service.refund_return
        return return_payload(await attempt(use_case(return_id, context.command())))

    @strawberry.mutation(description="Put the resellable units back on the shelves.")
    async def restock_return(self, info: Info, return_id: UUID) -> ReturnPayload:
        context = info.context
        context.require()
        use_case = context.services.service.restock_return
        return return_payload(await attempt(use_case(return_id, context.command())))
