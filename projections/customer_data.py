"""Everything the system holds about one customer, as one JSON document (the right of access):
who they are (the directory), what they agreed to and its history, every cart, order, pickup,
return and till sale with each of its events and who recorded it from where, the lookups that
identified them, the questions put to them and their answers, their service-desk cases, their
loyalty ledger, the messages sent to them, and their timeline.

The customer's business is found through the timeline's subjects (a merged profile's included:
they follow the survivor) and read from the event log itself, so the document holds each fact
as recorded, not a summary of it. The read models that answer the API (carts, orders, the
board) are computed from these same events and are not repeated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from adapters.postgres.customers import customers_by_id
from adapters.postgres.store import PostgresEventStore
from domain.customer.profile import CustomerProfile
from domain.ports import RecordedEvent
from domain.repository import Repository
from domain.values import customer_carts_id, customer_profile_id
from projections import timeline_queries

FORMAT = "omnicommerce.customer-data/1"
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
SECTIONS = {
    "cart": "carts",
    "order": "orders",
    "pickup": "pickups",
    "return": "returns",
    "sale": "tillSales",
    "lookup": "identityLookups",
    "profile": "profileHistory",
    "feedback": "feedback",
    "case": "serviceCases",
    "loyalty": "loyalty",  # the points ledger: points and ids only
}
PAGE = 1000


async def customer_data(
    store: PostgresEventStore, customer_id: str, exported_at: datetime
) -> dict[str, Any]:
    """The whole document, as JSON-ready builtins (camelCase keys)."""
    pool = store.pool
    subjects = await _subjects(pool, customer_id)
    sections: dict[str, list[Any]] = {section: [] for section in SECTIONS.values()}
    for subject_id, kind in subjects:
        sections[SECTIONS[kind]].append(
            {"id": str(subject_id), "events": await _history(store, subject_id)}
        )
    profile = await Repository(store).find(customer_profile_id(customer_id), CustomerProfile)
    own_ids = [customer_id, *(profile.merged_from if profile else [])]
    return {
        "format": FORMAT,
        "customerId": customer_id,
        "exportedAt": exported_at.isoformat(),
        "profile": await _profile(pool, customer_id, profile),
        "consents": _consents(profile, sections["profileHistory"]),
        **sections,
        "currentCartHistory": [
            {"customerId": own, "events": await _history(store, customer_carts_id(own))}
            for own in own_ids
        ],
        "notifications": await _notifications(pool, subjects),
        "timeline": await _timeline(pool, customer_id),
    }


async def _subjects(pool: asyncpg.Pool, customer_id: str) -> list[tuple[UUID, str]]:
    rows = await pool.fetch(
        """SELECT subject_id, kind FROM timeline_subject WHERE customer_id = $1
           ORDER BY kind, subject_id""",
        customer_id,
    )
    return [(row["subject_id"], row["kind"]) for row in rows if row["kind"] in SECTIONS]


async def _history(store: PostgresEventStore, stream_id: UUID) -> list[dict[str, Any]]:
    """The stream's events, oldest first, each with who recorded it, where and when."""
    newest_first: list[RecordedEvent] = []
    while True:
        before = newest_first[-1].version if newest_first else None
        batch = await store.history(stream_id, PAGE, before)
        newest_first.extend(batch)
        if len(batch) < PAGE:
            return [_event(recorded) for recorded in reversed(newest_first)]


def _event(recorded: RecordedEvent) -> dict[str, Any]:
    """`context` and `data` are the event's own metadata and fields, named as the log names
    them."""
    e = recorded.event
    data = {f.name: getattr(e, f.name) for f in dataclasses.fields(e) if f.name not in ENVELOPE}  # type: ignore[arg-type]
    return {
        "version": recorded.version,
        "type": type(e).__qualname__,
        "recordedAt": recorded.recorded_at.isoformat(),
        "context": msgspec.to_builtins(recorded.context),
        "data": msgspec.to_builtins(data),
    }


async def _profile(
    pool: asyncpg.Pool, customer_id: str, profile: CustomerProfile | None
) -> dict[str, Any]:
    merged_from = list(profile.merged_from) if profile else []
    directory = await customers_by_id(pool, [customer_id, *merged_from])
    entry = directory.get(customer_id)
    return {
        "directory": _camel(entry) if entry else None,
        "mergedFrom": [
            {"customerId": merged, "directory": _camel(found) if found else None}
            for merged in merged_from
            for found in [directory.get(merged)]
        ],
        "mergedInto": profile.merged_into if profile else None,
        "erasureRequested": profile.erasure_requested if profile else False,
    }


DECISIONS = ("CustomerProfile.ConsentGiven", "CustomerProfile.ConsentWithdrawn")


def _consents(profile: CustomerProfile | None, history: list[dict[str, Any]]) -> dict[str, Any]:
    """The last word per channel, and every word, oldest first (a merged profile's too)."""
    current = sorted(profile.consents.values(), key=lambda c: c.channel) if profile else []
    decisions = [
        _decision(event)
        for stream in history
        for event in stream["events"]
        if event["type"] in DECISIONS
    ]
    return {
        "current": [_camel(consent) for consent in current],
        "history": sorted(decisions, key=lambda decision: str(decision["at"])),
    }


def _decision(event: dict[str, Any]) -> dict[str, Any]:
    data = event["data"]
    return {
        "channel": data["channel"],
        "granted": event["type"] == DECISIONS[0],
        "source": data["source"],
        "wordingVersion": data["wording_version"],
        "at": data["at"],
        "recordedBy": event["context"]["actor"],
    }


async def _notifications(
    pool: asyncpg.Pool, subjects: Iterable[tuple[UUID, str]]
) -> list[dict[str, Any]]:
    """What the mailing consumers did with messages about their pickups, carts, returns, till
    sales and cases (a ready notice, a reminder, a survey)."""
    mailed = ("pickup", "cart", "return", "sale", "case")
    patterns = [f"{subject_id}:%" for subject_id, kind in subjects if kind in mailed]
    rows = await pool.fetch(
        """SELECT message_id, outcome, recipient, recorded_at FROM outbox_notifications
           WHERE message_id LIKE ANY($1::text[]) ORDER BY recorded_at, message_id""",
        patterns,
    )
    return [
        {
            "messageId": row["message_id"],
            "outcome": row["outcome"],
            "recipient": row["recipient"],
            "recordedAt": row["recorded_at"].isoformat(),
        }
        for row in rows
    ]


async def _timeline(pool: asyncpg.Pool, customer_id: str) -> list[dict[str, Any]]:
    touchpoints: list[Any] = []
    after = None
    while True:
        page = await timeline_queries.timeline(pool, customer_id, PAGE, after)
        touchpoints.extend(page.touchpoints)
        if not page.has_more:
            return [_camel(touchpoint) for touchpoint in touchpoints]
        after = page.end_cursor


def _camel(value: msgspec.Struct) -> dict[str, Any]:
    """A struct's fields as builtins, their names in camelCase as the API's."""
    fields: dict[str, Any] = msgspec.to_builtins(value)
    return {_camel_name(name): field for name, field in fields.items()}


def _camel_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
