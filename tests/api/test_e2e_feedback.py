"""The customer's voice end to end: `omni serve` (its outbox relay on a JetStream stream of this
module's own) and `omni notify run` as processes, mail to a local SMTP sink, everything else over
HTTP as a customer's browser, a till, staff and the head office would.

- a survey link from the mail answers once; a second answer is refused;
- a customer who never agreed to marketing is never sent a survey;
- CSAT by wait bucket on the fixed data set equals the figures computed by hand.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from aiosmtpd.controller import Controller

from adapters.nats.server import free_port
from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole
from bench.harness import staff_documents as documents
from bench.harness.server_process import ROOT, drop_schema, until_healthy
from bench.harness.staff_shop import Shop
from domain.feedback.values import FeedbackPoint, customer_feedback_id, survey_id_for
from tests.outbox.conftest import delete_stream
from tests.outbox.conftest import nats_url as session_nats
from tests.outbox.test_notifier import Inbox
from tests.read_models.feedback_facts import CSAT_BY_WAIT, PICKUP_TOTALS, WAITS_AND_SCORES

nats = session_nats  # the session's NATS, as this module's fixture
SECRET = "e2e-feedback-secret-of-at-least-thirty-two-bytes"
SURVEY_SUBJECT = "One question about your visit"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/survey#(\S+)")
MAILED_WITHIN_S = 60
CONSENT = """mutation($granted: Boolean!) { setConsent(channel: EMAIL, granted: $granted,
  wordingVersion: "mkt-v1") { position userErrors { code } } }"""
SURVEY = "query($link: String!) { survey(token: $link) { question prompt state } }"
ANSWER = """mutation($link: String!, $score: Int!) { answerSurvey(token: $link, score: $score) {
  score position userErrors { code } } }"""
PROMISE = "query($id: UUID!) { pickup(id: $id) { promisedReadyAt } }"
SKIP = "mutation($to: DateTime!) { skipClock(to: $to) { userErrors { code } } }"
FIGURES = """query($first: Date!, $last: Date!, $after: String) {
  feedbackAnalytics(firstDay: $first, lastDay: $last, storeIds: ["UTR-CENTRUM"],
                    timeZone: "Europe/Amsterdam", consistentWith: $after) {
    byStore { allStores scores { asked answered responseRate average csat } }
    csatByWait { bucket answered csat average } } }"""
TIMELINE = """query($after: String) { me(consistentWith: $after) {
  timeline(first: 5) { nodes { kind summary } } } }"""


@dataclass
class Voice:
    base: str
    schema: str
    shop: Shop
    mailbox: Inbox
    settings: Settings

    def token(
        self, role: Role, subject: str, *stores: str, staff_role: StaffRole | None = None
    ) -> str:
        return self.shop.tokens.mint(Principal(
            role=role, subject=subject, stores=stores, expires_at=int(time.time() + 3600),
            staff_role=staff_role or (StaffRole.MANAGER if role is Role.STAFF else None),
        ))  # fmt: skip

    async def surveys_to(self, address: str, count: int) -> list[tuple[UUID, str]]:
        """(survey id, token) of the first `count` survey mails to `address`, once mailed."""
        deadline = time.monotonic() + MAILED_WITHIN_S
        while True:
            found = [_survey_link(m) for m in self.mailbox.messages
                     if m["To"] == address and m["Subject"] == SURVEY_SUBJECT]  # fmt: skip
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"{len(found)} of {count} surveys to {address}"
            await asyncio.sleep(0.2)


def _survey_link(mail: Message) -> tuple[UUID, str]:
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    found = LINK.search(body)
    assert found is not None, body
    claims = jwt.decode(found.group(2), options={"verify_signature": False})
    return UUID(claims["rid"]), found.group(2)


@pytest.fixture(scope="module")
async def voice(
    settings: Settings,
    nats: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Voice]:
    mailbox, smtp_port = Inbox(), free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    tag, port = uuid4().hex[:10], free_port()
    schema, base = f"voice_{tag}", f"http://127.0.0.1:{port}"
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_DATA_DIR": settings.data_dir, "OMNI_SECRET_KEY": SECRET, "OMNI_SEED_DEMO": "true",
        "OMNI_RUN_SCHEDULER": "false", "OMNI_POLL_INTERVAL": "0.2", "NATS_URL": nats,
        "OMNI_OUTBOX_STREAM": f"VOICE_{tag}", "OMNI_OUTBOX_SUBJECT_PREFIX": f"v{tag}",
        "OMNI_SMTP_HOST": "127.0.0.1", "OMNI_SMTP_PORT": str(smtp_port),
        "OMNI_PUBLIC_URL": base, "OMNI_CLOCK_START": datetime.now(UTC).isoformat(),
        # No demo history: its collected pickups are a backlog the notifier may still be
        # working through when a test gives consent, and Ada's would then be asked about too.
        "OMNI_DEMO_HISTORY_DAYS": "0",
    }  # fmt: skip
    logs = tmp_path_factory.mktemp("voice")
    processes = []
    try:
        processes.append(await _start(env, logs / "serve.log", "serve", "--port", str(port)))
        await until_healthy(base, processes[0])
        processes.append(await _start(env, logs / "notify.log", "notify", "run"))
        shop = Shop(base, SECRET)
        yield Voice(base, schema, shop, mailbox, settings)
        await shop.close()
    finally:
        for process in reversed(processes):
            await _stop(process)
        smtp.stop()
        await delete_stream(nats, f"VOICE_{tag}")
        await drop_schema(settings, schema)


async def _start(env: dict[str, str], log: Path, *command: str) -> asyncio.subprocess.Process:
    with log.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", *command, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


async def collected(voice: Voice, customer: str, store: str) -> UUID:
    shop = voice.shop
    order_id, pickup_id = await shop.order_for_pickup(customer, store)
    associate = shop.token(Role.STAFF, "staff-bo", store)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="A1")
    code = (await shop.pickup_of(customer, order_id, "READY"))["pickupCode"]
    assert (await shop.act(documents.COLLECT, associate, id=pickup_id, code=code))[
        "userErrors"
    ] == []
    return UUID(pickup_id)


async def test_a_survey_link_is_answered_once_and_a_second_answer_is_refused(voice: Voice) -> None:
    ada = voice.token(Role.CUSTOMER, "cust-ada")
    await voice.shop.data(CONSENT, ada, granted=True)
    pickup_id = await collected(voice, "cust-ada", "AMS-CENTRAAL")

    [(survey_id, link)] = await voice.surveys_to("ada@example.com", 1)

    assert survey_id == survey_id_for(FeedbackPoint.PICKUP_COLLECTED, pickup_id)
    page = await voice.shop.http.get("/survey")  # the link's page: no token reaches the server
    assert page.status_code == 200 and "survey.js" in page.text
    survey = (await voice.shop.data(SURVEY, None, link=link))["survey"]
    assert survey == {
        "question": "CSAT", "state": "OPEN",
        "prompt": "How satisfied were you with collecting your order at Amsterdam Centraal?",
    }  # fmt: skip
    first = (await voice.shop.data(ANSWER, None, link=link, score=5))["answerSurvey"]
    second = (await voice.shop.data(ANSWER, None, link=link, score=2))["answerSurvey"]
    assert (first["score"], first["userErrors"]) == (5, [])
    assert second["userErrors"] == [{"code": "SURVEY_ALREADY_ANSWERED"}]
    assert (await voice.shop.data(SURVEY, None, link=link))["survey"]["state"] == "ANSWERED"
    me = (await voice.shop.data(TIMELINE, ada, after=first["position"]))["me"]
    assert me["timeline"]["nodes"][0] == {
        "kind": "FEEDBACK_GIVEN", "summary": "Rated the pickup 5 of 5 (CSAT)",
    }  # fmt: skip


async def test_a_survey_is_never_sent_without_consent(voice: Voice) -> None:
    edsger = voice.token(Role.CUSTOMER, "cust-edsger")
    await voice.shop.data(CONSENT, edsger, granted=True)
    await voice.shop.data(CONSENT, edsger, granted=False)
    # Grace was never asked for consent; Edsger said yes, then no.
    withheld = [await collected(voice, who, "AMS-ZUID") for who in ("cust-grace", "cust-edsger")]

    handled = await _survey_outcomes(voice, withheld)

    assert handled == {pickup: ("skipped", None) for pickup in withheld}
    sent_to = {m["To"] for m in voice.mailbox.messages if m["Subject"] == SURVEY_SUBJECT}
    assert not sent_to & {"grace@example.com", "edsger@example.com"}
    streams = [customer_feedback_id(c) for c in ("cust-grace", "cust-edsger")]
    async with _database(voice) as database:
        written = await database.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = ANY($1::uuid[])", streams
        )
    assert written == 0  # not even a request was recorded


async def promised_ready_at(shop: Shop, associate: str, pickup_id: str) -> datetime:
    """As the board shows it, once the board's read model has the new pickup (bounded)."""
    deadline = time.monotonic() + MAILED_WITHIN_S
    while (pickup := (await shop.data(PROMISE, associate, id=pickup_id))["pickup"]) is None:
        assert time.monotonic() < deadline, f"pickup {pickup_id} never on the board"
        await asyncio.sleep(0.1)
    return datetime.fromisoformat(pickup["promisedReadyAt"])


