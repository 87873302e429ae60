"""The customer's voice: every question put to a customer after a journey point (asked, sent,
answered, with the facts the breakdowns need), and the service desk's cases for first-contact
resolution. Folded per batch into a few set-based statements; the figures are its queries
(projections/feedback_queries.py).

Comments never come here: they are the customer's words, sealed in the event store, and a
read model keeps its text in the clear. A row says only whether there was one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.feedback.model import CustomerFeedback
from domain.ports import RecordedEvent
from domain.service_desk.model import ServiceCase
from projections.batch import columns
from projections.feedback_queries import (
    FcrStats,
    FeedbackScore,
    FeedbackStats,
    feedback_report,
    feedback_scores,
    feedback_stats,
    first_contact_resolution,
)
from projections.runner import Projection

REQUEST_TYPES = (  # noqa: SIM905
    "uuid text uuid text text text timestamptz timestamptz timestamptz uuid uuid "
    "timestamptz timestamptz timestamptz timestamptz timestamptz int2 bool"
).split()
CASE_TYPES = "uuid text text timestamptz int4 timestamptz timestamptz".split()  # noqa: SIM905


@dataclass
class _Request:
    """A request's columns, in table order; in a batch's fold, None is "not set by it"."""

    request_id: UUID
    point: str | None = None
    subject_id: UUID | None = None
    store_id: str | None = None
    channel: str | None = None
    question: str | None = None
    occurred_at: datetime | None = None
    requested_at: datetime | None = None
    expires_at: datetime | None = None
    cart_id: UUID | None = None
    order_id: UUID | None = None
    promised_ready_at: datetime | None = None
    ready_at: datetime | None = None
    return_requested_at: datetime | None = None
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    score: int | None = None
    has_comment: bool = False


@dataclass
class _Case:
    case_id: UUID
    customer_id: str | None = None
    store_id: str | None = None
    opened_at: datetime | None = None
    contacts: int = 0  # added by this batch
    second_contact_at: datetime | None = None
    first_resolved_at: datetime | None = None


class Feedback(Projection):
    name = "feedback"
    version = 1
    topics = ("domain.feedback.model:CustomerFeedback.", "domain.service_desk.model:ServiceCase.")
    tables = ("feedback_request", "feedback_case")
    schema = """
    CREATE TABLE feedback_request{s} (
        request_id           uuid PRIMARY KEY,
        point                text NOT NULL,
        subject_id           uuid NOT NULL,
        store_id             text,
        channel              text NOT NULL,
        question             text NOT NULL,
        occurred_at          timestamptz NOT NULL,
        requested_at         timestamptz NOT NULL,
        expires_at           timestamptz NOT NULL,
        cart_id              uuid,
        order_id             uuid,
        promised_ready_at    timestamptz,
        ready_at             timestamptz,
        return_requested_at  timestamptz,
        sent_at              timestamptz,
        answered_at          timestamptz,
        score                smallint,
        has_comment          boolean NOT NULL
    );
    CREATE INDEX feedback_request_occurred{s} ON feedback_request{s} (occurred_at);
    CREATE INDEX feedback_request_store{s} ON feedback_request{s} (store_id, occurred_at);
    CREATE TABLE feedback_case{s} (
        case_id            uuid PRIMARY KEY,
        customer_id        text NOT NULL,
        store_id           text,
        opened_at          timestamptz NOT NULL,
        contacts           integer NOT NULL,
        second_contact_at  timestamptz,
        first_resolved_at  timestamptz
    );
    CREATE INDEX feedback_case_opened{s} ON feedback_case{s} (opened_at);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        requests: dict[UUID, _Request] = {}
        cases: dict[UUID, _Case] = {}
        new_requests: set[UUID] = set()
        new_cases: set[UUID] = set()
        for recorded in batch:
            e = recorded.event
            if isinstance(e, CustomerFeedback.Event):
                _fold_feedback(e, requests, new_requests)
            elif isinstance(e, ServiceCase.Event):
                _fold_case(recorded.stream_id, e, cases, new_cases)
        await _write(connection, "feedback_request", suffix, requests, new_requests, REQUEST_TYPES)
        await _write(connection, "feedback_case", suffix, cases, new_cases, CASE_TYPES)


