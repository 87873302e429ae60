"""The customer's answers and service-desk cases on their timeline: an answer is a touchpoint
of the pickup it was about (its journey's cart and order too), with no comment in its summary;
a case is opened, contacted again and resolved where the desk is."""

from __future__ import annotations

import asyncpg
import msgspec
import pytest

from domain.feedback.values import Question
from projections import customer_timeline
from projections.customer_timeline import CustomerTimeline
from tests.projection_spec import ProjectionSpec, answer
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import t
from tests.read_models.feedback_facts import (
    an_id,
    answered,
    asked,
    case_opened,
    contacted_again,
    opened,
    pickup_collected,
    resolved,
    sent,
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CustomerTimeline())


async def touchpoints(pool: asyncpg.Pool, customer_id: str) -> list[tuple[object, ...]]:
    page = await customer_timeline.timeline(pool, customer_id, first=100)
    return [(t.kind, t.store_id, t.pickup_id, t.cart_id, t.summary) for t in page.touchpoints]


async def test_an_answer_is_a_touchpoint_of_its_pickup_and_a_case_of_the_desk(
    spec: ProjectionSpec,
) -> None:
    collected = pickup_collected("pickup-9", "AMS-CENTRAAL", t(10))
    touch = msgspec.structs.replace(collected, cart_id=an_id("cart-9"))
    await spec.given(
        opened("cust-ada"), asked("cust-ada", "pickup-9", touch, Question.CSAT)
    ).when(
        sent("cust-ada", "pickup-9", t(11)),
        answered("cust-ada", "pickup-9", touch, Question.CSAT, 4, t(20), "Lovely people"),
        case_opened("desk-1", "AMS-ZUID", t(30)),
        contacted_again("desk-1", t(40)),
        resolved("desk-1", t(50)),
    ).then(
        answer(touchpoints, "cust-ada").equals([
            ("service_case_resolved", "AMS-ZUID", None, None, "Service desk case resolved"),
            ("service_case_contacted", "AMS-ZUID", None, None, "Contacted the service desk again"),
            ("service_case_opened", "AMS-ZUID", None, None,
             "Contacted the service desk at AMS-ZUID"),
            ("feedback_given", "AMS-CENTRAAL", an_id("pickup-9"), an_id("cart-9"),
             "Rated the pickup 4 of 5 (CSAT), with a comment"),
        ])
    )  # fmt: skip