async def test_csat_by_wait_bucket_equals_the_hand_computed_figures(voice: Voice) -> None:
    shop, store = voice.shop, "UTR-CENTRUM"
    await shop.data(CONSENT, voice.token(Role.CUSTOMER, "cust-alan"), granted=True)
    orders = [await shop.order_for_pickup("cust-alan", store) for _ in WAITS_AND_SCORES]
    associate, admin = shop.token(Role.STAFF, "staff-bo", store), voice.token(Role.ADMIN, "root")
    planned = []
    for (order_id, pickup_id), (late, score) in zip(orders, WAITS_AND_SCORES, strict=True):
        promised = await promised_ready_at(shop, associate, pickup_id)
        ready_at = promised + timedelta(minutes=late)
        planned.append((ready_at, order_id, pickup_id, score))
    for ready_at, _, pickup_id, _ in sorted(planned):
        assert (await shop.data(SKIP, admin, to=ready_at.isoformat()))["skipClock"][
            "userErrors"
        ] == []
        await shop.act(documents.START_PICKING, associate, id=pickup_id)
        await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="W1")
    scores = {}
    for _, order_id, pickup_id, score in planned:
        code = (await shop.pickup_of("cust-alan", order_id, "READY"))["pickupCode"]
        await shop.act(documents.COLLECT, associate, id=pickup_id, code=code)
        scores[survey_id_for(FeedbackPoint.PICKUP_COLLECTED, UUID(pickup_id))] = score

    links = dict(await voice.surveys_to("alan@example.com", len(planned)))
    assert set(links) == set(scores)
    last = None
    for survey_id, score in scores.items():
        if score is not None:
            answered = await shop.data(ANSWER, None, link=links[survey_id], score=score)
            last = answered["answerSurvey"]["position"]

    day = datetime.fromisoformat(planned[0][0].isoformat()).date()
    figures = (await shop.data(FIGURES, admin, first=(day - timedelta(days=1)).isoformat(),
                               last=(day + timedelta(days=2)).isoformat(), after=last))  # fmt: skip
    shown = figures["feedbackAnalytics"]
    assert {b["bucket"]: (b["answered"], b["csat"], b["average"]) for b in shown["csatByWait"]} == (
        CSAT_BY_WAIT
    )
    asked, answered_, rate, mean, csat = PICKUP_TOTALS
    total = next(row["scores"] for row in shown["byStore"] if row["allStores"])
    assert total == {"asked": asked, "answered": answered_, "responseRate": rate,
                     "average": mean, "csat": csat}  # fmt: skip


