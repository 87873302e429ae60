"""How the notifier retries a failed send (a growing, bounded delay, a bounded number of
sends) and what it records of the failure (the server's words, no address)."""

from __future__ import annotations

import smtplib

from adapters.outbox.mail import MAX_REASON_LENGTH, failure_reason
from adapters.outbox.notifier import MailRetry


def test_the_delay_grows_then_stays_at_its_bound_until_the_last_attempt() -> None:
    retry = MailRetry(delays=(10.0, 60.0, 300.0), attempts=5)

    assert [retry.delay_after(n) for n in range(1, 6)] == [10.0, 60.0, 300.0, 300.0, None]


def test_the_default_gives_up_within_hours_not_never() -> None:
    retry = MailRetry()
    waits = [retry.delay_after(n) for n in range(1, retry.attempts)]

    assert retry.delay_after(retry.attempts) is None
    assert max(w for w in waits if w is not None) <= 1800.0
    assert sum(w for w in waits if w is not None) < 6 * 3600


def test_a_refused_recipient_is_recorded_by_the_server_words_without_the_address() -> None:
    said = b"5.1.1 <ada@example.com>: Recipient address rejected"
    refused = smtplib.SMTPRecipientsRefused({"ada@example.com": (550, said)})

    assert failure_reason(refused) == "550 5.1.1 <address>: Recipient address rejected"


def test_a_server_that_cannot_be_reached_is_named_by_the_error() -> None:
    unreachable = ConnectionRefusedError(111, "Connection refused")

    assert failure_reason(unreachable) == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_a_long_answer_is_cut_to_its_bound() -> None:
    chatty = smtplib.SMTPDataError(451, b"x" * 5000)

    assert len(failure_reason(chatty)) == MAX_REASON_LENGTH
