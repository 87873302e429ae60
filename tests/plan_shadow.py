"""The differential check of compiled plans on the real schema (issue 18 item 2): while it is
installed, every operation the API runs through a plan is answered a second time by
graphql-core's own `execute` (with strawberry's execution context, as the library runs it),
and the two answers are compared: data (values and key order), errors, their paths and
locations, and where nulls propagated.

Queries are read-only and run twice. A mutation runs once: its root fields' values (the
payloads, or the errors they raised) are recorded from the plan's run, and graphql-core then
executes the same document with a middleware that answers each root field with the recorded
value, so the payload's selection is completed both ways from the same objects.

It also guards the fast path: an operation with no plan must use something plans leave to
graphql-core (tests/plan_fallback.py), or the document fell back silently.

tests/api installs it around every test (conftest.py); the servers of tests/staff and
tests/simulate start through `shadowed_app`, which writes what it saw to OMNI_TEST_SHADOW_LOG.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from graphql import DocumentNode, ExecutionResult, execute, print_ast
from graphql.pyutils import is_awaitable

from api.graphql.context import RequestContext
from api.graphql.engine.execution import GraphQLExecutor, Prepared
from api.graphql.engine.plan_run import PlanRun
from api.graphql.engine.plans import FieldPlan, Plan
from api.graphql.engine.storable import StorableTextExecutor
from tests.plan_fallback import fallback_reason


@dataclass
class Seen:
    """What one process's shadow saw: each distinct operation (its printed document and
    name) and how it ran, and every way a plan answered otherwise than graphql-core."""

    compared: dict[str, str] = field(default_factory=dict)  # operation -> "query"/"mutation"
    left_to_graphql_core: dict[str, str] = field(default_factory=dict)  # operation -> reason
    divergences: list[dict[str, Any]] = field(default_factory=list)
    silent_fallbacks: list[str] = field(default_factory=list)

    def merge(self, other: Seen) -> None:
        self.compared |= other.compared
        self.left_to_graphql_core |= other.left_to_graphql_core
        self.divergences += other.divergences
        self.silent_fallbacks += other.silent_fallbacks

    def problems(self) -> list[str]:
        return [
            *(json.dumps(d, indent=1, default=str) for d in self.divergences),
            *(
                f"no plan, and nothing plans leave to graphql-core:\n{doc}"
                for doc in self.silent_fallbacks
            ),
        ]


class RecordingRun(PlanRun):
    """A plan's run that also keeps what each root field resolved to (or raised)."""

    def __init__(self, executor: Any) -> None:
        super().__init__(executor)
        self.roots: dict[str, tuple[bool, Any]] = {}  # key -> (raised, value)

    def _resolve(self, plan: FieldPlan, source: Any, path: Any) -> Any:
        if path.prev is not None:
            return super()._resolve(plan, source, path)
        try:
            value = super()._resolve(plan, source, path)
        except Exception as error:
            self.roots[plan.key] = (True, error)
            raise
        if is_awaitable(value):
            return self._recorded(plan.key, value)
        self.roots[plan.key] = (False, value)
        return value

    async def _recorded(self, key: str, pending: Awaitable[Any]) -> Any:
        try:
            value = await pending
        except Exception as error:
            self.roots[key] = (True, error)
            raise
        self.roots[key] = (False, value)
        return value


