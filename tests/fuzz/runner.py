"""A bounded fuzz run against a server process. For each identity and each root field of the
schema, hypothesis draws requests (operations.py) until that field's share of the time is
spent; the oracle (oracle.py) judges every answer, and /health's projections after each field
and at the end. The server logs JSON lines to a file, so a failure names the exception the
server logged while serving it."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import json
import re
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import graphql
import httpx
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisWarning
from hypothesis.strategies import SearchStrategy

from tests.fuzz.operations import Case, KnownValues, cases
from tests.fuzz.oracle import (
    Failure,
    Failures,
    Symptom,
    behind_head,
    projection_symptoms,
    shown,
    symptoms,
)

REQUEST_TIMEOUT_SECONDS = 30.0
HEAD_WAIT_SECONDS = 30.0
RETRYING_SECONDS = 5.0
# Transport errors in a row after which the server is taken for gone and the run stops.
GONE_AFTER = 3
EXAMPLES_WITHOUT_LIMIT = 1_000_000
# Every field gets this many requests, even once the time is spent.
FEWEST_REQUESTS = 3


# The line of a traceback that names the exception: "asyncpg.exceptions.DataError: ...".
RAISED = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exceeded|Timeout)\w*(: |$)")


class BudgetSpent(Exception):
    """The field's share of the time is over: raised to stop hypothesis drawing."""


class ServerGone(Exception):
    """The server stopped answering."""


class Write(NamedTuple):
    """An accepted write: where its last event went, who sent it, what it was."""

    at: tuple[int, int]
    identity: str
    case: Case
    request_id: str


@dataclasses.dataclass(frozen=True)
class Identity:
    name: str
    token: str | None


class ServerLog:
    """The server's log, read as it is written: what it logged while serving a request (by
    request id; a plain-text traceback belongs to the request being served), else what the
    server's background work (projections, scheduler) logged meanwhile."""

    def __init__(self, path: Path) -> None:
        self._log = path.open("rb")
        self._log.seek(0, io.SEEK_END)  # what the server logged before the run is not ours

    def causes(self, request_id: str) -> str:
        written = self._log.read()
        complete = written[: written.rfind(b"\n") + 1]
        self._log.seek(len(complete) - len(written), io.SEEK_CUR)  # a line half written
        logged = _exceptions(complete.decode(errors="replace"))
        found = [cause for rid, cause in logged if rid in (request_id, None)]
        if not found:
            found = [f"meanwhile: {cause}" for rid, cause in logged if rid == ""]
        return " / ".join(dict.fromkeys(found))

    def close(self) -> None:
        self._log.close()


def _exceptions(text: str) -> list[tuple[str | None, str]]:
    """(request id, what went wrong) for each warning, error and exception in the log text:
    JSON lines carry the id of the request being served ("" for none: the projections, the
    scheduler); a plain-text traceback (uvicorn's own) carries none (None)."""
    found: list[tuple[str | None, str]] = []
    in_traceback = False
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                    exception = entry.get("exception")
                    said = _raised(exception.splitlines()) if exception else entry["message"]
                    found.append((entry.get("request_id", ""), shown(said)))
        elif line.startswith("Traceback"):
            in_traceback = True
        elif in_traceback and RAISED.match(line):
            found.append((None, line))  # each exception of a chain, the outermost last
    return found


def _raised(traceback: list[str]) -> str:
    """The exception line of a traceback (asyncpg's add DETAIL and HINT lines after it)."""
    return next((line for line in reversed(traceback) if RAISED.match(line)), traceback[-1])


