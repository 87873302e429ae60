"""Validation never crashes an operation strawberry runs (the WebSocket): a rule that raises
refuses the operation with an error the transport sends as an `error` message, and the bug
is logged with its traceback. Before, the exception ended the stream (a bare `complete`)."""

from __future__ import annotations

import logging

import pytest
from strawberry.types.execution import PreExecutionError

from api.graphql.engine.validation import LIMIT_RULES
from api.graphql.schema import schema

BOARD = 'subscription { pickupBoard(storeId: "AMS-CENTRAAL") { toPick { id: pickupId } } }'


async def test_a_rule_that_raises_refuses_the_operation_as_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("injected: the depth limit is broken")

    monkeypatch.setattr(LIMIT_RULES[0], "__init__", broken)  # the depth limiter's whole work

    stream = await schema.subscribe(BOARD)
    results = [result async for result in stream]

    [refused] = results
    assert isinstance(refused, PreExecutionError)
    assert [(e.message, e.extensions) for e in refused.errors or ()] == [
        ("internal error", {"code": "INTERNAL_ERROR"})
    ]
    [logged] = [r for r in caplog.records if r.exc_info and r.levelno == logging.ERROR]
    assert "injected: the depth limit is broken" in str(logged.exc_info[1])  # type: ignore[index]
