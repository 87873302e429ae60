"""The customer's own facts on their timeline: consent given and withdrawn, a till identifying
them, a marketing message sent, an erasure asked for; and a merged profile's whole past
following the survivor, earlier touchpoints and later ones alike."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart
from domain.customer.consent import ConsentSource, MarketingChannel, MessageKind
from domain.customer.lookup import IdentifyBy, LookupOutcome, ShopperLookup
from domain.customer.profile import CustomerProfile
from domain.values import customer_profile_id
from projections import customer_timeline
from projections.customer_timeline import CustomerTimeline
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import LAPTOP, PHONE, SCHEDULER, TILL, cart_started, stream, t
from tests.read_models.timeline_facts import WEB, sale

EMAIL = MarketingChannel.EMAIL
ADA_PROFILE = Stream(customer_profile_id("cust-ada"), PHONE)
OLD_PROFILE = Stream(customer_profile_id("cust-ada-old"), LAPTOP)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CustomerTimeline())


async def touchpoints(pool: asyncpg.Pool, customer_id: str) -> list[tuple[str, str | None, str]]:
    """(kind, store, summary) of each touchpoint, newest first."""
    page = await customer_timeline.timeline(pool, customer_id, first=100)
    return [(t.kind, t.store_id, t.summary) for t in page.touchpoints]


def opened(profile: Stream, customer_id: str, minutes: float) -> Fact:
    return profile.recorded(CustomerProfile.Opened, customer_id=customer_id, at=t(minutes))


def lookup(number: int, customer_id: str | None, minutes: float) -> Fact:
    outcome = LookupOutcome.FOUND if customer_id else LookupOutcome.NOT_FOUND
    return Stream(UUID(int=1000 + number), TILL).recorded(
        ShopperLookup.Made,
        by=IdentifyBy.EMAIL,
        store_id="AMS-ZUID",
        outcome=outcome,
        customer_id=customer_id,
        at=t(minutes),
    )


async def test_consent_a_lookup_a_reminder_and_an_erasure_request_are_touchpoints(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(opened(ADA_PROFILE, "cust-ada", 0))
        .when(
            ADA_PROFILE.recorded(
                CustomerProfile.ConsentGiven,
                channel=EMAIL,
                source=ConsentSource.APP,
                wording_version="mkt-v1",
                at=t(1),
            ),
            lookup(1, "cust-ada", 2),
            lookup(2, None, 3),  # a miss names nobody
            ADA_PROFILE.recorded(
                CustomerProfile.MarketingSent,
                message=MessageKind.ABANDONED_CART_REMINDER,
                channel=EMAIL,
                about=WEB.id,
                at=t(4),
                context=SCHEDULER,
            ),
            ADA_PROFILE.recorded(
                CustomerProfile.ConsentWithdrawn,
                channel=EMAIL,
                source=ConsentSource.TILL,
                wording_version="mkt-v1",
                at=t(5),
                context=TILL,
            ),
            ADA_PROFILE.recorded(CustomerProfile.ErasureRequested, reason="moving", at=t(6)),
        )
        .then(
            answer(touchpoints, "cust-ada").equals(
                [
                    ("erasure_requested", None, "Asked to be erased"),
                    ("consent_withdrawn", None, "Said no to marketing by email (till)"),
                    ("marketing_sent", None, "Sent an abandoned cart reminder by email"),
                    ("shopper_identified", "AMS-ZUID", "Identified by e-mail at AMS-ZUID"),
                    (
                        "consent_given",
                        None,
                        "Said yes to marketing by email (app, wording mkt-v1)",
                    ),
                ]
            ),
            # Neither the profile nor a lookup is business with a store (the staff scope).
            answer(customer_timeline.has_business_with, "cust-ada", "AMS-ZUID").equals(False),
            answer(customer_timeline.is_known, "cust-ada").equals(True),
        )
    )


async def test_a_merged_profiles_past_and_later_facts_follow_the_survivor(
    spec: ProjectionSpec,
) -> None:
    old_cart = stream(40, LAPTOP)
    await (
        spec.given(
            opened(ADA_PROFILE, "cust-ada", 0),
            opened(OLD_PROFILE, "cust-ada-old", 0),
            cart_started(old_cart, t(1), "cust-ada-old"),
            sale(1, "cust-ada-old", 2),
        )
        .when(
            OLD_PROFILE.recorded(
                CustomerProfile.MergedInto,
                customer_id="cust-ada-old",
                survivor_id="cust-ada",
                at=t(10),
            ),
            ADA_PROFILE.recorded(
                CustomerProfile.DuplicateAbsorbed,
                duplicate_id="cust-ada-old",
                consents=[],
                at=t(10),
            ),
            old_cart.recorded(Cart.Abandoned, at=t(20)),  # a later fact of the duplicate's cart
        )
        .then(
            answer(touchpoints, "cust-ada").equals(
                [
                    ("cart_abandoned", None, "Cart given up after a month idle"),
                    ("profiles_merged", None, "Profile cust-ada-old merged into this one"),
                    ("in_store_sale", "AMS-ZUID", "Bought 2 items for 63.95 EUR"),
                    ("cart_started", None, "Started a cart"),
                ]
            ),
            answer(touchpoints, "cust-ada-old").equals([]),
            rows(
                "timeline_subject",
                "kind customer_id",
                [
                    ("profile", "cust-ada"),
                    ("profile", "cust-ada"),
                    ("cart", "cust-ada"),
                    ("sale", "cust-ada"),
                ],
            ),
        )
    )
