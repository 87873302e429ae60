"""`omni outbox status|run` and `omni notify run`: the outbox relay and its example consumer."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.outbox.notifier import PickupReadyNotifier, SmtpMailer
from adapters.outbox.redactor import ErasureRedactor
from adapters.outbox.reminder import AbandonedCartReminder
from adapters.outbox.storage import outbox_status
from adapters.outbox.surveys import SURVEY_MAILERS
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.database import Database
from adapters.settings import Settings
from api.server.composition import outbox_relay, relay_config, shared_clock_of
from api.server.surveys import survey_links, survey_rules
from domain.service import CommerceService

NO_NATS = "NATS_URL is not set: the outbox is off (set it to e.g. nats://127.0.0.1:4222)"


def add_commands(commands: Any) -> None:
    outbox = commands.add_parser("outbox", help="events to NATS JetStream").add_subparsers(
        required=True, metavar="WHAT"
    )
    outbox.add_parser("status", help="position, lag and state of the relay").set_defaults(
        handler=lambda s, a: asyncio.run(_status(s))
    )
    outbox.add_parser("run", help="run the relay alone until interrupted").set_defaults(
        handler=lambda s, a: asyncio.run(_run_relay(s))
    )
    notify = commands.add_parser("notify", help="notification consumers").add_subparsers(
        required=True, metavar="WHAT"
    )
    notify.add_parser(
        "run", help="e-mail pickups ready; reminders and surveys to who agreed"
    ).set_defaults(handler=lambda s, a: asyncio.run(_run_notifier(s)))


async def _status(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        status = await outbox_status(database.pool, relay_config(settings).name)
    finally:
        await database.close()
    print(f"NATS: {settings.nats_url or 'not set (the outbox is off)'}")
    print(f"stream {settings.outbox_stream}, subjects {settings.outbox_subject_prefix}.>")
    print(f"{'state':10} {'position':>16} {'lag events':>11} {'lag s':>8} {'published':>10}")
    print(
        f"{status.state:10} {status.position:>16} {status.lag_events:>11} "
        f"{status.lag_seconds:>8.1f} {status.published:>10}  {status.error or ''}"
    )


async def _run_relay(settings: Settings) -> None:
    if not settings.nats_url:
        sys.exit(NO_NATS)
    database = await Database.open(settings, schema=settings.database_schema)
    relay = outbox_relay(database, settings)
    assert relay is not None
    await _until_signalled(
        relay.start, relay.stop, f"outbox relay running: {settings.nats_url} (Ctrl-C stops)"
    )
    await database.close()


async def _run_notifier(settings: Settings) -> None:
    if not settings.nats_url:
        sys.exit(NO_NATS)
    database = await Database.open(settings, schema=settings.database_schema)
    # A simulation's clock follows the one every process on the schema shares: a skip moves
    # the days on which surveys are asked and links expire here too.
    clock, business_clock = await shared_clock_of(settings, database)
    # It records what it sent (or failed to) through the pickup's and the profile's use
    # cases; it takes no payment, the gateway only completes the service.
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=clock,
    )
    mailer = SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_starttls,
    )
    config = relay_config(settings)
    rules, links = survey_rules(settings), survey_links(settings)
    consumers = [
        PickupReadyNotifier(database.store, service, mailer, settings.nats_url, config),
        # Marketing: only to customers who agreed to it by e-mail (adapters/outbox/reminder.py).
        AbandonedCartReminder(database.store, service, mailer, settings.nats_url, config),
        # Marketing too: one question after a journey point (adapters/outbox/surveys.py).
        *(
            survey(database.store, service, mailer, settings.nats_url, config, rules, links)
            for survey in SURVEY_MAILERS
        ),
        # Erasure: the stream's messages with an erased customer's words are deleted.
        ErasureRedactor(database.store, service, mailer, settings.nats_url, config),
    ]

    def start() -> None:
        for consumer in consumers:
            consumer.start()

    async def stop() -> None:
        for consumer in consumers:
            await consumer.stop()

    banner = (
        "pickup-ready notifier running, abandoned-cart reminder and surveys too: "
        f"mail via {mailer.where}"
    )
    await _until_signalled(start, stop, banner)
    if business_clock is not None:
        await business_clock.stop()
    await database.close()


async def _until_signalled(
    start: Callable[[], object], stop: Callable[[], Awaitable[None]], banner: str
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    start()
    print(banner, flush=True)
    await stopping.wait()
    await stop()
