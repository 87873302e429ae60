"""Compiled plans answer exactly as graphql-core does: the same data, the same errors with the
same paths, the same nulls propagated, for every document a plan covers; documents a plan
does not cover compile to none and are left to graphql-core."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, OperationDefinitionNode, execute, parse, validate
from graphql.pyutils import is_awaitable
from strawberry.dataloader import DataLoader

from api.graphql.engine.fast_fields import FastLeafExecutor
from api.graphql.engine.plan_run import PlanRun
from api.graphql.engine.plans import compile_plan


class Boom(Exception):
    pass


@strawberry.type
class Line:
    sku: str
    quantity: int
    note: str | None = None

    @strawberry.field
    async def stock(self, info: strawberry.Info) -> int:
        return await info.context["stock"].load(self.sku)  # type: ignore[no-any-return]

    @strawberry.field
    def broken(self) -> str | None:
        raise Boom(f"no {self.sku}")

    @strawberry.field
    def required(self) -> str:
        return None  # type: ignore[return-value]


@strawberry.type
class Basket:
    id: strawberry.ID
    lines: list[Line]
    maybe_lines: list[Line | None] | None
    total: float

    @strawberry.field
    async def later(self, times: int = 1) -> list[Line]:
        await asyncio.sleep(0)
        return self.lines * times


BASKET = Basket(
    id=strawberry.ID("b-1"),
    lines=[Line(sku="LAMP", quantity=2), Line(sku="CLOCK", quantity=1, note="gift")],
    maybe_lines=[Line(sku="FAN", quantity=3), None],
    total=12.5,
)


@strawberry.type
class Query:
    @strawberry.field
    async def basket(self) -> Basket:
        return BASKET

    @strawberry.field
    def maybe(self, fail: bool = False) -> Basket | None:
        if fail:
            raise Boom("no basket")
        return BASKET

    @strawberry.field
    def must(self) -> Basket:
        raise Boom("must fail")


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def touch(self, sku: str) -> Line:
        return Line(sku=sku, quantity=1)


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation)

COVERED = {
    "leaves and lists": "{ basket { id total lines { sku quantity note } } }",
    "aliases and typename": "{ b: basket { __typename first: lines { s: sku } } }",
    "fragments": """query { basket { ...B } } fragment B on Basket { lines { ...L } id }
                    fragment L on Line { sku ... on Line { quantity } }""",
    "a nullable field that fails": "{ basket { lines { sku broken } } }",
    "a non-null field that is null": "{ basket { lines { sku required } } }",
    "a non-null root that fails": "{ must { id } }",
    "a nullable root that fails": "{ maybe(fail: true) { id } basket { id } }",
    "async fields batched by a loader": "{ basket { lines { sku stock } later(times: 2) { sku } } }",  # noqa: E501
    "null items of a nullable list": "{ basket { maybeLines { sku required } } }",
    "variables": "query($fail: Boolean!) { maybe(fail: $fail) { id } }",
    "a mutation": 'mutation { a: touch(sku: "X") { sku } b: touch(sku: "Y") { quantity } }',
}
LEFT_TO_GRAPHQL_CORE = {
    "a directive": "query($x: Boolean!) { basket { id @include(if: $x) } }",
    "introspection": "{ __schema { queryType { name } } }",
    "a key selected two ways": "{ basket { lines { sku } lines { quantity } } }",
}


async def run_both(query: str, variables: dict[str, Any] | None) -> tuple[Any, Any, bool]:
    document = parse(query)
    assert validate(SCHEMA._schema, document) == []
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    plan = compile_plan(SCHEMA._schema, document, operation)
    reference = await _settle(
        execute(
            SCHEMA._schema,
            document,
            context_value=_context(),
            variable_values=variables,
            executor_class=FastLeafExecutor,
            is_awaitable=is_awaitable,
        )
    )
    if plan is None:
        return reference.formatted, None, False
    executor = FastLeafExecutor.build(
        SCHEMA._schema,
        document,
        context_value=_context(),
        raw_variable_values=variables,
        is_awaitable=is_awaitable,
    )
    if isinstance(executor, list):  # as the API answers variables that cannot be coerced
        return reference.formatted, ExecutionResult(None, executor).formatted, True
    ours = await _settle(PlanRun(executor).run(plan))
    return reference.formatted, ours.formatted, True


def _context() -> dict[str, Any]:
    async def stock_of(skus: list[str]) -> list[int]:
        _context.batches.append(list(skus))  # type: ignore[attr-defined]
        return [len(sku) for sku in skus]

    return {"stock": DataLoader(stock_of)}


_context.batches = []  # type: ignore[attr-defined]


async def _settle(result: Any) -> ExecutionResult:
    return await result if is_awaitable(result) else result  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(COVERED))
async def test_a_covered_document_answers_as_graphql_core(name: str) -> None:
    variables = {"fail": True} if "$fail" in COVERED[name] else None
    reference, ours, planned = await run_both(COVERED[name], variables)
    assert planned, f"{name}: expected a plan"
    assert ours == reference


async def test_loader_calls_of_list_items_are_batched_as_in_graphql_core() -> None:
    _context.batches.clear()  # type: ignore[attr-defined]
    await run_both(COVERED["async fields batched by a loader"], None)
    reference_batches, plan_batches = _context.batches  # type: ignore[attr-defined]
    assert plan_batches == reference_batches == ["LAMP", "CLOCK"]


async def test_uncoercible_variables_are_request_errors_either_way() -> None:
    reference, ours, _ = await run_both(COVERED["variables"], {"fail": "yes"})
    assert ours == reference and reference["data"] is None


@pytest.mark.parametrize("name", list(LEFT_TO_GRAPHQL_CORE))
async def test_what_plans_do_not_cover_compiles_to_none(name: str) -> None:
    variables = {"x": True} if "$x" in LEFT_TO_GRAPHQL_CORE[name] else None
    _, ours, planned = await run_both(LEFT_TO_GRAPHQL_CORE[name], variables)
    assert not planned and ours is None
