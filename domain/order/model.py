# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""Order: what was bought, at what price, how it is fulfilled and paid, and what came back."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, ErrorCode
from domain.loyalty.model import InvalidPoints
from domain.personal import (
    Code,
    CustomerRef,
    DataSubject,
    PersonalText,
    StaffRef,
    SystemText,
    customer_subject,
    guest_subject,
)
from domain.values import Channel, Money


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAYMENT_AUTHORIZED = "payment_authorized"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class FulfillmentMethod(enum.StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


class Fulfillment(msgspec.Struct, frozen=True):
    """Ship from a warehouse, or pick up at a store."""

    method: FulfillmentMethod
    location_id: Code


class OrderLine(msgspec.Struct, frozen=True):
    line_id: Code
    sku: Code
    quantity: int
    unit_price: Money

    @property
    def subtotal(self) -> Money:
        return self.unit_price.times(self.quantity)


class OrderClosed(DomainError):
    code = ErrorCode.ORDER_CLOSED
    message = "this order is {status} and cannot change any more"


class PaymentStateError(DomainError):
    code = ErrorCode.INVALID_PAYMENT_STATE
    message = "this order's payment cannot change while it is {status}"


class NotShipped(DomainError):
    code = ErrorCode.WRONG_FULFILLMENT
    message = "this order is a pickup at {location_id}: it is handed over there, not shipped"


class AlreadyShipped(DomainError):
    code = ErrorCode.ORDER_ALREADY_SHIPPED
    message = "this order was shipped already: {carrier} {tracking_number}"


class ShipmentUnpaid(DomainError):
    code = ErrorCode.PAYMENT_REQUIRED
    message = "this order is {status}: it ships only once its payment is authorized"


class MissingShipmentDetail(DomainError):
    code = ErrorCode.INVALID_INPUT
    message = "say which {what} the parcel left with"

    def __init__(self, subject: str, order_id: UUID) -> None:
        self.subject = subject
        super().__init__(what=subject.replace("_", " "), order_id=order_id)


class Shipment(msgspec.Struct, frozen=True):
    """The parcel as it left the warehouse: the carrier and its tracking number."""

    carrier: Code
    tracking_number: Code
    at: datetime


class UnknownOrderLine(DomainError):
    code = ErrorCode.UNKNOWN_ORDER_LINE
    subject = "line_id"
    message = "order line {line_id} cannot be changed that way"


class PaymentDated:
    """Version 2 of a payment or line-cancellation event carries `at`, the service clock's
    time of the fact; in version 1 its `timestamp` (the wall clock then) was that time."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["at"] = state["timestamp"]


class Order(Aggregate):
    """An order placed from a cart; payment is authorized at checkout and captured on hand-over
    (a pickup) or when its parcel leaves the warehouse (shipped).

    Completing requires a captured payment. Cancelled and completed orders accept nothing more,
    except returns on completed ones (recorded as ReturnOpened, to bound what can come back).
    """

    cart_id: UUID
    customer_id: CustomerRef | None
    channel: Channel
    lines: list[OrderLine]
    currency: Code
    total: Money
    fulfillment: Fulfillment
    placed_at: datetime
    status: OrderStatus
    authorization: Code | None
    cancelled_quantities: dict[Code, int]
    amount_due_back: Money
    returned_quantities: dict[Code, int]
    fulfilled_at: datetime | None
    points_tendered: int
    tendered: Money  # what the points paid; orders placed before loyalty have none
    shipment: Shipment | None  # shipped orders, once dispatched; none in older snapshots

    class Placed(Aggregate.Created):
        cart_id: UUID
        customer_id: CustomerRef | None
        channel: Channel
        lines: list[OrderLine]
        currency: Code
        total: Money
        fulfillment: Fulfillment
        placed_at: datetime

    class PaymentAuthorized(PaymentDated, Aggregate.Event):
        reference: Code
        amount: Money
        at: datetime

    class PaymentCaptured(PaymentDated, Aggregate.Event):
        reference: Code
        amount: Money
        at: datetime

    class PaymentFailed(PaymentDated, Aggregate.Event):
        reason: SystemText  # the provider's answer
        at: datetime

    class LineCancelled(PaymentDated, Aggregate.Event):
        line_id: Code
        sku: Code
        quantity: int
        amount_due_back: Money
        reason: SystemText  # why the shelf could not supply it ("shelf short")
        at: datetime

    class Cancelled(Aggregate.Event):
        reason: PersonalText  # a customer may say why
        at: datetime

    class Completed(Aggregate.Event):
        at: datetime

    class Shipped(Aggregate.Event):
        """The parcel left the warehouse; the tracking number is the carrier's, not personal."""

        carrier: Code
        tracking_number: Code
        staff_id: StaffRef
        at: datetime

    class ReturnOpened(Aggregate.Event):
        return_id: UUID
        quantities: dict[Code, int]

    class PointsTendered(Aggregate.Event):
        """Loyalty points pay part of the order, recorded with the ledger's redemption."""

        points: int
        value: Money
        at: datetime

    @classmethod
    def place(
        cls,
        order_id: UUID,
        cart_id: UUID,
        customer_id: str | None,
        channel: Channel,
        lines: list[OrderLine],
        fulfillment: Fulfillment,
        placed_at: datetime,
    ) -> Order:
        """Place an order for priced lines, tax-free, in the lines' one currency."""
        currency = lines[0].unit_price.currency
        total = Money.zero(currency)
        for line in lines:
            total = total + line.subtotal
        return cls._create(
            cls.Placed,
            id=order_id,
            cart_id=cart_id,
            customer_id=customer_id,
            channel=channel,
            lines=lines,
            currency=currency,
            total=total,
            fulfillment=fulfillment,
            placed_at=placed_at,
        )

    @event(Placed)
    def __init__(
        self,
        cart_id: UUID,
        customer_id: str | None,
        channel: Channel,
        lines: list[OrderLine],
        currency: str,
        total: Money,
        fulfillment: Fulfillment,
        placed_at: datetime,
    ) -> None:
        self.cart_id = cart_id
        self.customer_id = customer_id
        self.channel = channel
        self.lines = lines
        self.currency = currency
        self.total = total
        self.fulfillment = fulfillment
        self.placed_at = placed_at
        self.status = OrderStatus.PLACED
        self.authorization = None
        self.cancelled_quantities = {}
        self.amount_due_back = Money.zero(currency)
        self.returned_quantities = {}
        self.fulfilled_at = None
        self.points_tendered = 0
        self.tendered = Money.zero(currency)
        self.shipment = None

    @property
    def data_subject(self) -> DataSubject:
        """Its customer's, or the guest's whose cart it was."""
        if self.customer_id is not None:
            return customer_subject(self.customer_id)
        return guest_subject(self.cart_id)

    @property
    def paid_in_points(self) -> Money:
        """What loyalty points paid (a snapshot from before loyalty has no such attribute)."""
        return getattr(self, "tendered", None) or Money.zero(self.currency)

    @property
    def amount_payable(self) -> Money:
        """What the card pays: the total less what points paid."""
        return self.total - self.paid_in_points

    @property
    def amount_to_capture(self) -> Money:
        """What is left to take: never below zero, however much was cancelled."""
        left = self.amount_payable - self.amount_due_back
        return left if left.amount > 0 else Money.zero(self.currency)

    def points_cancelled(self) -> int:
        """Of the points tendered, those cancelled lines give back: a cancelled line comes off
        the money first; what the money cannot cover comes back in points (rounded down; all
        of them once the lines left cost nothing)."""
        points, tendered = getattr(self, "points_tendered", 0), self.paid_in_points
        over = self.amount_due_back.amount - self.amount_payable.amount
        if points <= 0 or tendered.amount <= 0 or over <= 0:
            return 0
        if over >= tendered.amount:
            return int(points)
        return int((Decimal(points) * over / tendered.amount).to_integral_value(ROUND_FLOOR))

    def tender_points(self, points: int, value: Money, at: datetime) -> None:
        """Points pay `value` of the order, before any payment: never more than its total."""
        self._require_status(OrderStatus.PLACED)
        if value.amount > self.amount_payable.amount:
            raise InvalidPoints(
                order_id=self.id, points=points, why=f"they are worth more than {self.total}"
            )
        self._points_tendered(points=points, value=value, at=at)

    @event(PointsTendered)
    def _points_tendered(self, points: int, value: Money, at: datetime) -> None:
        self.points_tendered = getattr(self, "points_tendered", 0) + points
        self.tendered = self.paid_in_points + value

    def purchased_quantities(self) -> dict[str, int]:
        """Units bought per SKU, less cancelled ones: the most that can ever come back."""
        bought: dict[str, int] = {}
        for line in self.lines:
            bought[line.sku] = bought.get(line.sku, 0) + line.quantity
        for sku, cancelled in self.cancelled_quantities.items():
            bought[sku] -= cancelled
        return bought

    def line(self, line_id: str) -> OrderLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise UnknownOrderLine(order_id=self.id, line_id=line_id)

    def require_payable(self) -> None:
        """Waiting for a payment: checked before the provider is asked for one."""
        self._require_status(OrderStatus.PLACED, OrderStatus.PAYMENT_FAILED)

    def authorize_payment(self, reference: str, at: datetime) -> None:
        """The provider holds the order's total on the customer's card."""
        self.require_payable()
        self._payment_authorized(reference=reference, amount=self.amount_payable, at=at)

    @event(PaymentAuthorized)
    def _payment_authorized(self, reference: str, amount: Money, at: datetime) -> None:
        self.status = OrderStatus.PAYMENT_AUTHORIZED
        self.authorization = reference

    def fail_payment(self, reason: str, at: datetime) -> None:
        """The provider declined."""
        self._require_status(OrderStatus.PLACED, OrderStatus.PAYMENT_FAILED)
        self._payment_failed(reason=reason, at=at)

    @event(PaymentFailed)
    def _payment_failed(self, reason: str, at: datetime) -> None:
        self.status = OrderStatus.PAYMENT_FAILED

    def capture_payment(self, reference: str, at: datetime) -> None:
        """Take the money held, less anything cancelled since."""
        self._require_status(OrderStatus.PAYMENT_AUTHORIZED)
        self._payment_captured(reference=reference, amount=self.amount_to_capture, at=at)

    @event(PaymentCaptured)
    def _payment_captured(self, reference: str, amount: Money, at: datetime) -> None:
        self.status = OrderStatus.PAID

    def cancel_line(self, line_id: str, quantity: int, reason: str, at: datetime) -> None:
        """Some units of a line cannot be supplied (shelf empty): they are owed back."""
        self._require_not_closed()
        line = self.line(line_id)
        if not 0 < quantity <= line.quantity - self.cancelled_quantities.get(line.sku, 0):
            raise UnknownOrderLine(order_id=self.id, line_id=line_id, quantity=quantity)
        self._line_cancelled(
            line_id=line_id,
            sku=line.sku,
            quantity=quantity,
            amount_due_back=line.unit_price.times(quantity),
            reason=reason,
            at=at,
        )

    @event(LineCancelled)
    def _line_cancelled(
        self,
        line_id: str,
        sku: str,
        quantity: int,
        amount_due_back: Money,
        reason: str,
        at: datetime,
    ) -> None:
        self.cancelled_quantities[sku] = self.cancelled_quantities.get(sku, 0) + quantity
        self.amount_due_back = self.amount_due_back + amount_due_back

    def cancel(self, reason: str, at: datetime) -> None:
        """Nothing of the order will be fulfilled."""
        self._require_not_closed()
        self._cancelled(reason=reason, at=at)

    @event(Cancelled)
    def _cancelled(self, reason: str, at: datetime) -> None:
        self.status = OrderStatus.CANCELLED

    @property
    def shipped(self) -> Shipment | None:
        """How it left the warehouse (a snapshot from before shipping has no such attribute)."""
        return getattr(self, "shipment", None)

    def ship(self, carrier: str, tracking_number: str, staff_id: str, at: datetime) -> None:
        """A shipped order's parcel leaves its warehouse, once, while its payment is held."""
        if self.fulfillment.method is not FulfillmentMethod.SHIP:
            raise NotShipped(order_id=self.id, location_id=self.fulfillment.location_id)
        if (done := self.shipped) is not None:
            raise AlreadyShipped(
                order_id=self.id, carrier=done.carrier, tracking_number=done.tracking_number
            )
        self._require_not_closed()
        if self.status is not OrderStatus.PAYMENT_AUTHORIZED:
            raise ShipmentUnpaid(order_id=self.id, status=self.status.value)
        for subject, value in (("carrier", carrier), ("tracking_number", tracking_number)):
            if not value.strip():
                raise MissingShipmentDetail(subject, self.id)
        self._shipped(
            carrier=carrier.strip(),
            tracking_number=tracking_number.strip(),
            staff_id=staff_id,
            at=at,
        )

    @event(Shipped)
    def _shipped(self, carrier: str, tracking_number: str, staff_id: str, at: datetime) -> None:
        self.shipment = Shipment(carrier, tracking_number, at)

    def complete(self, at: datetime) -> None:
        """Handed over or delivered, and paid."""
        self._require_status(OrderStatus.PAID)
        self._completed(at=at)

    @event(Completed)
    def _completed(self, at: datetime) -> None:
        self.status = OrderStatus.COMPLETED
        self.fulfilled_at = at

    def open_return(self, return_id: UUID, quantities: dict[str, int]) -> None:
        """Count units as coming back, so no later return can exceed what was bought."""
        self._returned(return_id=return_id, quantities=quantities)

    @event(ReturnOpened)
    def _returned(self, return_id: UUID, quantities: dict[str, int]) -> None:
        for sku, quantity in quantities.items():
            self.returned_quantities[sku] = self.returned_quantities.get(sku, 0) + quantity

    def _require_not_closed(self) -> None:
        if self.status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
            raise OrderClosed(order_id=self.id, status=self.status.value)

    def _require_status(self, *allowed: OrderStatus) -> None:
        self._require_not_closed()
        if self.status not in allowed:
            raise PaymentStateError(order_id=self.id, status=self.status.value)
