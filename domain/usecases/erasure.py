"""Erasure of a customer (issue 20, item 2): crypto-shredding inside the event-sourced history.

The service desk or an admin erases a customer at once, with a reason; a customer asks for it
themselves (`request_erasure`) and it is carried out once the retailer's waiting period has
passed (`erase_due`, run by `omni tick`). The decision is one event on the customer's profile
stream, `CustomerProfile.Erased`, so a merge of the same person collides with it on that
stream's version. Only after it is committed are the keys forgotten and the read side scrubbed
(the `CustomerEraser` port, one transaction); both steps are idempotent, so a crash between
them is finished by the next `erase_due`. Refused while the customer (or a profile merged into
them) has an open pickup or a return not yet refunded: money or goods are still moving.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain import access, bounds
from domain.access import Capability
from domain.customer.profile import CustomerErased, CustomerProfile
from domain.errors import DomainError, ErrorCode
from domain.personal import customer_subject
from domain.pickup.model import FINISHED, Pickup
from domain.ports import Position, RecordedEvent
from domain.returns.model import Return, ReturnStatus
from domain.usecases.base import Decision, Done
from domain.usecases.profiles import CustomerProfiles
from domain.values import ActorKind, Context, customer_profile_id


class ErasureBlocked(DomainError):
    code = ErrorCode.ERASURE_BLOCKED
    subject = "customer_id"
    message = "customer {customer_id} has {what}: erase them once it is closed"


class ErasureNotDue(DomainError):
    code = ErrorCode.ERASURE_NOT_DUE
    subject = "customer_id"
    message = "the erasure of customer {customer_id} is due at {due_at}, not before"


class Erasure(msgspec.Struct, frozen=True):
    """The customer erased, and the profiles merged into them that were erased with them."""

    customer_id: str
    merged_from: list[str] = []


class ErasureUseCases(CustomerProfiles):
    async def erase_customer(
        self, customer_id: str, reason: str, context: Context
    ) -> Done[Erasure]:
        """Erase now (the service desk or an admin, with a reason), or the customer's own
        request once its waiting period has passed."""
        themself = context.actor.kind is ActorKind.CUSTOMER and context.actor.id == customer_id
        if not themself:
            access.require(context.actor, Capability.SERVE_CUSTOMERS)
        bounds.require_id(customer_id, "customer_id")
        bounds.require_text(reason, "reason")
        if not reason.strip():
            raise bounds.OutOfBounds("reason", "reason: say why the customer is erased")
        now = self.clock.now()

        async def decide() -> Decision[Erasure]:
            if not themself:
                await self._require_known_customer(customer_id)
            profile = await self._profile(customer_id, now)
            if profile.erased:
                raise CustomerErased(customer_id=customer_id)
            if themself or context.actor.kind is ActorKind.SYSTEM:
                self._require_due(profile, now)
            profile.request_erasure(reason, now)  # nothing new when the customer asked
            await self._require_nothing_open([customer_id, *profile.merged_from])
            profile.erase(now)
            return Decision([profile], Erasure(customer_id, list(profile.merged_from)))

        done = await self._execute(decide, Erasure, context)
        await self._shred([done.result.customer_id, *done.result.merged_from])
        return done

    def erasure_due_at(self, profile: CustomerProfile) -> datetime | None:
        if profile.erasure_requested_at is None:
            return None
        return profile.erasure_requested_at + timedelta(days=self.erasure_waiting_days)

    async def erase_due(self, context: Context) -> list[str]:
        """Carry out every customer's own request whose waiting period has passed, and finish
        any erasure whose keys were not yet forgotten. Blocked ones wait for the next run.
        Answers the customers erased (or finished) in this run."""
        access.require(context.actor, Capability.SERVE_CUSTOMERS)
        done: list[str] = []
        for stream_id in await self._erasure_requests():
            profile = await self.repository.find(stream_id, CustomerProfile)
            if profile is None or profile.merged_into is not None:
                continue
            if profile.erased:
                await self._shred([profile.customer_id, *profile.merged_from])
                continue
            due = self.erasure_due_at(profile)
            if due is None or due > self.clock.now():
                continue
            try:
                await self.erase_customer(profile.customer_id, "requested", context)
            except (ErasureBlocked, CustomerErased):
                continue
            done.append(profile.customer_id)
        return done

    def _require_due(self, profile: CustomerProfile, now: datetime) -> None:
        due = self.erasure_due_at(profile)
        if due is None or due > now:
            raise ErasureNotDue(
                customer_id=profile.customer_id,
                due_at="never: it was not requested" if due is None else due.isoformat(),
            )

    async def _require_nothing_open(self, customer_ids: Sequence[str]) -> None:
        """No open pickup and no return waiting for its refund, of any of these customers."""
        for stream_id in await self._pickups_and_returns_of(customer_ids):
            found = await self.repository.find(stream_id, Aggregate)
            if isinstance(found, Pickup) and found.status not in FINISHED:
                raise ErasureBlocked(customer_id=found.customer_id, what=f"open pickup {found.id}")
            if isinstance(found, Return) and _unrefunded(found):
                what = f"return {found.id} not yet refunded"
                raise ErasureBlocked(customer_id=found.customer_id, what=what)

    async def _pickups_and_returns_of(self, customer_ids: Sequence[str]) -> list[UUID]:
        """By the eraser's index; else (a store of its own, as in tests) read from the log."""
        if self.eraser is not None:
            return await self.eraser.pickups_and_returns_of(customer_ids)
        wanted = set(customer_ids)
        topics = (get_topic(Pickup.Requested), get_topic(Return.Requested))
        return [
            r.stream_id
            for r in await self._read_topics(topics)
            if getattr(r.event, "customer_id", None) in wanted
        ]

    async def _erasure_requests(self) -> list[UUID]:
        if self.eraser is not None:
            return await self.eraser.erasure_requests()
        topics = (get_topic(CustomerProfile.ErasureRequested),)
        return list(dict.fromkeys(r.stream_id for r in await self._read_topics(topics)))

    async def _read_topics(self, topics: tuple[str, ...]) -> list[RecordedEvent]:
        found: list[RecordedEvent] = []
        after = Position()
        while batch := await self.store.read_all(after, 1000, topics):
            after = batch[-1].position
            found += batch
        return found

    async def _shred(self, customer_ids: Sequence[str]) -> None:
        if self.eraser is not None:
            await self.eraser.erase(customer_ids)
            return
        for customer_id in customer_ids:
            await self.store.forget(customer_subject(customer_id))

    async def is_erased(self, customer_id: str) -> bool:
        found = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
        return found is not None and found.erased


def _unrefunded(item: Return) -> bool:
    return item.refunded is None and item.status is not ReturnStatus.CANCELLED
