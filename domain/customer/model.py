"""CustomerCarts: which of a signed-in customer's carts is the current one, decided on the
write side so that two devices never end up with two open carts."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.customer.profile import ProfileMerged
from domain.errors import DomainError, ErrorCode
from domain.personal import CustomerRef, DataSubject, customer_subject, guest_subject
from domain.values import customer_carts_id


class CartBecameCurrentBecause(enum.StrEnum):
    STARTED = "started"  # the customer started a cart while they had none
    SIGNED_IN = "signed_in"  # a guest cart was assigned at sign-in while they had none
    RECOVERED = "recovered"  # an abandoned cart was brought back while they had none
    PROFILES_MERGED = "profiles_merged"  # a duplicate profile's open cart came to the survivor


class CurrentCartClosedBecause(enum.StrEnum):
    CHECKED_OUT = "checked_out"
    ABANDONED = "abandoned"
    FOUND_CLOSED = "found_closed"  # closed without this stream knowing (data written before it)
    PROFILES_MERGED = "profiles_merged"  # the profile was merged: its cart went to the survivor


class AnotherCartIsCurrent(DomainError):
    """The customer already has an open cart: a second one would split what they see."""

    code = ErrorCode.ANOTHER_CART_IS_CURRENT

    def __init__(self, customer_id: str, current_cart_id: UUID, cart_id: UUID) -> None:
        super().__init__(
            "You already have an open cart; continue with that one.",
            customer_id=customer_id,
            current_cart_id=current_cart_id,
            cart_id=cart_id,
        )


class NoCurrentCart(DomainError):
    code = ErrorCode.NO_CURRENT_CART

    def __init__(self, customer_id: str) -> None:
        super().__init__("You have no open cart.", customer_id=customer_id)


class CustomerCarts(Aggregate):
    """The link from a customer to their one current (open) cart, or to none.

    Every use case that opens, assigns, merges into, checks out or abandons a customer's cart
    writes this stream in the same append as the cart's events: two such decisions racing
    for one customer collide on its version, and the loser decides again on fresh state.
    """

    class_version = 2  # v2 knows whether the customer's profile was merged into another

    customer_id: CustomerRef
    current_cart_id: UUID | None
    merged_into: CustomerRef | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        state["merged_into"] = None

    class Created(Aggregate.Created):
        customer_id: CustomerRef
        adopted_cart_id: UUID | None  # the open cart the customer had before this stream
        at: datetime

    class CartBecameCurrent(Aggregate.Event):
        cart_id: UUID
        because: CartBecameCurrentBecause
        at: datetime

    class GuestCartMerged(Aggregate.Event):
        guest_cart_id: UUID
        cart_id: UUID
        at: datetime

        @property
        def linked_guest(self) -> DataSubject:
            """The guest signed in and their cart merged: their key answers to the customer."""
            return guest_subject(self.guest_cart_id)

    class CurrentCartClosed(Aggregate.Event):
        cart_id: UUID
        because: CurrentCartClosedBecause
        at: datetime

    class MergedIntoSurvivor(Aggregate.Event):
        """The customer's profile was merged into the survivor's: no cart becomes theirs."""

        survivor_id: CustomerRef
        at: datetime

    @classmethod
    def open(cls, customer_id: str, adopted_cart_id: UUID | None, at: datetime) -> CustomerCarts:
        """Start the stream of a customer, adopting the open cart they had before it existed."""
        return cls._create(
            cls.Created,
            id=customer_carts_id(customer_id),
            customer_id=customer_id,
            adopted_cart_id=adopted_cart_id,
            at=at,
        )

    @event(Created)
    def __init__(self, customer_id: str, adopted_cart_id: UUID | None, at: datetime) -> None:
        self.customer_id = customer_id
        self.current_cart_id = adopted_cart_id
        self.merged_into = None

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)

    def make_current(self, cart_id: UUID, because: CartBecameCurrentBecause, at: datetime) -> None:
        """A cart of the customer's becomes current; refused while another one is."""
        self._require_not_merged()
        if self.current_cart_id == cart_id:
            return
        if self.current_cart_id is not None:
            raise AnotherCartIsCurrent(self.customer_id, self.current_cart_id, cart_id)
        self._became_current(cart_id=cart_id, because=because, at=at)

    @event(CartBecameCurrent)
    def _became_current(
        self, cart_id: UUID, because: CartBecameCurrentBecause, at: datetime
    ) -> None:
        self.current_cart_id = cart_id

    def merge_guest_cart(self, guest_cart_id: UUID, at: datetime) -> UUID:
        """A guest cart went into the current cart at sign-in; returns the current cart."""
        self._require_not_merged()
        if self.current_cart_id is None:
            raise NoCurrentCart(self.customer_id)
        self._guest_cart_merged(guest_cart_id=guest_cart_id, cart_id=self.current_cart_id, at=at)
        return self.current_cart_id

    @event(GuestCartMerged)
    def _guest_cart_merged(self, guest_cart_id: UUID, cart_id: UUID, at: datetime) -> None:
        pass  # the current cart stays; the fact orders the merge against checkouts

    def cart_closed(self, cart_id: UUID, because: CurrentCartClosedBecause, at: datetime) -> None:
        """One of the customer's carts closed; if it was the current one, none is current."""
        if self.current_cart_id == cart_id:
            self._current_closed(cart_id=cart_id, because=because, at=at)

    @event(CurrentCartClosed)
    def _current_closed(
        self, cart_id: UUID, because: CurrentCartClosedBecause, at: datetime
    ) -> None:
        self.current_cart_id = None

    def merge_into(self, survivor_id: str, at: datetime) -> None:
        """The profile was merged: its current cart (closed by the caller) is let go and no
        cart becomes current again under this id."""
        if self.current_cart_id is not None:
            self.cart_closed(self.current_cart_id, CurrentCartClosedBecause.PROFILES_MERGED, at)
        self._profile_merged(survivor_id=survivor_id, at=at)

    @event(MergedIntoSurvivor)
    def _profile_merged(self, survivor_id: str, at: datetime) -> None:
        self.merged_into = survivor_id

    def _require_not_merged(self) -> None:
        if self.merged_into is not None:
            raise ProfileMerged(customer_id=self.customer_id, survivor_id=self.merged_into)
