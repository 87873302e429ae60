"""Erasure (issue 20, item 2): `eraseCustomer` for the service desk or an admin, at once and
with a reason; `requestErasure` for a customer (their own) or the desk, carried out by the
clock once the retailer's waiting period (OMNI_ERASURE_WAITING_DAYS) has passed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.auth import Role
from api.graphql.common import Payload, attempt
from api.graphql.context import Info
from api.graphql.errors import UserError, invalid
from api.graphql.limits import BoundedId, Reason
from domain.customer.profile import CustomerProfile
from domain.usecases.base import Done
from domain.usecases.customers import ProfileChanged
from domain.usecases.erasure import Erasure
from domain.values import customer_profile_id


@strawberry.type
class EraseCustomerPayload(Payload):
    customer_id: str | None = None
    merged_from: list[str] = strawberry.field(
        default_factory=list, description="Profiles merged into this one, erased with it."
    )


@strawberry.type
class RequestErasurePayload(Payload):
    customer_id: str | None = None
    due_at: datetime | None = strawberry.field(
        default=None,
        description="When the clock carries the erasure out (the request's time plus the "
        "retailer's waiting period), unless an open pickup or return still holds it.",
    )


@strawberry.type
class ErasureMutations:
    @strawberry.mutation(
        description="The service desk (or an admin) erases a customer now: their keys are "
        "forgotten, every read model row of them scrubbed, the directory row and the sign-in "
        "mapping gone; orders, amounts, stock and statistics stay exact under the id, a "
        "pseudonym from then on. ERASURE_BLOCKED while a pickup is open or a return is not "
        "yet refunded; CUSTOMER_ERASED the second time. A customer may call it for themselves "
        "once their own request is due (ERASURE_NOT_DUE before)."
    )
    async def erase_customer(
        self, info: Info, customer_id: BoundedId, reason: Reason
    ) -> EraseCustomerPayload:
        context = info.context
        context.require(Role.STAFF, Role.CUSTOMER)
        use_case = context.services.service.erase_customer
        outcome = await attempt(use_case(customer_id, reason, context.command()))
        return _erased(outcome)

    @strawberry.mutation(
        description="A customer asks to be erased (their own id, or none), or the service "
        "desk records the request for them. From then on their profile takes no changes and "
        "no marketing; the erasure is carried out when `dueAt` has passed."
    )
    async def request_erasure(
        self, info: Info, reason: Reason, customer_id: BoundedId | None = None
    ) -> RequestErasurePayload:
        context = info.context
        caller = context.require(Role.CUSTOMER, Role.STAFF)
        if customer_id is None:
            if caller.role is not Role.CUSTOMER:
                return RequestErasurePayload(
                    user_errors=[invalid("customerId", "say whose erasure this is")]
                )
            customer_id = caller.subject
        service = context.services.service
        outcome = await attempt(service.request_erasure(customer_id, reason, context.command()))
        return await _requested(info, outcome)


def _erased(outcome: Done[Erasure] | UserError) -> EraseCustomerPayload:
    if isinstance(outcome, UserError):
        return EraseCustomerPayload(user_errors=[outcome])
    return EraseCustomerPayload(
        user_errors=[],
        position=outcome.position.token(),
        customer_id=outcome.result.customer_id,
        merged_from=outcome.result.merged_from,
    )


async def _requested(
    info: Info, outcome: Done[ProfileChanged] | UserError
) -> RequestErasurePayload:
    if isinstance(outcome, UserError):
        return RequestErasurePayload(user_errors=[outcome])
    service = info.context.services.service
    customer_id = outcome.result.customer_id
    profile = await service.repository.get(customer_profile_id(customer_id), CustomerProfile)
    return RequestErasurePayload(
        user_errors=[],
        position=outcome.position.token(),
        customer_id=customer_id,
        due_at=service.erasure_due_at(profile),
    )
