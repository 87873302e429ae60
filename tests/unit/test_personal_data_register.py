"""Every text an event or an aggregate's state holds is declared personal or not, beside it;
the one list of personal data is derived from those declarations (domain/register.py)."""

from __future__ import annotations

import importlib
import pkgutil
from uuid import uuid4

import msgspec
from eventsourcing.domain import Aggregate

import domain
from domain.personal import (
    Code,
    PersonalText,
    customer_subject,
    guest_subject,
)
from domain.register import AGGREGATES, personal_data, recorded_classes, undeclared_texts
from domain.values import Actor, ActorKind, Context, context_subject


def _domain_aggregates() -> set[type]:
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)
    found, todo = set(), list(Aggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("domain."):
            found.add(cls)
    return found


def test_every_aggregate_of_the_domain_is_in_the_register() -> None:
    assert _domain_aggregates() == set(AGGREGATES)


def test_every_text_of_every_event_and_state_is_declared_personal_or_not() -> None:
    undeclared = [path for cls in recorded_classes() for path in undeclared_texts(cls)]
    assert undeclared == []


class Note(msgspec.Struct):
    author: str


class Shelf(Aggregate):
    """An aggregate a careless change might add: not in the domain, only for this check."""

    class Labelled(Aggregate.Event):
        label: str
        sku: Code
        notes: list[Note]
        comment: PersonalText | None
        nested: list[PersonalText]


def test_an_event_with_an_undeclared_text_is_caught_even_inside_a_value() -> None:
    assert undeclared_texts(Shelf.Labelled) == [
        f"{Shelf.Labelled.__qualname__}.label",
        f"{Shelf.Labelled.__qualname__}.notes[].author",
        f"{Shelf.Labelled.__qualname__}.nested[] (personal below the top level)",
    ]


def test_the_register_names_what_the_issue_calls_personal() -> None:
    register = personal_data()
    assert register["Cart.Created"] == ("device_id",)  # a device tied to a person
    assert register["Return.Requested"] == ("reason",)  # free text a customer wrote
    assert register["Pickup.Collected"] == ("proof",)  # the collector, as staff noted them
    assert "customer_id" not in {field for fields in register.values() for field in fields}


def test_a_shoppers_own_device_is_personal_and_the_retailers_devices_are_not() -> None:
    cart_id = uuid4()
    customer = Actor(ActorKind.CUSTOMER, "cust-ada")
    guest = Actor(ActorKind.GUEST, f"guest-{cart_id}", cart_id=cart_id)
    till = Actor(ActorKind.POS_TERMINAL, "till-1", stores=("AMS",))
    assert context_subject(Context(device_id="phone", actor=customer)) == customer_subject(
        "cust-ada"
    )
    assert context_subject(Context(device_id="phone", actor=guest)) == guest_subject(cart_id)
    assert context_subject(Context(device_id="till-1", actor=till)) is None
    assert context_subject(Context(actor=customer)) is None