def _fold_feedback(
    e: CustomerFeedback.Event, requests: dict[UUID, _Request], new: set[UUID]
) -> None:
    match e:
        case CustomerFeedback.SurveyRequested():
            new.add(e.request_id)
            point, happened = e.touchpoint, e.happened
            requests[e.request_id] = _Request(
                e.request_id, point.point.value, point.subject_id,
                point.store_id, point.channel.value, e.question.value, point.occurred_at,
                e.at, e.expires_at, point.cart_id, point.order_id, happened.promised_ready_at,
                happened.ready_at, happened.return_requested_at,
            )  # fmt: skip
        case CustomerFeedback.SurveySent():
            row = requests.setdefault(e.request_id, _Request(e.request_id))
            row.sent_at = row.sent_at or e.at
        case CustomerFeedback.SurveyAnswered():
            row = requests.setdefault(e.request_id, _Request(e.request_id))
            if row.answered_at is None:
                row.answered_at, row.score, row.has_comment = e.at, e.score, e.comment is not None


def _fold_case(
    case_id: UUID, e: ServiceCase.Event, cases: dict[UUID, _Case], new: set[UUID]
) -> None:
    case = cases.setdefault(case_id, _Case(case_id))
    match e:
        case ServiceCase.Opened():
            new.add(case_id)
            case.customer_id, case.store_id, case.opened_at = e.customer_id, e.store_id, e.at
            case.contacts += 1
        case ServiceCase.ContactedAgain():
            case.contacts += 1
            case.second_contact_at = case.second_contact_at or e.at
        case ServiceCase.Resolved():
            case.first_resolved_at = case.first_resolved_at or e.at


async def _write(
    connection: asyncpg.Connection,
    table: str,
    suffix: str,
    rows: Mapping[UUID, _Request] | Mapping[UUID, _Case],
    new: set[UUID],
    types: Sequence[str],
) -> None:
    """New rows in one INSERT; later facts of known rows in one UPDATE, first value kept."""
    fresh = [tuple(vars(row).values()) for key, row in rows.items() if key in new]
    known = [tuple(vars(row).values()) for key, row in rows.items() if key not in new]
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(types, start=1))
    if fresh:
        await connection.execute(
            f"INSERT INTO {table}{suffix} SELECT * FROM unnest({arrays})",
            *columns(fresh, len(types)),
        )
    if known:
        await connection.execute(
            UPDATES[table].format(s=suffix, arrays=arrays), *columns(known, len(types))
        )


UPDATES = {
    "feedback_request": """
        UPDATE feedback_request{s} f SET sent_at = coalesce(f.sent_at, u.sent_at),
          answered_at = coalesce(f.answered_at, u.answered_at),
          score = coalesce(f.score, u.score),
          has_comment = CASE WHEN f.answered_at IS NULL THEN u.has_comment ELSE f.has_comment END
        FROM unnest({arrays}) AS u(request_id, point, subject_id, store_id, channel, question,
          occurred_at, requested_at, expires_at, cart_id, order_id, promised_ready_at, ready_at,
          return_requested_at, sent_at, answered_at, score, has_comment)
        WHERE f.request_id = u.request_id""",
    "feedback_case": """
        UPDATE feedback_case{s} c SET contacts = c.contacts + u.contacts,
          second_contact_at = coalesce(c.second_contact_at, u.second_contact_at),
          first_resolved_at = coalesce(c.first_resolved_at, u.first_resolved_at)
        FROM unnest({arrays}) AS u(case_id, customer_id, store_id, opened_at, contacts,
          second_contact_at, first_resolved_at)
        WHERE c.case_id = u.case_id""",
}


__all__ = [
    "FcrStats",
    "Feedback",
    "FeedbackScore",
    "FeedbackStats",
    "feedback_report",
    "feedback_scores",
    "feedback_stats",
    "first_contact_resolution",
]
