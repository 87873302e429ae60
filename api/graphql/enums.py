"""The domain's enums, published once: GraphQL names them, the domain declares them.

Values go over the wire by their names (`READY`, `PICKUP`), as GraphQL enums do."""

from __future__ import annotations

import strawberry

from domain.cart.model import CartStatus, RecoveryChange
from domain.errors import ErrorCode
from domain.order.model import FulfillmentMethod, OrderStatus
from domain.pickup.model import PickupStatus
from domain.returns.model import ReturnChannel, ReturnStatus
from domain.usecases.carts import MergeChange
from domain.values import Channel
from projections.fulfillment_times import NotificationState
from projections.journey_queries import JourneyStep
from projections.touchpoints import Kind as TouchpointKind

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode")
CartStatusEnum = strawberry.enum(CartStatus, name="CartStatus")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
PickupStatusEnum = strawberry.enum(PickupStatus, name="PickupStatus")
ReturnStatusEnum = strawberry.enum(ReturnStatus, name="ReturnStatus")
ReturnChannelEnum = strawberry.enum(ReturnChannel, name="ReturnChannel")
FulfillmentMethodEnum = strawberry.enum(FulfillmentMethod, name="FulfillmentMethod")
ChannelEnum = strawberry.enum(Channel, name="Channel")
MergeChangeEnum = strawberry.enum(MergeChange, name="MergeChange")
RecoveryChangeEnum = strawberry.enum(RecoveryChange, name="RecoveryChange")
TouchpointKindEnum = strawberry.enum(TouchpointKind, name="TouchpointKind")
JourneyStepEnum = strawberry.enum(JourneyStep, name="JourneyStep")
NotificationStateEnum = strawberry.enum(
    NotificationState,
    name="NotificationState",
    description="Whether the customer was told a pickup is ready: only a notice the mail "
    "server accepted (or staff's own word) counts as NOTIFIED.",
)

__all__ = [
    "CartStatus",
    "Channel",
    "ErrorCode",
    "FulfillmentMethod",
    "JourneyStep",
    "NotificationState",
    "OrderStatus",
    "PickupStatus",
    "RecoveryChange",
    "ReturnChannel",
    "ReturnStatus",
    "TouchpointKind",
]
