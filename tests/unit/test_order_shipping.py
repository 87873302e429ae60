"""A shipped order's dispatch on the aggregate: given past events, when `ship`, then the
Shipped event or a refusal that records nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.order.model import (
    AlreadyShipped,
    Fulfillment,
    FulfillmentMethod,
    MissingShipmentDetail,
    NotShipped,
    Order,
    OrderClosed,
    OrderStatus,
    Shipment,
    ShipmentUnpaid,
)
from domain.values import Money
from tests.gwt import event, given
from tests.unit.test_order import AUTHORIZED, CANCELLED, CAPTURED, COMPLETED, PLACED

AT = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
SHIP = Fulfillment(FulfillmentMethod.SHIP, "WH-NL")
PLACED_TO_SHIP = event(Order.Placed, **{**PLACED.fields, "fulfillment": SHIP})
SHIPPED = event(
    Order.Shipped, carrier="PostNL", tracking_number="3SABC123", staff_id="staff-wh", at=AT
)


def ship(carrier: str = "PostNL", tracking: str = "3SABC123"):  # type: ignore[no-untyped-def]
    return lambda order: order.ship(carrier, tracking, "staff-wh", AT)


class TestShipping:
    def test_an_authorized_shipped_order_records_its_parcel(self) -> None:
        order = given(PLACED_TO_SHIP, AUTHORIZED).when(ship()).then(SHIPPED)
        assert order.shipped == Shipment("PostNL", "3SABC123", AT)
        assert order.status is OrderStatus.PAYMENT_AUTHORIZED  # captured next, in the same write

    def test_carrier_and_tracking_number_are_kept_without_surrounding_blanks(self) -> None:
        given(PLACED_TO_SHIP, AUTHORIZED).when(ship(" PostNL ", " 3SABC123\n")).then(SHIPPED)

    def test_then_the_payment_is_captured_and_the_order_completes(self) -> None:
        order = (
            given(PLACED_TO_SHIP, AUTHORIZED, SHIPPED)
            .when(lambda o: (o.capture_payment("cap-1", AT), o.complete(AT)))
            .then(
                event(Order.PaymentCaptured, reference="cap-1", amount=Money.of("88.90"), at=AT),
                event(Order.Completed, at=AT),
            )
        )
        assert (order.status, order.fulfilled_at) == (OrderStatus.COMPLETED, AT)

    def test_a_second_dispatch_is_refused_naming_the_first_parcel(self) -> None:
        given(PLACED_TO_SHIP, AUTHORIZED, SHIPPED, CAPTURED, COMPLETED).when(
            ship("DHL", "JD0002")
        ).then_raises(AlreadyShipped, carrier="PostNL", tracking_number="3SABC123")

    def test_a_pickup_order_is_never_shipped(self) -> None:
        given(PLACED, AUTHORIZED).when(ship()).then_raises(NotShipped, location_id="AMS-CENTRAAL")

    def test_an_order_without_a_payment_held_does_not_ship(self) -> None:
        given(PLACED_TO_SHIP).when(ship()).then_raises(ShipmentUnpaid, status="placed")

    def test_a_cancelled_order_does_not_ship(self) -> None:
        given(PLACED_TO_SHIP, CANCELLED).when(ship()).then_raises(OrderClosed, status="cancelled")

    def test_a_blank_carrier_or_tracking_number_is_refused(self) -> None:
        refused = given(PLACED_TO_SHIP, AUTHORIZED).when(ship(" ", "3SABC123"))
        assert refused.then_raises(MissingShipmentDetail).subject == "carrier"  # type: ignore[attr-defined]
        refused = given(PLACED_TO_SHIP, AUTHORIZED).when(ship("PostNL", ""))
        assert refused.then_raises(MissingShipmentDetail).subject == "tracking_number"  # type: ignore[attr-defined]
