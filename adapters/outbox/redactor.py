"""The bus's own erasure (issue 20, item 2): on `customer.erased`, the messages of the stream
that carry text the customer wrote are deleted from JetStream.

Of the integration events, only `order.cancelled` carries personal text (the reason, in the
words of whoever cancelled). Its messages of the erased customer's orders are found by walking
that subject alone (JetStream's next-by-subject) and deleted by sequence, so that the stream,
which keeps messages for its retention period, holds nothing of them once erased. The
customer's orders come from the event log (their `Order.Placed`). A redelivered
`customer.erased` finds nothing left to delete. Runs in `omni notify run` beside the mailers.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import msgspec
import nats

from adapters.nats.jetstream import server_urls
from adapters.outbox.consumer import MailingConsumer
from adapters.outbox.contract import CustomerErased, EventType, OrderCancelled, decode, subject_of

log = logging.getLogger(__name__)

DURABLE = "erasure-redactor"
# Her orders, from the log (Order.Placed names the customer; a pseudonym, never sealed).
ORDERS_OF = """SELECT stream_id FROM events
               WHERE topic = 'domain.order.model:Order.Placed' AND state ->> 'customer_id' = $1"""


class ErasureRedactor(MailingConsumer):
    """Consumes `<prefix>.customer.erased`; `deleted` counts the messages it removed."""

    event_type = EventType.CUSTOMER_ERASED
    name = "erasure redactor"
    deleted = 0

    durable_name = DURABLE

    async def handle(self, message: Any) -> None:
        try:
            erased = decode(message.data, CustomerErased)
        except msgspec.ValidationError as error:
            log.error("redactor: not a customer.erased message, dropped: %s", error)
            await message.term()
            return
        orders = {
            row["stream_id"] for row in await self.pool.fetch(ORDERS_OF, erased.data.customer_id)
        }
        if orders:
            await self._delete_cancellations(orders)
        await message.ack()

    async def _delete_cancellations(self, orders: set[UUID]) -> None:
        connection = await nats.connect(server_urls(self.nats_url), connect_timeout=2)
        try:
            js = connection.jetstream()
            subject = subject_of(self.config.subject_prefix, EventType.ORDER_CANCELLED)
            sequence = 1
            while True:
                try:
                    held = await js.get_msg(self.config.stream, sequence, subject, next=True)
                except nats.js.errors.NotFoundError:
                    return
                assert held.seq is not None and held.data is not None
                cancelled = decode(held.data, OrderCancelled)
                if cancelled.data.order_id in orders:
                    await js.delete_msg(self.config.stream, held.seq)
                    self.deleted += 1
                sequence = held.seq + 1
        finally:
            await connection.close()
