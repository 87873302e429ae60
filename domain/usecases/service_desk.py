"""Service-desk cases: opened for a known customer, each further contact, each resolution;
recorded by the service desk (staff with that role, at their stores) and admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.idempotency import idempotent
from domain.service_desk.model import ServiceCase
from domain.usecases.base import Decision, Done
from domain.usecases.profiles import CustomerProfiles
from domain.values import Actor, Context


class CaseChanged(msgspec.Struct, frozen=True):
    case_id: UUID
    status: str
    contacts: int


def _changed(case: ServiceCase) -> CaseChanged:
    return CaseChanged(case.id, case.status.value, case.contacts)


class ServiceDeskUseCases(CustomerProfiles):
    async def open_service_case(
        self,
        customer_id: str,
        context: Context,
        store_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Done[CaseChanged]:
        """A customer's first contact about something: at a store's desk (the desk's own store
        when it has one), or the chain's (no store)."""
        store_id = _desk_of(context.actor, store_id)
        access.require(context.actor, Capability.SERVE_CUSTOMERS, store_id)
        bounds.require_id(customer_id, "customer_id")
        bounds.require_id(store_id, "store_id")
        case_id, now = self.new_id(), self.clock.now()
        request = idempotent(
            idempotency_key, "open_service_case", customer_id=customer_id, store_id=store_id
        )

        async def decide() -> Decision[CaseChanged]:
            await self._require_known_customer(customer_id)
            if store_id is not None:
                await self._location(store_id)
            customer = await self.survivor_of(customer_id)
            case = ServiceCase.open(case_id, customer, store_id, now)
            return Decision([case], _changed(case))

        return await self._execute(decide, CaseChanged, context, request)

    async def contact_service_case(self, case_id: UUID, context: Context) -> Done[CaseChanged]:
        """The customer came back about the case (a resolved one opens again)."""
        return await self._on_case(case_id, context, ServiceCase.contact_again)

    async def resolve_service_case(self, case_id: UUID, context: Context) -> Done[CaseChanged]:
        return await self._on_case(case_id, context, ServiceCase.resolve)

    async def _on_case(
        self, case_id: UUID, context: Context, command: Callable[[ServiceCase, datetime], None]
    ) -> Done[CaseChanged]:
        now = self.clock.now()

        async def decide() -> Decision[CaseChanged]:
            case = await self.repository.get(case_id, ServiceCase)
            access.require(context.actor, Capability.SERVE_CUSTOMERS, case.store_id)
            command(case, now)
            return Decision([case], _changed(case))

        return await self._execute(decide, CaseChanged, context)


def _desk_of(actor: Actor, store_id: str | None) -> str | None:
    """A desk in one store records its cases there unless it names another of its stores."""
    if store_id is None and actor.kind in access.STORE_SCOPED and len(actor.stores) == 1:
        return actor.stores[0]
    return store_id
