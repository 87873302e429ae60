"""The ready-for-pickup e-mail: what it says (a pure function) and how it is sent (SMTP)."""

from __future__ import annotations

import asyncio
import re
import smtplib
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from adapters.outbox.contract import PickupReady
from domain.ports import Customer, Location

SMTP_TIMEOUT_SECONDS = 20.0
MAX_REASON_LENGTH = 300
ADDRESS = re.compile(r"<?[^\s<>\"']+@[^\s<>\"']+>?")


def ready_for_pickup_mail(
    sender: str,
    customer: Customer,
    ready: PickupReady,
    store: Location | None,
    pickup_code: str,
) -> EmailMessage:
    """A plain, friendly note: where, until when, and the code to show at the counter."""
    store_name = store.name if store else ready.store_id
    zone = ZoneInfo(store.time_zone) if store else None
    order = str(ready.order_id)[:8].upper()
    message = EmailMessage()
    message["From"] = sender
    message["To"] = customer.email
    message["Subject"] = f"Your order {order} is ready for pickup at {store_name}"
    message.set_content(
        f"Hi {customer.first_name},\n\n"
        f"Good news: your order {order} is ready for pickup at {store_name}.\n\n"
        f"Show this code at the pickup counter: {pickup_code}\n"
        f"(We keep your order on shelf {ready.shelf_spot}.)\n\n"
        f"Please collect it by {_local(ready.collect_by, zone)}; after that we cancel the "
        f"order and you are not charged.\n\n"
        f"See you soon,\n{store_name}\n"
    )
    return message


def failure_reason(error: OSError) -> str:
    """Why a send failed, for the pickup's stream and the board: the server's code and text
    when it answered, with any address in it blanked (an event keeps no personal data)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, text = next(iter(error.recipients.values()))
        said = f"{code} {_text(text)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        said = f"{error.smtp_code} {_text(error.smtp_error)}"
    else:
        said = f"{type(error).__name__}: {error}"
    return ADDRESS.sub("<address>", said)[:MAX_REASON_LENGTH]


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else said


def _local(moment: datetime, zone: ZoneInfo | None) -> str:
    shown = moment.astimezone(zone) if zone else moment
    return shown.strftime("%A %d %B %Y, %H:%M") + ("" if zone else " UTC")


class SmtpMailer:
    """Sends through an SMTP server (smtplib in a worker thread: one message at a time)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls

    @property
    def where(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
