"""Personal data, declared beside the events that carry it, and whose it is (DESIGN §10).

Every text an event or an aggregate's state holds is typed with one of the classifications
below, so the declaration sits on the field itself (`reason: PersonalText`). The personal
ones are encrypted by the event store with their data subject's key and read back as
`ERASED` once that key is forgotten (crypto-shredding); the others are business facts and
stay exact. `domain/register.py` derives the one list of personal fields from these types, and
a test refuses any text field that is not classified.

Whose data it is: each aggregate names its `data_subject` (a customer, or a guest by their
cart); an event without one falls back to the person acting (the context's actor, when a
customer or guest) and then to a key of its own stream. A guest who signs in is linked to
the customer, so forgetting the customer forgets the guest's key too.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Annotated, Any, NewType, Protocol
from uuid import UUID

ERASED = "[erased]"  # what a personal text reads as once its subject's key is forgotten


@dataclasses.dataclass(frozen=True)
class Classification:
    """Whether a text can single a person out, and what kind of text it is."""

    personal: bool
    kind: str


# Personal: encrypted with the data subject's key.
PersonalText = Annotated[str, Classification(True, "free text a customer or an associate wrote")]
DeviceId = Annotated[str, Classification(True, "the id of a device tied to a person")]
ContactDetail = Annotated[str, Classification(True, "a name, e-mail, phone or address")]

# Not personal: kept in the clear, exact after an erasure.
Code = Annotated[
    str, Classification(False, "an id or code the system, catalog or a provider issues")
]
SystemText = Annotated[
    str, Classification(False, "text the system writes, never typed by a person")
]
# A customer id stays as a pseudonym once the directory row, the key and the sign-in mapping
# that tie it to a person are gone (issue 20).
CustomerRef = Annotated[str, Classification(False, "a customer's id: a pseudonym")]
StaffRef = Annotated[str, Classification(False, "an associate's staff id: who did the work")]

DataSubject = NewType("DataSubject", str)


def customer_subject(customer_id: str) -> DataSubject:
    return DataSubject(f"customer:{customer_id}")


def guest_subject(cart_id: UUID) -> DataSubject:
    """A shopper who has not signed in, known by the cart they hold."""
    return DataSubject(f"guest:{cart_id}")


def stream_subject(stream_id: UUID) -> DataSubject:
    """Personal data of no known customer (a guest's collection proof, a count's note)."""
    return DataSubject(f"stream:{stream_id}")


class NamesItsSubject(Protocol):
    @property
    def data_subject(self) -> DataSubject | None: ...


@dataclasses.dataclass(frozen=True)
class DataSubjects:
    """Whose personal data an append carries: each stream's subject, and the guests a
    sign-in linked to a customer in it (guest subject, customer subject)."""

    of_streams: dict[UUID, DataSubject] = dataclasses.field(default_factory=dict)
    links: tuple[tuple[DataSubject, DataSubject], ...] = ()


NO_SUBJECTS = DataSubjects()


def subjects_of(saved: Iterable[tuple[Any, Sequence[Any]]]) -> DataSubjects:
    """The subjects of aggregates being saved with their new events. An event that links a
    guest (`linked_guest`) links them to its aggregate's subject."""
    of_streams: dict[UUID, DataSubject] = {}
    links: list[tuple[DataSubject, DataSubject]] = []
    for aggregate, new_events in saved:
        subject = getattr(aggregate, "data_subject", None)
        if subject is None:
            continue
        of_streams[aggregate.id] = subject
        for new_event in new_events:
            guest = getattr(new_event, "linked_guest", None)
            if guest is not None and guest != subject:
                links.append((guest, subject))
    return DataSubjects(of_streams, tuple(links))


@cache
def personal_fields(cls: type) -> tuple[str, ...]:
    """The fields of an event class (or attributes of an aggregate) declared personal: always
    a text or an optional text at the top level (the register's test holds them to that)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple(name for name, hint in hints.items() if is_personal(hint))


def classification_of(hint: Any) -> Classification | None:
    """The classification of a text type, also inside `X | None`; None if unclassified."""
    if typing.get_origin(hint) is Annotated:
        found = [m for m in hint.__metadata__ if isinstance(m, Classification)]
        return found[0] if found else None
    arguments = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(arguments) == 1 and type(None) in typing.get_args(hint):
        return classification_of(arguments[0])
    return None


def is_personal(hint: Any) -> bool:
    found = classification_of(hint)
    return found is not None and found.personal
