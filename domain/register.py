"""The one list of personal data the domain records, derived from the declarations beside each
event and aggregate (domain/personal.py), and the check that every text is declared.

    python -m domain.register    # prints every personal field, event by event
"""

from __future__ import annotations

import enum
import typing
from typing import Annotated, Any

import msgspec
from eventsourcing.domain import Aggregate

from domain.cart.model import Cart
from domain.customer.lookup import ShopperLookup
from domain.customer.model import CustomerCarts
from domain.customer.profile import CustomerProfile
from domain.feedback.model import CustomerFeedback
from domain.loyalty.model import LoyaltyAccount
from domain.order.model import Order
from domain.personal import Classification, personal_fields
from domain.pickup.model import Pickup
from domain.returns.model import Return
from domain.sale.model import Sale
from domain.service_desk.model import ServiceCase
from domain.stock.model import StockItem

AGGREGATES: tuple[type[Aggregate], ...] = (
    Cart,
    CustomerCarts,
    CustomerProfile,
    ShopperLookup,
    Order,
    Pickup,
    Return,
    Sale,
    StockItem,
    CustomerFeedback,
    ServiceCase,
    LoyaltyAccount,
)
# The library's own fields of every event and aggregate: ids, versions, times, topics.
LIBRARY_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
) | frozenset(typing.get_type_hints(Aggregate))


def events_of(aggregate: type[Aggregate]) -> list[type]:
    """The event classes declared in an aggregate's body, in order."""
    return [
        member
        for member in vars(aggregate).values()
        if isinstance(member, type) and issubclass(member, Aggregate.Event)
    ]


def recorded_classes() -> list[type]:
    """Everything the event store keeps: each aggregate's state (its snapshots) and events."""
    return [cls for aggregate in AGGREGATES for cls in (aggregate, *events_of(aggregate))]


def personal_data() -> dict[str, tuple[str, ...]]:
    """Each class that holds personal data, by qualified name, and its personal fields."""
    return {
        cls.__qualname__: personal_fields(cls) for cls in recorded_classes() if personal_fields(cls)
    }


def undeclared_texts(cls: type) -> list[str]:
    """The fields (as paths into nested values) holding text that is declared neither personal
    nor not, and personal declarations deeper than the top level, where the store does not
    encrypt them. Empty when every text of `cls` is declared where the store can honour it."""
    found: list[str] = []
    for name, hint in _fields(cls).items():
        found += _undeclared(hint, f"{cls.__qualname__}.{name}", top_level=True)
    return found


def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return {
        name: hint
        for name, hint in hints.items()
        if name not in LIBRARY_FIELDS and typing.get_origin(hint) is not typing.ClassVar
    }


def _undeclared(hint: Any, path: str, top_level: bool) -> list[str]:
    if typing.get_origin(hint) is Annotated:
        declared = [m for m in hint.__metadata__ if isinstance(m, Classification)]
        if not declared:
            return _undeclared(typing.get_args(hint)[0], path, top_level)
        return (
            [f"{path} (personal below the top level)"]
            if declared[0].personal and not (top_level)
            else []
        )
    if hint is str:
        return [path]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return []  # a closed set of values singles no one out
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return [
            problem
            for name, inner in _fields(hint).items()
            for problem in _undeclared(inner, f"{path}.{name}", top_level=False)
        ]
    arguments = typing.get_args(hint)
    optional = type(None) in arguments and len(arguments) == 2
    return [
        problem
        for argument in arguments
        if argument is not type(None)
        for problem in _undeclared(argument, f"{path}[]", top_level=top_level and optional)
    ]


if __name__ == "__main__":
    for name, fields in personal_data().items():
        print(f"{name}: {', '.join(fields)}")
