"""What counts as a failure of the server under fuzz, and how one reads in a report.

A failure is an HTTP 5xx, an `INTERNAL_ERROR` anywhere in an answer, no answer at all, a
projection that left `running`, or one that did not reach the head at the end. Failures are
told apart by who sent what, the symptom, and the exception the server logged; each keeps
the smallest input that showed it and a count of the others."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any

from tests.fuzz.operations import Case

INTERNAL_ERROR = "INTERNAL_ERROR"
SHOWN_CHARACTERS = 160
# A quoted string (JSON's or GraphQL's) longer than this shows only its start.
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
LONGEST_QUOTED, SHOWN_OF_LONG = 120, 40


@dataclasses.dataclass(frozen=True)
class Symptom:
    """What was wrong with one answer: "HTTP 500", "INTERNAL_ERROR at addToCart", ..."""

    kind: str
    detail: str
    at: str = ""  # a projection's: the position it stopped at


@dataclasses.dataclass
class Failure:
    identity: str  # who sent it: "admin", "anonymous"
    operation: str  # "mutation addToCart"
    case: Case | None  # None for a projection found failed after the operation was fuzzed
    symptom: Symptom
    cause: str = ""  # the exception the server logged while serving it, when it logged one
    request_id: str = ""
    seen: int = 1
    # A state found between requests (a failed projection): it stays, so it is one failure
    # wherever it is seen again; `case` is then the first write after the projection stopped.
    lasting: bool = False
    senders: set[str] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        self.senders.add(self.identity)

    @property
    def signature(self) -> tuple[str, ...]:
        """The same operation, symptom and exception is one failure, whoever sent it."""
        operation = "" if self.lasting else self.operation
        return (operation, self.symptom.kind, self.cause.split(":", 1)[0])

    @property
    def size(self) -> int:
        if self.case is None:
            return 0
        return len(self.case.document) + len(json.dumps(self.case.variables))


def symptoms(status: int, body: bytes) -> list[Symptom]:
    """Every failure one answer shows; none for a refusal the server meant."""
    if status >= 500:
        return [Symptom(f"HTTP {status}", shown(body.decode(errors="replace")))]
    try:
        answer = json.loads(body)
    except ValueError:
        # A 4xx in plain text is the server's own word on a malformed request.
        return [] if status >= 400 else [Symptom("an answer that is not JSON", shown(body))]
    return [
        Symptom(f"{INTERNAL_ERROR} at {_path(error)}", str(error.get("message", "")))
        for error in _internal_errors(answer)
    ]


def projection_symptoms(health: dict[str, Any]) -> list[Symptom]:
    """A projection in any state but running, as /health reports it."""
    return [
        Symptom(f"projection {p['name']} {p['state']}", str(p.get("error") or ""), p["position"])
        for p in health.get("projections", [])
        if p.get("state") != "running"
    ]


def behind_head(health: dict[str, Any]) -> list[Symptom]:
    """Running projections that have not reached the event store's visible head."""
    head = health.get("event_store", {}).get("visible_head")
    return [
        Symptom(
            f"projection {p['name']} behind the head",
            f"at {p['position']}, head {head}",
            p["position"],
        )
        for p in health.get("projections", [])
        if p.get("state") == "running" and (p.get("position") != head or p.get("lag_events"))
    ]


class Failures:
    """Distinct failures, each with its smallest input."""

    def __init__(self) -> None:
        self._by_signature: dict[tuple[str, ...], Failure] = {}

    def add(self, failure: Failure) -> None:
        known = self._by_signature.get(failure.signature)
        if known is not None:
            known.seen += 1
            known.senders |= failure.senders
            if failure.size >= known.size:
                return
            failure.seen, failure.senders = known.seen, known.senders
        self._by_signature[failure.signature] = failure

    def __iter__(self) -> Any:
        return iter(self._by_signature.values())

    def __len__(self) -> int:
        return len(self._by_signature)

    def report(self, summary: str) -> str:
        lines = [f"{len(self)} distinct failures. {summary}"]
        for number, failure in enumerate(sorted(self, key=_order), start=1):
            lines += _described(number, failure)
        return "\n".join(lines)


def _described(number: int, failure: Failure) -> list[str]:
    found = f"found after {failure.operation}" if failure.lasting else failure.operation
    senders = " and ".join(sorted(who for who in failure.senders if who))
    cause = failure.cause or failure.symptom.detail or "(nothing logged)"
    lines = [
        f"[{number}] {found} · {failure.symptom.kind} (seen {failure.seen}x, as {senders})",
        f"    cause: {shown(' '.join(cause.split()))}",
    ]
    case = failure.case
    if failure.lasting:
        lines.append(f"    stopped at {failure.symptom.at}; the first write after it:")
    if case is not None:
        lines.append("    " + readable(" ".join(case.document.split())))
        if case.variables:
            lines.append(f"    variables: {readable(json.dumps(case.variables))}")
        headers = {"X-Omni-Device": case.device, "X-Omni-Channel": case.channel}
        sent = {name: value for name, value in headers.items() if value is not None}
        if sent:
            lines.append(f"    headers: {readable(json.dumps(sent))}")
        lines.append(f"    sent as {failure.identity}, request id {failure.request_id}")
    return lines


def readable(text: str) -> str:
    """Control characters and lone surrogates escaped, a long run of one character counted,
    and the rest of a long quoted string left out."""
    shown = text.encode("ascii", "backslashreplace").decode()
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return QUOTED.sub(_abridged, _runs_counted(shown))


def _abridged(quoted: re.Match[str]) -> str:
    text = quoted.group(1)
    if len(text) <= LONGEST_QUOTED:
        return quoted.group(0)
    return f'"{text[:SHOWN_OF_LONG]}...<{len(text) - SHOWN_OF_LONG} more>"'


def _runs_counted(text: str, at_least: int = 20) -> str:
    out: list[str] = []
    start = 0
    while start < len(text):
        end = start
        while end < len(text) and text[end] == text[start]:
            end += 1
        run = end - start
        out.append(f"<{text[start]!r} x {run}>" if run >= at_least else text[start:end])
        start = end
    return "".join(out)


def _order(failure: Failure) -> tuple[str, ...]:
    return (failure.operation, failure.symptom.kind)


def _internal_errors(answer: Any) -> list[dict[str, Any]]:
    if not isinstance(answer, dict):
        return []
    errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    found = [e for e in errors if (e.get("extensions") or {}).get("code") == INTERNAL_ERROR]
    if INTERNAL_ERROR in _codes_in(answer.get("data")):
        found.append({"message": "a userError says INTERNAL_ERROR", "path": ["userErrors"]})
    return found


def _codes_in(data: Any) -> Iterable[Any]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "code":
                yield value
            else:
                yield from _codes_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from _codes_in(item)


def _path(error: dict[str, Any]) -> str:
    """The error's path without list indexes: one bug in a list is one failure."""
    return ".".join(str(p) for p in error.get("path") or [] if not isinstance(p, int)) or "(root)"


def shown(text: str | bytes) -> str:
    """The start of a long text."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "..."