def _replaying(roots: dict[str, tuple[bool, Any]]) -> Callable[..., Any]:
    """A graphql-core middleware answering each root field with the plan's recorded value."""

    def middleware(resolve: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
        if info.path.prev is not None:
            return resolve(root, info, **args)
        raised, value = roots[info.path.key]
        if raised:
            raise value
        return value

    return middleware


def _comparable(result: ExecutionResult) -> dict[str, Any]:
    formatted = result.formatted
    errors = sorted(formatted.get("errors") or [], key=lambda e: json.dumps(e, sort_keys=True))
    return {"data": json.dumps(formatted.get("data")), "errors": errors}


class PlanShadow:
    """Installs itself on GraphQLExecutor (uninstall() puts the original back)."""

    def __init__(self) -> None:
        self.seen = Seen()
        self._original = GraphQLExecutor._execute

    def install(self) -> None:
        shadow = self

        async def _execute(
            executor: GraphQLExecutor,
            prepared: Prepared,
            variables: dict[str, Any] | None,
            operation_name: str | None,
            context: RequestContext,
        ) -> ExecutionResult:
            return await shadow.execute(executor, prepared, variables, operation_name, context)

        GraphQLExecutor._execute = _execute  # type: ignore[method-assign]

    def uninstall(self) -> None:
        GraphQLExecutor._execute = self._original  # type: ignore[method-assign]

    async def execute(
        self,
        executor: GraphQLExecutor,
        prepared: Prepared,
        variables: dict[str, Any] | None,
        name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        document = prepared.document
        assert document is not None
        plan = prepared.plans.get(name)
        operation = f"{name or ''}\n{print_ast(document)}"
        if plan is None:
            reason = fallback_reason(executor._schema, document, name)
            self.seen.left_to_graphql_core[operation] = reason or "?"
            if reason is None:
                self.seen.silent_fallbacks.append(operation)
            return await self._original(executor, prepared, variables, name, context)
        if not plan.serial:  # a mutation may move the clock itself (skipClock)
            context = _at_one_instant(context)
        built = _built(executor, document, variables, name, context)
        if isinstance(built, list):  # variables that cannot be coerced: nothing runs
            return ExecutionResult(None, built)
        run = RecordingRun(built)
        ours = await _settled(run.run(plan))
        await self._compare(executor, plan, run, ours, document, variables, name, context)
        self.seen.compared[operation] = "mutation" if plan.serial else "query"
        return ours

    async def _compare(
        self,
        executor: GraphQLExecutor,
        plan: Plan,
        run: RecordingRun,
        ours: ExecutionResult,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        name: str | None,
        context: RequestContext,
    ) -> None:
        for attempt in range(2):  # a read model may move between the two runs: look twice
            reference = await self._reference(
                executor, plan, run, document, variables, name, context
            )
            if _comparable(reference) == _comparable(ours):
                return
            if plan.serial or attempt == 1:
                break
            again = _built(executor, document, variables, name, _aside(context))
            ours = await _settled(RecordingRun(again).run(plan))
        self.seen.divergences.append(
            {
                "operation": name,
                "document": print_ast(document),
                "variables": variables,
                "plans": _comparable(ours),
                "graphql-core": _comparable(reference),
            }
        )

    async def _reference(
        self,
        executor: GraphQLExecutor,
        plan: Plan,
        run: RecordingRun,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        return await _settled(
            execute(
                executor._schema,
                document,
                context_value=_aside(context),
                variable_values=variables,
                operation_name=name,
                middleware=[_replaying(run.roots)] if plan.serial else None,
                executor_class=StorableTextExecutor,
                is_awaitable=is_awaitable,
            )
        )


def _built(
    executor: GraphQLExecutor,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    name: str | None,
    context: RequestContext,
) -> Any:
    """graphql-core's executor for one run of a plan, as execution.py builds it."""
    return executor._context_class.build(
        executor._schema,
        document,
        context_value=context,
        raw_variable_values=variables,
        operation_name=name,
        is_awaitable=is_awaitable,
    )


def _at_one_instant(context: RequestContext) -> RequestContext:
    """The request's context (its stale reads shared) with the clock stopped at one instant for
    both runs: a field computed from now (`secondsToPromise`, `serverClock`) answers alike. A
    copy of the clock, not a wrapper, so the schema still sees which kind of clock it is."""
    services = copy.copy(context.services)
    instant = services.clock.now()
    clock = copy.copy(services.clock)
    clock.now = lambda: instant  # type: ignore[method-assign]
    services.clock = clock
    twin = copy.copy(context)
    twin.services = services
    return twin


def _aside(context: RequestContext) -> RequestContext:
    """The request's context for a second run: its caller and loaders, but stale reads of
    its own (the answer's STALE_READ errors come from the first run's)."""
    twin = copy.copy(context)
    twin.stale_reads = []
    return twin


async def _settled(result: Any) -> ExecutionResult:
    return await result if is_awaitable(result) else result  # type: ignore[no-any-return]


SHADOWED_APP = "tests.plan_shadow:shadowed_app"


# Everything this pytest run's shadows saw, for its closing summary (tests/conftest.py).
SEEN_IN_THIS_RUN = Seen()


def shadowed_app() -> Any:
    """uvicorn's factory for a server whose every operation is compared: what it saw is
    written to OMNI_TEST_SHADOW_LOG (one JSON object per line, appended) after each one."""
    from api.server.app import from_environment

    log = os.environ["OMNI_TEST_SHADOW_LOG"]
    shadow = PlanShadow()
    original = shadow.execute

    async def execute_and_write(*args: Any) -> ExecutionResult:
        shadow.seen = Seen()
        result = await original(*args)
        with open(log, "a") as out:
            out.write(json.dumps(asdict(shadow.seen)) + "\n")
        return result

    shadow.execute = execute_and_write  # type: ignore[method-assign]
    shadow.install()
    return from_environment()


def read_log(path: str) -> Seen:
    """What a shadowed server saw (counted in this run's summary too)."""
    seen = Seen()
    if os.path.exists(path):
        with open(path) as lines:
            for line in lines:
                seen.merge(Seen(**json.loads(line)))
    SEEN_IN_THIS_RUN.merge(seen)
    return seen


def summary(seen: Seen) -> str | None:
    if not (seen.compared or seen.left_to_graphql_core):
        return None
    mutations = sum(kind == "mutation" for kind in seen.compared.values())
    return (
        f"plans against graphql-core: {len(seen.compared)} distinct operations compared"
        f" ({mutations} mutations), {len(seen.left_to_graphql_core)} left to graphql-core"
    )
