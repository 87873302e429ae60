"""The differential check (tests/plan_shadow.py, around every test here) can fail: a plan
that answers otherwise than graphql-core, and an operation that loses its plan for nothing
plans leave to graphql-core, are each reported with what differed. The README's examples
run through it too (operations.js and the simulator's run in their own tests' servers)."""

from __future__ import annotations

from typing import Any

import pytest

from api.auth import Role
from api.graphql.engine import execution
from api.graphql.engine.plan_run import PlanRun
from tests.api.conftest import Api
from tests.plan_shadow import PlanShadow
from tests.unit.test_readme_examples import readme_operations

PRODUCT = 'query Lamp { product(sku: "LAVA-LAMP") { sku name } }'


async def test_a_plan_answering_otherwise_than_graphql_core_is_reported(
    api: Api, monkeypatch: pytest.MonkeyPatch, plans_answer_as_graphql_core_does: PlanShadow
) -> None:
    shadow = plans_answer_as_graphql_core_does
    leaf = PlanRun.__dict__["_direct"]

    def off_by_one_name(self: PlanRun, plan: Any, shape: Any, value: Any, parent: Any) -> Any:
        done = leaf(self, plan, shape, value, parent)
        return done + "!" if plan.name == "name" else done

    monkeypatch.setattr(PlanRun, "_direct", off_by_one_name)
    answered = await api.data(PRODUCT)
    monkeypatch.undo()

    [divergence] = shadow.seen.divergences
    shadow.seen.divergences.clear()  # seen: the fixture's own check passes
    assert answered["product"]["name"].endswith("!")
    assert divergence["operation"] == "Lamp"
    assert f'"name": "{answered["product"]["name"]}"' in divergence["plans"]["data"]
    assert divergence["graphql-core"]["data"] == divergence["plans"]["data"].replace("!", "")


async def test_an_operation_that_loses_its_plan_silently_is_reported(
    api: Api, monkeypatch: pytest.MonkeyPatch, plans_answer_as_graphql_core_does: PlanShadow
) -> None:
    shadow = plans_answer_as_graphql_core_does
    monkeypatch.setattr(execution, "compile_plan", lambda *_: None)

    await api.data(PRODUCT)

    [fallback] = shadow.seen.silent_fallbacks
    shadow.seen.silent_fallbacks.clear()
    assert fallback.startswith("Lamp\n") and "LAVA-LAMP" in fallback


async def test_what_plans_leave_to_graphql_core_is_no_silent_fallback(
    api: Api, plans_answer_as_graphql_core_does: PlanShadow
) -> None:
    shadow = plans_answer_as_graphql_core_does

    await api.data('query Kinds { product(sku: "LAVA-LAMP") { sku @include(if: true) } }')

    assert shadow.seen.silent_fallbacks == []
    assert list(shadow.seen.left_to_graphql_core.values()) == ["a directive"]


async def test_the_readme_examples_answer_alike_both_ways(
    api: Api, plans_answer_as_graphql_core_does: PlanShadow
) -> None:
    """What a newcomer copies from the README, sent as a customer (a placeholder id stands for
    an earlier answer's: its refusal is compared too); the fixture fails on any difference."""
    shadow = plans_answer_as_graphql_core_does
    customer = api.token(Role.CUSTOMER, "cust-readme")
    operations = readme_operations()

    for operation in operations:
        answer = await api.gql(operation, customer)
        assert "data" in answer, answer

    assert len(shadow.seen.compared) == len(operations)
    assert shadow.seen.silent_fallbacks == [] and shadow.seen.divergences == []