@dataclasses.dataclass
class FuzzRun:
    base: str
    schema: graphql.GraphQLSchema
    known: KnownValues
    log: ServerLog
    failures: Failures = dataclasses.field(default_factory=Failures)
    outcomes: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=REQUEST_TIMEOUT_SECONDS)
        self._request_ids = itertools.count(1)
        self._errors_in_a_row = 0
        self._cases: dict[tuple[str, str], SearchStrategy[Case]] = {}
        self._writes: list[Write] = []

    def run(self, identities: list[Identity], seconds: float) -> None:
        """Every root field for every identity, in `seconds` shared out as it goes (a field
        whose inputs run out early leaves its time to the others); then the head."""
        slots = [(who, *field) for who in identities for field in root_fields(self.schema)]
        end = time.monotonic() + seconds
        try:
            for done, (identity, root, field) in enumerate(slots):
                share = (end - time.monotonic()) / (len(slots) - done)
                self._fuzz(identity, root, field, time.monotonic() + share)
                self._check_projections(identity, f"{root} {field}")
        except ServerGone:
            return
        self._check_head()

    def close(self) -> None:
        self.http.close()
        self.log.close()

    def summary(self) -> str:
        """Per identity: how many requests, and how they ended (data, an error's code...)."""
        lines = []
        for identity in dict.fromkeys(who for who, _ in self.outcomes):
            seen = {o: n for (who, o), n in self.outcomes.items() if who == identity}
            outcomes = ", ".join(f"{o} {n}" for o, n in sorted(seen.items(), key=lambda i: -i[1]))
            lines.append(f"{identity}: {sum(seen.values())} requests ({outcomes})")
        return "\n".join(lines)

    def send(self, identity: Identity, case: Case) -> None:
        request_id = f"fuzz-{next(self._request_ids)}"
        headers = {"content-type": "application/json", "x-request-id": request_id}
        if identity.token:
            headers["authorization"] = f"Bearer {identity.token}"
        if case.device is not None:
            headers["x-omni-device"] = case.device
        if case.channel is not None:
            headers["x-omni-channel"] = case.channel
        body = json.dumps({"query": case.document, "variables": case.variables}).encode()
        try:
            response = self.http.post("/graphql", content=body, headers=headers)
        except httpx.LocalProtocolError:
            raise  # the fuzzer drew a request HTTP cannot carry: its own bug
        except httpx.TransportError as error:
            found = [Symptom("no answer", f"{type(error).__name__}: {error}")]
            self._errors_in_a_row += 1
        else:
            self._errors_in_a_row = 0
            found = symptoms(response.status_code, response.content)
            self.learn(identity, case, response, request_id)
        if found:
            cause = self.log.causes(request_id)
            for symptom in found:
                self.failures.add(
                    Failure(identity.name, case.operation, case, symptom, cause, request_id)
                )
        if self._errors_in_a_row >= GONE_AFTER:
            self.failures.add(
                Failure(identity.name, case.operation, None, Symptom("the server is gone", ""))
            )
            raise ServerGone

    def _fuzz(self, identity: Identity, root: str, field: str, deadline: float) -> None:
        if (root, field) not in self._cases:
            self._cases[root, field] = cases(self.schema, root, field, self.known)
        sent = itertools.count()

        @settings(
            database=None,
            deadline=None,
            max_examples=EXAMPLES_WITHOUT_LIMIT,
            phases=[Phase.generate],
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(self._cases[root, field])
        def send_until_the_deadline(case: Case) -> None:
            if next(sent) >= FEWEST_REQUESTS and time.monotonic() > deadline:
                raise BudgetSpent
            self.send(identity, case)

        with contextlib.suppress(BudgetSpent), warnings.catch_warnings():
            # Hypothesis notes the example it stopped at; a 70 kB one earns a warning.
            warnings.simplefilter("ignore", HypothesisWarning)
            send_until_the_deadline()

    def learn(
        self, identity: Identity, case: Case, response: httpx.Response, request_id: str = ""
    ) -> None:
        """Count the outcome, harvest the answer, and remember where an accepted write went."""
        try:
            answer = response.json()
        except ValueError:
            self.outcomes[identity.name, f"HTTP {response.status_code}"] += 1
            return
        outcome = _outcome(response.status_code, answer)
        self.outcomes[identity.name, outcome] += 1
        if not isinstance(answer, dict):
            return
        self.known.harvest(answer.get("data"))
        for payload in (answer.get("data") or {}).values():
            position = _position(payload.get("position")) if isinstance(payload, dict) else None
            if position is not None and outcome == "data":
                self._writes.append(Write(position, identity.name, case, request_id))

    def lasting(self, symptom: Symptom, identity: str, operation: str) -> Failure:
        """A projection's lasting failure, blamed on the accepted write with the lowest
        position past where it stopped: the request that wrote the event it could not apply
        (or a later one of the same request)."""
        stopped = _position(symptom.at)
        later = [write for write in self._writes if stopped is not None and write.at > stopped]
        if not later:
            return Failure(identity, operation, None, symptom, symptom.detail, lasting=True)
        first = min(later)
        return Failure(
            first.identity,
            first.case.operation,
            first.case,
            symptom,
            symptom.detail,
            first.request_id,
            lasting=True,
        )

    def _health(self) -> dict[str, Any]:
        return self.http.get("/health").json()  # type: ignore[no-any-return]

    def _check_projections(self, identity: Identity, operation: str) -> None:
        """Every projection running; one that is retrying a transient error (a lost race, a
        dropped connection) gets a few seconds to be running again."""
        deadline = time.monotonic() + RETRYING_SECONDS
        stopped = projection_symptoms(self._health())
        while any(not s.kind.endswith(" failed") for s in stopped) and time.monotonic() < deadline:
            time.sleep(0.2)
            stopped = projection_symptoms(self._health())
        for symptom in stopped:
            self.failures.add(self.lasting(symptom, identity.name, operation))

    def _check_head(self) -> None:
        """Every projection reaches the head (bounded) and is still running there."""
        deadline = time.monotonic() + HEAD_WAIT_SECONDS
        while True:
            health = self._health()
            late = projection_symptoms(health) + behind_head(health)
            if not late or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for symptom in late:
            self.failures.add(self.lasting(symptom, "", "the end of the run"))


def root_fields(schema: graphql.GraphQLSchema) -> list[tuple[str, str]]:
    """("query", name) and ("mutation", name) for every root field, in the schema's order."""
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type))
    return [(root, name) for root, type_ in roots if type_ for name in type_.fields]


def _outcome(status: int, answer: Any) -> str:
    """How a request ended, for the summary: data, a GraphQL error's code, a userError's."""
    if not isinstance(answer, dict):
        return f"HTTP {status}"
    for error in answer.get("errors") or []:
        return str((error.get("extensions") or {}).get("code", "an error without a code"))
    for payload in (answer.get("data") or {}).values():
        for user_error in payload.get("userErrors") or [] if isinstance(payload, dict) else []:
            return f"userError {user_error.get('code', '')}".strip()
    return "data"


def _position(token: Any) -> tuple[int, int] | None:
    """A position token ("transaction.position") as a pair that sorts as positions do."""
    transaction, _, position = str(token).partition(".")
    if not (transaction.isdecimal() and position.isdecimal()):
        return None
    return int(transaction), int(position)
