"""The simulated customers' mailboxes: a local SMTP server (aiosmtpd) that the private server's
notifier (`omni notify run`) delivers to, and that the customers read their survey links from,
as a person reads a mail and follows its link."""

from __future__ import annotations

import asyncio
import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from simulate.server import free_port

SURVEY_SUBJECT = "One question about your visit"
LINK = re.compile(r"/survey#(\S+)")


class Mailbox:
    """Every message the SMTP server accepted, in the order it came."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._server = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def __enter__(self) -> Mailbox:
        self._server.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.stop()

    def survey_links(self) -> list[tuple[str, str]]:
        """(addressee, the link's token) of every survey mail so far."""
        found = []
        for message in list(self.messages):
            if message["Subject"] != SURVEY_SUBJECT:
                continue
            body = message.get_body(("plain",))
            link = LINK.search(body.get_content()) if body is not None else None
            if link is not None:
                found.append((str(message["To"]), link.group(1)))
        return found

    async def until_surveys(self, addressees: set[str], count: int, wait_seconds: float) -> None:
        """Wait until `count` survey mails to `addressees` came; a RuntimeError past the wait."""
        deadline = time.monotonic() + wait_seconds
        while (got := sum(to in addressees for to, _ in self.survey_links())) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{got} of the {count} survey mails expected ever came")
            await asyncio.sleep(0.2)
