"""What the loyalty ledger's movements mean on a customer's timeline: pure functions, like
touchpoints.py, whose subjects and fold they use. The ledger is one subject per customer."""

from __future__ import annotations

from uuid import UUID

from domain.loyalty.model import LoyaltyAccount
from projections.touchpoints import CLOSED, Fold, Kind, Subject, Touch

LOYALTY_TOPICS = ("domain.loyalty.model:LoyaltyAccount.",)


def _on(source: str) -> str:
    return "a till sale" if source.startswith("sale:") else "an order"


def _owing(owed: int) -> str:
    return f" ({owed} owed)" if owed else ""


def _about(ledger: Subject, source: str) -> Subject:
    """The ledger as the row names it, tied to the purchase the points moved for (kept out of
    the fold's subjects, as feedback's are)."""
    about = Subject(ledger.id, "loyalty", ledger.customer_id, CLOSED)
    kind, _, purchase = source.partition(":")
    try:
        purchase_id = UUID(purchase)
    except ValueError:
        return about
    if kind == "sale":
        about.sale_id = purchase_id
    elif kind == "order":
        about.order_id = purchase_id
    return about


def follow_loyalty(
    stream_id: UUID, e: LoyaltyAccount.Event, fold: Fold
) -> tuple[Subject, Touch] | None:
    if isinstance(e, LoyaltyAccount.Opened):
        fold.subjects[stream_id] = Subject(stream_id, "loyalty", e.customer_id, CLOSED)
        return None
    ledger = fold.subjects[stream_id]
    match e:
        case LoyaltyAccount.Earned():
            settled = f" ({e.settled} paid off what was owed)" if e.settled else ""
            told = f"Earned {e.points} points on {_on(e.source)}{settled}"
            return _about(ledger, e.source), Touch(Kind.POINTS_EARNED, told)
        case LoyaltyAccount.Redeemed():
            told = f"Paid {e.value} with {e.points} points on {_on(e.source)}"
            return _about(ledger, e.source), Touch(Kind.POINTS_REDEEMED, told)
        case LoyaltyAccount.Reversed():
            owed = f" ({e.owed} owed)" if e.owed else ""
            told = f"{e.points} points taken back for a refund{owed}"
            return _about(ledger, e.source), Touch(Kind.POINTS_REVERSED, told)
        case LoyaltyAccount.Restored():
            why = "a refund" if e.refunded is not None else "its cancellation"
            told = f"{e.points} points paid with given back on {_on(e.source)} ({why})"
            return _about(ledger, e.source), Touch(Kind.POINTS_RESTORED, told)
        case LoyaltyAccount.Expired():
            return ledger, Touch(Kind.POINTS_EXPIRED, f"{e.points} points expired")
        case LoyaltyAccount.TransferredOut():
            told = (
                f"{e.points} points{_owing(e.owed)} moved to the profile this one was merged into"
            )
            return ledger, Touch(Kind.POINTS_TRANSFERRED_OUT, told)
        case LoyaltyAccount.TransferredIn():
            told = f"{e.points} points{_owing(e.owed)} came from a profile merged into this one"
            return ledger, Touch(Kind.POINTS_TRANSFERRED_IN, told)
    return None
