"""The domain's enums, published once: GraphQL names them, the domain declares them.

Values go over the wire by their names (`READY`, `PICKUP`), as GraphQL enums do."""

from __future__ import annotations

import enum

import strawberry

from domain.cart.model import CartStatus, RecoveryChange
from domain.customer.consent import ConsentSource, MarketingChannel
from domain.customer.lookup import IdentifyBy, LookupOutcome
from domain.errors import ErrorCode
from domain.feedback.values import FeedbackPoint, Question
from domain.order.model import FulfillmentMethod, OrderStatus
from domain.pickup.model import PickupStatus
from domain.returns.model import ReturnChannel, ReturnStatus
from domain.usecases.carts import MergeChange
from domain.usecases.till import ShopperKey
from domain.values import Channel
from projections.fulfillment_times import NotificationState
from projections.journey_queries import JourneyStep
from projections.pickup_counter import PaymentState
from projections.touchpoints import Kind as TouchpointKind


@strawberry.enum(
    description="The sales channel a shopper's client declares: in its token's `channel` "
    "claim, or in startCart(channel:) for a guest without a token. Tills count as POS and "
    "staff as STAFF, by their role."
)
class ShopperChannel(enum.Enum):
    WEB = Channel.WEB
    MOBILE = Channel.MOBILE
    KIOSK = Channel.KIOSK
    CALL_CENTRE = Channel.CALL_CENTRE


ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode")
CartStatusEnum = strawberry.enum(CartStatus, name="CartStatus")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
PickupStatusEnum = strawberry.enum(PickupStatus, name="PickupStatus")
ReturnStatusEnum = strawberry.enum(ReturnStatus, name="ReturnStatus")
ReturnChannelEnum = strawberry.enum(ReturnChannel, name="ReturnChannel")
FulfillmentMethodEnum = strawberry.enum(FulfillmentMethod, name="FulfillmentMethod")
ChannelEnum = strawberry.enum(
    Channel,
    name="Channel",
    description="Where a write came from. UNKNOWN: a shopper's client that declared no "
    "channel (see ShopperChannel); counted apart, and never a switch of channel.",
)
MergeChangeEnum = strawberry.enum(MergeChange, name="MergeChange")
RecoveryChangeEnum = strawberry.enum(RecoveryChange, name="RecoveryChange")
TouchpointKindEnum = strawberry.enum(TouchpointKind, name="TouchpointKind")
JourneyStepEnum = strawberry.enum(JourneyStep, name="JourneyStep")
MarketingChannelEnum = strawberry.enum(
    MarketingChannel, name="MarketingChannel", description="How marketing may reach a customer."
)
ConsentSourceEnum = strawberry.enum(
    ConsentSource,
    name="ConsentSource",
    description="Where the customer said yes or no: the app, the web, a till, the service desk.",
)
IdentifyByEnum = strawberry.enum(IdentifyBy, name="IdentifyBy")
LookupOutcomeEnum = strawberry.enum(
    LookupOutcome,
    name="LookupOutcome",
    description="FOUND names one customer; AMBIGUOUS (more than one holds it) names nobody.",
)
ShopperKeyEnum = strawberry.enum(
    ShopperKey, name="ShopperKey", description="What the shopper shows the till."
)
FeedbackPointEnum = strawberry.enum(
    FeedbackPoint,
    name="FeedbackPoint",
    description="A journey point after which a customer may be asked one question.",
)
QuestionEnum = strawberry.enum(
    Question,
    name="Question",
    description="CSAT: how satisfied, 1 to 5. CES: how easy, 1 to 7. NPS: how likely to "
    "recommend us, 0 to 10.",
)
NotificationStateEnum = strawberry.enum(
    NotificationState,
    name="NotificationState",
    description="Whether the customer was told a pickup is ready: only a notice the mail "
    "server accepted (or staff's own word) counts as NOTIFIED.",
)
PaymentStateEnum = strawberry.enum(
    PaymentState,
    name="PaymentState",
    description="Whether a pickup's order is paid: PAID (captured), AUTHORIZED (held on the "
    "customer's card, captured at hand-over) or UNPAID (take payment at the counter).",
)

__all__ = [
    "CartStatus",
    "Channel",
    "ConsentSource",
    "ErrorCode",
    "FeedbackPoint",
    "FulfillmentMethod",
    "IdentifyBy",
    "JourneyStep",
    "LookupOutcome",
    "MarketingChannel",
    "NotificationState",
    "OrderStatus",
    "PaymentState",
    "PickupStatus",
    "Question",
    "RecoveryChange",
    "ReturnChannel",
    "ReturnStatus",
    "ShopperChannel",
    "ShopperKey",
    "TouchpointKind",
]
