"""Consent as the customer gave it: marketing by channel, where it was given, to which wording,
and when; and which messages need it (marketing) and which never do (transactional)."""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec

from domain.personal import Code
from domain.values import ActorKind, Channel, Context, StaffRole


class MarketingChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class ConsentSource(enum.StrEnum):
    """Where the customer said yes or no: decided from who recorded it, never claimed."""

    WEB = "web"
    APP = "app"
    TILL = "till"
    SERVICE_DESK = "service_desk"


class MessageKind(enum.StrEnum):
    PICKUP_READY = "pickup_ready"
    REFUND_DONE = "refund_done"
    ABANDONED_CART_REMINDER = "abandoned_cart_reminder"
    SATISFACTION_SURVEY = "satisfaction_survey"

    @property
    def is_marketing(self) -> bool:
        """Marketing goes only with consent for its channel; what the customer needs to know
        about their own business (transactional) always goes."""
        return self in MARKETING


MARKETING = frozenset({MessageKind.ABANDONED_CART_REMINDER, MessageKind.SATISFACTION_SURVEY})


class Consent(msgspec.Struct, frozen=True):
    """The customer's last word on marketing over one channel."""

    channel: MarketingChannel
    granted: bool
    source: ConsentSource
    wording_version: Code
    at: datetime


def source_of(context: Context) -> ConsentSource:
    """A till records consent given at its counter, staff (and admins) at the service desk;
    a customer gives it in the app on a phone, on the web anywhere else."""
    actor = context.actor
    if actor.kind is ActorKind.POS_TERMINAL:
        return ConsentSource.TILL
    if actor.kind is ActorKind.STAFF and actor.staff_role is StaffRole.SERVICE_DESK:
        return ConsentSource.SERVICE_DESK
    if actor.kind is ActorKind.ADMIN:
        return ConsentSource.SERVICE_DESK
    return ConsentSource.APP if context.channel is Channel.MOBILE else ConsentSource.WEB
