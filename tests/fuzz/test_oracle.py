"""The fuzzer's own parts, without a server: what it calls a failure, how it tells failures
apart, how a report reads, what it learns from answers and how it shapes requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import graphql
import httpx
from hypothesis import HealthCheck, given, settings

from tests.fuzz.operations import Case, KnownValues, cases
from tests.fuzz.oracle import (
    Failure,
    Failures,
    Symptom,
    behind_head,
    projection_symptoms,
    symptoms,
)
from tests.fuzz.runner import FuzzRun, Identity, ServerLog

SCHEMA = graphql.build_schema(
    """
    scalar UUID
    type Cart { id: UUID! lines(first: Int): [String!]! }
    type Payload { cartId: UUID position: String cartToken: String }
    type Query { cart(id: UUID!, consistentWith: String): Cart }
    type Mutation { addToCart(cartId: UUID!, sku: String!, quantity: Int! = 1): Payload! }
    """
)
CASE = Case("mutation addToCart", 'mutation { addToCart(sku: "A\\u0000") { position } }', {})


def test_a_5xx_an_internal_error_and_a_non_json_200_are_failures() -> None:
    internal = {"errors": [{"message": "internal error", "path": ["addToCart", 0, "cart"],
                            "extensions": {"code": "INTERNAL_ERROR"}}]}  # fmt: skip

    assert [s.kind for s in symptoms(500, b"Internal Server Error")] == ["HTTP 500"]
    assert [s.kind for s in symptoms(200, json.dumps(internal).encode())] == [
        "INTERNAL_ERROR at addToCart.cart"
    ]
    assert [s.kind for s in symptoms(200, b"<html>")] == ["an answer that is not JSON"]


def test_refusals_the_server_meant_are_not_failures() -> None:
    refused = {"errors": [{"message": "no", "extensions": {"code": "NOT_AUTHENTICATED"}}]}
    user_error = {"data": {"addToCart": {"userErrors": [{"code": "UNKNOWN_PRODUCT"}]}}}

    assert symptoms(200, json.dumps(refused).encode()) == []
    assert symptoms(200, json.dumps(user_error).encode()) == []
    assert symptoms(400, b"Unable to parse request body as JSON") == []
    assert symptoms(413, b"Request Entity Too Large") == []


def test_a_projection_not_running_or_behind_the_head_is_a_failure() -> None:
    health = {
        "event_store": {"visible_head": "9.12"},
        "projections": [
            {"name": "orders", "state": "running", "position": "9.12", "lag_events": 0},
            {"name": "cart_continuity", "state": "failed", "position": "9.10", "lag_events": 2,
             "error": "ProgramLimitExceededError: index row size 3032 exceeds"},
            {"name": "journeys", "state": "running", "position": "9.11", "lag_events": 1},
        ],
    }  # fmt: skip

    [failed] = projection_symptoms(health)
    assert failed.kind == "projection cart_continuity failed"
    assert "ProgramLimitExceededError" in failed.detail and failed.at == "9.10"
    [behind] = behind_head(health)
    assert (behind.kind, behind.at) == ("projection journeys behind the head", "9.11")


def test_one_failure_per_operation_symptom_and_exception_with_its_smallest_input() -> None:
    failures = Failures()
    [symptom] = symptoms(500, b"boom")
    bigger = Case(CASE.operation, CASE.document + " " * 50, {"sku": "x" * 40})
    failures.add(Failure("admin", CASE.operation, bigger, symptom, "KeyError: 'Nope'"))
    failures.add(Failure("anonymous", CASE.operation, CASE, symptom, "KeyError: 'Other'"))
    failures.add(Failure("admin", CASE.operation, bigger, symptom, "KeyError: 'Nope'"))
    failures.add(Failure("admin", CASE.operation, CASE, symptom, "ValueError: bad"))
    failures.add(Failure("admin", "query product", CASE, symptom, "KeyError: 'Nope'"))

    assert len(failures) == 3
    first = next(iter(failures))
    assert (first.case, first.seen, first.senders) == (CASE, 3, {"admin", "anonymous"})


def test_a_report_shows_the_request_escaped_with_long_runs_counted_and_long_text_cut() -> None:
    failures = Failures()
    variables = {"deviceId": "d" * 3000 + "\x00", "reason": "ab" * 100}
    case = Case(CASE.operation, CASE.document, variables, device="x" * 30)
    failures.add(Failure("admin", CASE.operation, case, symptoms(502, b"")[0], "", "fuzz-7"))

    report = failures.report("admin: 1 requests")

    assert "[1] mutation addToCart · HTTP 502 (seen 1x, as admin)" in report
    assert "<'d' x 3000>\\u0000" in report
    assert "\x00" not in report
    assert f'"reason": "{"ab" * 20}...<160 more>"' in report
    assert '"X-Omni-Device": "<\'x\' x 30>"' in report
    assert "sent as admin, request id fuzz-7" in report


def test_the_server_log_names_what_went_wrong_while_serving_a_request(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    write = _appender(path)
    write({"level": "ERROR", "request_id": "fuzz-1", "exception": "Traceback\nKeyError: 'old'"})
    log = ServerLog(path)
    raised = "Traceback (most recent call last):\n  File x\nasyncpg.exceptions.DataError: bad"

    write(
        {"level": "ERROR", "request_id": "fuzz-1", "exception": raised + "\nDETAIL:  \\0"},
        {"level": "ERROR", "request_id": "fuzz-2", "exception": "Traceback\nKeyError: 'x'"},
    )
    assert log.causes("fuzz-1") == "asyncpg.exceptions.DataError: bad"
    write(
        {"level": "INFO", "request_id": "fuzz-4", "message": "refused"},
        {"level": "WARNING", "request_id": "fuzz-4", "message": "database unavailable"},
    )
    assert log.causes("fuzz-4") == "database unavailable"
    write("Traceback (most recent call last):\n  File y\nUnicodeDecodeError: 'utf-8'")
    assert log.causes("fuzz-5") == "UnicodeDecodeError: 'utf-8'"
    write({"level": "ERROR", "exception": "Traceback\nRuntimeError: a projection stopped"})
    assert log.causes("fuzz-6") == "meanwhile: RuntimeError: a projection stopped"

    with path.open("a") as server:
        server.write('{"level": "ERROR", "request_id": "fuzz-7", "message": "half')
    assert log.causes("fuzz-7") == ""
    with path.open("a") as server:
        server.write(' written"}\n')
    assert log.causes("fuzz-7") == "half written"


def _appender(path: Path) -> Callable[..., None]:
    def write(*lines: dict[str, str] | str) -> None:
        with path.open("a") as server:
            for line in lines:
                server.write((line if isinstance(line, str) else json.dumps(line)) + "\n")

    return write


def test_a_stopped_projection_is_blamed_on_the_first_accepted_write_past_its_checkpoint(
    tmp_path: Path,
) -> None:
    (tmp_path / "log").touch()
    run = FuzzRun("http://127.0.0.1:9", SCHEMA, KnownValues({}), ServerLog(tmp_path / "log"))
    writes = {"6.1": "later", "5.8": "culprit", "5.2": "applied", "5.9": "refused"}
    for position, label in writes.items():
        payload = {
            "position": position,
            "userErrors": [{"code": "NOT_FOUND"}] * (label == "refused"),
        }
        answer = httpx.Response(200, json={"data": {"receiveStock": payload}})
        case = Case("mutation receiveStock", label, {})
        run.learn(Identity("admin", None), case, answer, f"fuzz-{label}")

    failure = run.lasting(Symptom("projection store_inventory failed", "DataError", "5.7"), "", "")

    assert failure.case is not None and failure.case.document == "culprit"
    assert (failure.identity, failure.request_id, failure.lasting) == (
        "admin",
        "fuzz-culprit",
        True,
    )


def test_what_an_answer_names_is_sent_back_later() -> None:
    known = KnownValues({"sku": ["LAVA-LAMP"]})
    cart_id = "0b6c1b1e-6c39-4b53-8e53-4c1f0e7d3a11"

    known.harvest({"startCart": {"cartId": cart_id, "cartToken": "eyJ", "position": "5.7"}})

    assert known.values("uuid") == [cart_id]
    assert known.values("cartToken") == ["eyJ"]
    assert known.values("position") == ["5.7"]
    assert known.values("sku") == ["LAVA-LAMP"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases(
        SCHEMA,
        "mutation",
        "addToCart",
        KnownValues({"sku": ["LAVA-LAMP"], "uuid": ["0b6c1b1e-6c39-4b53-8e53-4c1f0e7d3a11"]}),
    )
)
def test_every_request_names_its_root_field_and_defines_each_variable_it_sends(
    case: Case,
) -> None:
    document = graphql.parse(case.document)
    [operation] = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    assert [f.name.value for f in operation.selection_set.selections] == ["addToCart"]  # type: ignore[attr-defined]
    defined = {d.variable.name.value for d in operation.variable_definitions or ()}
    assert defined == set(case.variables)
