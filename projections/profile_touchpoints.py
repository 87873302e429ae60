"""What a customer's own facts mean on their timeline (consent, merges, an erasure request, a
till identifying them; answers and service-desk cases: feedback_touchpoints.py): pure functions,
like touchpoints.py, whose subjects and fold they use."""

from __future__ import annotations

from uuid import UUID

from domain.customer.lookup import ShopperLookup
from domain.customer.profile import CustomerProfile
from domain.feedback.model import CustomerFeedback
from domain.loyalty.model import LoyaltyAccount
from domain.ports import RecordedEvent
from domain.service_desk.model import ServiceCase
from projections.feedback_touchpoints import FEEDBACK_TOPICS, follow_feedback
from projections.loyalty_touchpoints import LOYALTY_TOPICS, follow_loyalty
from projections.touchpoints import CLOSED, Fold, Kind, Subject, Touch, follow

PROFILE_TOPICS = (
    "domain.customer.profile:CustomerProfile.",
    "domain.customer.lookup:ShopperLookup.",
    *FEEDBACK_TOPICS,
    *LOYALTY_TOPICS,
)


def follow_any(recorded: RecordedEvent, fold: Fold) -> tuple[Subject, Touch] | None:
    """The touchpoint of any event the timeline reads: the customer's own, or their business."""
    e = recorded.event
    if isinstance(e, CustomerProfile.Event | ShopperLookup.Made):
        return follow_profile(recorded.stream_id, e, fold)
    if isinstance(e, CustomerFeedback.Event | ServiceCase.Event):
        return follow_feedback(recorded.stream_id, e, fold)
    if isinstance(e, LoyaltyAccount.Event):
        return follow_loyalty(recorded.stream_id, e, fold)
    return follow(recorded, fold)


def follow_profile(
    stream_id: UUID, e: CustomerProfile.Event | ShopperLookup.Made, fold: Fold
) -> tuple[Subject, Touch] | None:
    """Consent, merges, erasure requests and lookups: the customer's own touchpoints."""
    if isinstance(e, ShopperLookup.Made):
        if e.customer_id is None:
            return None  # a miss names nobody: it stays in the log, on nobody's timeline
        lookup = fold.subjects[stream_id] = Subject(stream_id, "lookup", e.customer_id, CLOSED)
        how = e.by.value.replace("_", " ").replace("email", "e-mail")
        where = f" at {e.store_id}" if e.store_id else ""
        return lookup, Touch(Kind.SHOPPER_IDENTIFIED, f"Identified by {how}{where}", e.store_id)
    if isinstance(e, CustomerProfile.Opened):
        fold.subjects[stream_id] = Subject(stream_id, "profile", e.customer_id, CLOSED)
        return None
    profile = fold.subjects[stream_id]
    touch = _profile_touch(e)
    if isinstance(e, CustomerProfile.MergedInto):
        fold.merge(e.customer_id, e.survivor_id)
    return (profile, touch) if touch is not None else None


def _profile_touch(e: CustomerProfile.Event) -> Touch | None:
    match e:
        case CustomerProfile.ConsentGiven():
            told = f"Said yes to marketing by {e.channel} ({e.source}, wording {e.wording_version})"
            return Touch(Kind.CONSENT_GIVEN, told)
        case CustomerProfile.ConsentWithdrawn():
            return Touch(
                Kind.CONSENT_WITHDRAWN, f"Said no to marketing by {e.channel} ({e.source})"
            )
        case CustomerProfile.DuplicateAbsorbed():
            return Touch(Kind.PROFILES_MERGED, f"Profile {e.duplicate_id} merged into this one")
        case CustomerProfile.MarketingSent():
            what = e.message.value.replace("_", " ")
            article = "an" if what[0] in "aeiou" else "a"
            return Touch(Kind.MARKETING_SENT, f"Sent {article} {what} by {e.channel}")
        case CustomerProfile.ErasureRequested():
            return Touch(Kind.ERASURE_REQUESTED, "Asked to be erased")
        case CustomerProfile.Erased():
            return Touch(Kind.ERASED, "Erased: personal data forgotten, business kept")
    return None
