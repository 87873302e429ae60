"""Survey mailers: after a journey point, one e-mail asking its customer one question, through a
signed link that needs no sign-in; only with their consent to marketing by e-mail.

One durable consumer per point, in `omni notify run`, on `<prefix>.pickup.collected`,
`.return.refunded`, `.sale.recorded` and `.service_case.resolved`. For each message the
service decides, on the write side, whether to ask (the point's question, the customer's
consent, the NPS cadence; once per point) and records the request; the mail goes out; only
once the SMTP server accepted it is the survey recorded as sent (and marketing sent on the
profile). A redelivery finds the request and its sent mark and mails nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from adapters.outbox.consumer import NOTIFIER, MailingConsumer, MailRetry
from adapters.outbox.contract import (
    Data,
    EventType,
    IntegrationEvent,
    PickupCollected,
    ReturnRefunded,
    SaleRecorded,
    ServiceCaseResolved,
    decode,
)
from adapters.outbox.mail import SmtpMailer, failure_reason
from adapters.outbox.relay import RelayConfig
from adapters.postgres.store import PostgresEventStore
from domain.customer.consent import MarketingChannel
from domain.errors import DomainError
from domain.feedback.model import Survey
from domain.feedback.values import FeedbackPoint, SurveyRules
from domain.feedback.wording import prompt, scale
from domain.ports import Customer
from domain.service import CommerceService
from domain.values import Channel, Context, event_id

log = logging.getLogger(__name__)

EMAIL = MarketingChannel.EMAIL
# (customer id, request id, expires at) -> the survey page's address with its signed token
LinkFor = Callable[[str, UUID, datetime], str]


class SurveyMailer(MailingConsumer):
    """Consumes one point's subject until stopped; `sent`, `skipped` and `failed`."""

    point: ClassVar[FeedbackPoint]
    data_type: ClassVar[type[Data]]
    retry_policy = MailRetry(attempts=4)  # a survey can wait

    def __init__(
        self,
        store: PostgresEventStore,
        service: CommerceService,
        mailer: SmtpMailer,
        nats_url: str,
        config: RelayConfig,
        rules: SurveyRules,
        link_for: LinkFor,
        durable: str | None = None,
        retry: MailRetry | None = None,
    ) -> None:
        durable = durable or f"survey-after-{self.point.value.replace('_', '-')}"
        super().__init__(store, service, mailer, nats_url, config, durable, retry)
        self.rules, self.link_for = rules, link_for

    @staticmethod
    def subject_of(data: Any) -> tuple[UUID, datetime]:
        """The point's subject (pickup, return, sale or case) and when it happened."""
        raise NotImplementedError

    async def handle(self, message: Any) -> None:
        try:
            point_event = decode(message.data, self.data_type)
        except msgspec.ValidationError as error:
            log.error("%s: not a %s message, dropped: %s", self.name, self.event_type, error)
            await message.term()
            return
        if not await self._already_handled(point_event.id):
            handled = await self._ask(point_event)
            if handled is None:
                await self._retry_later(message, point_event.id)
                return
            await self._handled(point_event.id, *handled)
        await message.ack()

    async def _ask(self, point_event: IntegrationEvent[Any]) -> tuple[str, str | None] | None:
        """("sent", address) or ("skipped", None); None when the send failed."""
        subject_id, occurred_at = self.subject_of(point_event.data)
        if getattr(point_event.data, "customer_id", None) is None:
            return self._skipped("%s %s: nobody to ask", self.point, subject_id)
        try:
            asked = await self.service.request_feedback(
                self.point, subject_id, occurred_at, self.rules, EMAIL, _caused_by(point_event)
            )
        except DomainError as refused:
            return self._skipped("%s %s: %r", self.point, subject_id, refused)
        if not asked.result.to_send or asked.result.customer_id is None:
            return self._skipped("%s %s: %s", self.point, subject_id, asked.result.outcome)
        return await self._mail(asked.result.customer_id, asked.result.request_id, point_event)

    async def _mail(
        self, customer_id: str, request_id: UUID, point_event: IntegrationEvent[Any]
    ) -> tuple[str, str | None] | None:
        feedback = await self.service.feedback_of(customer_id)
        survey = feedback.surveys[request_id] if feedback else None
        if survey is None or survey.sent_at is not None or survey.answered_at is not None:
            return self._skipped("survey %s: sent already", request_id)
        customer = await self.customers.customer(customer_id)
        if customer is None or not customer.email:
            return self._skipped("survey %s: no e-mail address for its customer", request_id)
        store_id = survey.touchpoint.store_id
        store = await self.catalog.location(store_id) if store_id else None
        link = self.link_for(customer_id, request_id, survey.expires_at)
        mail = survey_mail(
            self.mailer.sender, customer, survey, store.name if store else None, link
        )
        try:
            await self.mailer.send(mail)
        except OSError as error:  # smtplib's errors, the server's refusals included
            self.failed += 1
            log.warning("%s: survey %s: %s", self.name, request_id, failure_reason(error))
            return None
        await self.service.record_survey_sent(
            customer_id, request_id, EMAIL, _caused_by(point_event)
        )
        self.sent += 1
        return "sent", customer.email


