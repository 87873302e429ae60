"""A marketing consumer: one e-mail reminding a customer of the cart they gave up, only with
their consent to marketing by e-mail.

Beside the pickup-ready notifier in `omni notify run`, with a durable consumer of its own on
`<prefix>.cart.abandoned`. For each message it reads the cart (still abandoned, a customer's,
not an empty one) and asks the customer's surviving profile whether a marketing e-mail may go
(CustomerProfile.may_receive: consent given, not withdrawn, no erasure asked for), decided on
the write side at the moment of sending. Only once the SMTP server accepted the mail is
`CustomerProfile.MarketingSent` recorded. Anything else is skipped, and said why in the log.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

import msgspec

from adapters.outbox.consumer import NOTIFIER, MailingConsumer, MailRetry
from adapters.outbox.contract import CartAbandoned, EventType, IntegrationEvent, decode
from adapters.outbox.mail import failure_reason
from domain.cart.model import Cart, CartStatus
from domain.customer.consent import MarketingChannel, MessageKind
from domain.ports import Customer
from domain.values import Channel, Context, event_id

log = logging.getLogger(__name__)

DURABLE = "abandoned-cart-reminder"
REMINDER = MessageKind.ABANDONED_CART_REMINDER
EMAIL = MarketingChannel.EMAIL


class AbandonedCartReminder(MailingConsumer):
    """Consumes `<prefix>.cart.abandoned` until stopped; `sent`, `skipped` and `failed`."""

    event_type = EventType.CART_ABANDONED
    name = "abandoned-cart reminder"

    durable_name = DURABLE
    retry_policy = MailRetry(attempts=4)  # a reminder can wait

    async def handle(self, message: Any) -> None:
        try:
            abandoned = decode(message.data, CartAbandoned)
        except msgspec.ValidationError as error:
            log.error("%s: not a cart.abandoned message, dropped: %s", self.name, error)
            await message.term()
            return
        if not await self._already_handled(abandoned.id):
            handled = await self._remind(abandoned)
            if handled is None:
                await self._retry_later(message, abandoned.id)
                return
            await self._handled(abandoned.id, *handled)
        await message.ack()

    async def _remind(
        self, abandoned: IntegrationEvent[CartAbandoned]
    ) -> tuple[str, str | None] | None:
        """("sent", address) or ("skipped", None); None when the send failed."""
        cart_id = abandoned.data.cart_id
        cart = await self.service.repository.find(cart_id, Cart)
        if cart is None or cart.customer_id is None or not cart.lines:
            return self._skipped("cart %s: a guest's or an empty one, nobody to remind", cart_id)
        if cart.status is not CartStatus.ABANDONED:
            return self._skipped("cart %s is no longer abandoned", cart_id)
        customer_id = await self.service.survivor_of(cart.customer_id)
        if not await self.service.may_receive(customer_id, REMINDER, EMAIL):
            return self._skipped("cart %s: no consent to marketing by e-mail", cart_id)
        customer = await self.customers.customer(customer_id)
        if customer is None or not customer.email:
            return self._skipped("cart %s: no e-mail address for its customer", cart_id)
        try:
            await self.mailer.send(reminder_mail(self.mailer.sender, customer, cart))
        except OSError as error:  # smtplib's errors, the server's refusals included
            self.failed += 1
            log.warning("%s: cart %s: %s", self.name, cart_id, failure_reason(error))
            return None
        await self.service.record_marketing_sent(
            customer_id, REMINDER, EMAIL, cart_id, _caused_by(abandoned)
        )
        self.sent += 1
        return "sent", customer.email


def _caused_by(abandoned: IntegrationEvent[CartAbandoned]) -> Context:
    return Context(
        channel=Channel.SYSTEM,
        actor=NOTIFIER,
        correlation_id=abandoned.correlation_id,
        causation_id=event_id(abandoned.aggregate_id, abandoned.aggregate_version),
    )


def reminder_mail(sender: str, customer: Customer, cart: Cart) -> EmailMessage:
    """What they left, and how to stop these mails (as easy as it was to agree to them)."""
    lines = "\n".join(f"  {line.quantity} x {line.sku}" for line in cart.lines.values())
    message = EmailMessage()
    message["From"] = sender
    message["To"] = customer.email
    message["Subject"] = "You left something in your cart"
    message.set_content(
        f"Hi {customer.first_name},\n\n"
        f"Your cart is still waiting for you:\n{lines}\n\n"
        f"Open the app or the shop to pick up where you left off; we re-check prices and "
        f"stock when you do.\n\n"
        f"You get this because you agreed to marketing e-mails. Say no at any time under "
        f"Preferences in your account, or at any till.\n"
    )
    return message
