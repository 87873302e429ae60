"""The notifier's use cases: what it records, in the clock's time; bad input and a second
record refused with a typed error, nothing written."""

from __future__ import annotations

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.bounds import MAX_TEXT_LENGTH, TooLong
from domain.errors import NotAllowed
from domain.pickup.model import AlreadyNotified, Pickup
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context
from tests.shop import OPENING, make_service
from tests.unit.test_no_show import ready_pickup

NOTIFIER = Context()
CUSTOMER = Context(channel=Channel.WEB, device_id="phone", actor=Actor(ActorKind.CUSTOMER, "ada"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    return make_service(InMemoryEventStore(), clock)


async def test_failures_count_up_and_the_accepted_mail_is_recorded_at_the_clock(
    service: CommerceService, clock: ManualClock
) -> None:
    pickup_id = await ready_pickup(service)
    first = await service.record_notification_failed(pickup_id, "email", "421 busy", NOTIFIER)
    clock.advance(seconds=10)
    second = await service.record_notification_failed(pickup_id, "email", "421 busy", NOTIFIER)
    clock.advance(seconds=60)
    await service.record_customer_notified(pickup_id, "email", NOTIFIER)

    assert (first.result.attempt, second.result.attempt) == (1, 2)
    pickup = await service.repository.get(pickup_id, Pickup)
    assert [(n.channel, n.at) for n in pickup.notifications] == [("email", clock.now())]


async def test_a_second_record_of_the_same_notice_is_refused_and_writes_nothing(
    service: CommerceService,
) -> None:
    pickup_id = await ready_pickup(service)
    await service.record_customer_notified(pickup_id, "email", NOTIFIER)
    head = await service.store.last_position()

    with pytest.raises(AlreadyNotified) as refused:
        await service.record_customer_notified(pickup_id, "email", NOTIFIER)

    assert refused.value.code == "ALREADY_NOTIFIED"
    assert await service.store.last_position() == head


async def test_a_reason_past_its_bound_is_refused_and_writes_nothing(
    service: CommerceService,
) -> None:
    pickup_id = await ready_pickup(service)
    head = await service.store.last_position()

    with pytest.raises(TooLong) as too_long:
        await service.record_notification_failed(
            pickup_id, "email", "x" * (MAX_TEXT_LENGTH + 1), NOTIFIER
        )

    assert too_long.value.subject == "reason"
    assert await service.store.last_position() == head


async def test_a_customer_cannot_claim_they_were_told(service: CommerceService) -> None:
    pickup_id = await ready_pickup(service)
    head = await service.store.last_position()

    with pytest.raises(NotAllowed):
        await service.record_customer_notified(pickup_id, "email", CUSTOMER)

    assert await service.store.last_position() == head