class AfterPickup(SurveyMailer):
    event_type = EventType.PICKUP_COLLECTED
    point = FeedbackPoint.PICKUP_COLLECTED
    data_type = PickupCollected
    name = "survey after a pickup"

    @staticmethod
    def subject_of(data: PickupCollected) -> tuple[UUID, datetime]:
        return data.pickup_id, data.collected_at


class AfterReturn(SurveyMailer):
    event_type = EventType.RETURN_REFUNDED
    point = FeedbackPoint.RETURN_REFUNDED
    data_type = ReturnRefunded
    name = "survey after a return"

    @staticmethod
    def subject_of(data: ReturnRefunded) -> tuple[UUID, datetime]:
        return data.return_id, data.refunded_at


class AfterTillSale(SurveyMailer):
    event_type = EventType.SALE_RECORDED
    point = FeedbackPoint.TILL_SALE
    data_type = SaleRecorded
    name = "survey after a till sale"

    @staticmethod
    def subject_of(data: SaleRecorded) -> tuple[UUID, datetime]:
        return data.sale_id, data.sold_at


class AfterServiceCase(SurveyMailer):
    event_type = EventType.SERVICE_CASE_RESOLVED
    point = FeedbackPoint.SERVICE_CASE
    data_type = ServiceCaseResolved
    name = "survey after a service-desk case"

    @staticmethod
    def subject_of(data: ServiceCaseResolved) -> tuple[UUID, datetime]:
        return data.case_id, data.resolved_at


SURVEY_MAILERS: tuple[type[SurveyMailer], ...] = (
    AfterPickup,
    AfterReturn,
    AfterTillSale,
    AfterServiceCase,
)


def _caused_by(point_event: IntegrationEvent[Any]) -> Context:
    return Context(
        channel=Channel.SYSTEM,
        actor=NOTIFIER,
        correlation_id=point_event.correlation_id,
        causation_id=event_id(point_event.aggregate_id, point_event.aggregate_version),
    )


def survey_mail(
    sender: str, customer: Customer, survey: Survey, store_name: str | None, link: str
) -> EmailMessage:
    """One question, the link to answer it, until when, and how to stop these mails."""
    question = survey.question
    message = EmailMessage()
    message["From"] = sender
    message["To"] = customer.email
    message["Subject"] = "One question about your visit"
    message.set_content(
        f"Hi {customer.first_name},\n\n"
        f"{prompt(question, survey.touchpoint.point, store_name)}\n"
        f"Answer {scale(question)}, with a comment if you like, here (no sign-in needed):\n\n"
        f"  {link}\n\n"
        f"The link works until {survey.expires_at:%d %B %Y, %H:%M} UTC and takes one answer.\n\n"
        f"You get this because you agreed to marketing e-mails. Say no at any time under "
        f"Preferences in your account, or at any till.\n"
    )
    return message