async def _survey_outcomes(voice: Voice, pickups: list[UUID]) -> dict[UUID, tuple[str, Any]]:
    """What the survey mailer did with each pickup's collection: from outbox_notifications,
    keyed by the collection's message id (the pickup's last event)."""
    deadline = time.monotonic() + MAILED_WITHIN_S
    async with _database(voice) as database:
        while True:
            rows = await database.fetch(
                """SELECT e.stream_id, n.outcome, n.recipient FROM outbox_notifications n
                   JOIN events e ON n.message_id = e.stream_id::text || ':' || e.version
                   WHERE e.stream_id = ANY($1::uuid[]) AND e.topic LIKE '%Pickup.Collected'""",
                pickups,
            )
            if len(rows) == len(pickups):
                return {r["stream_id"]: (r["outcome"], r["recipient"]) for r in rows}
            assert time.monotonic() < deadline, f"handled: {rows}"
            await asyncio.sleep(0.2)


class _database:
    def __init__(self, voice: Voice) -> None:
        self.voice = voice

    async def __aenter__(self) -> Any:
        dsn, _ = server_for(self.voice.settings)
        self.connection = await connect(dsn, schema=self.voice.schema)
        return self.connection

    async def __aexit__(self, *_: object) -> None:
        await self.connection.close()
