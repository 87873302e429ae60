# Over 300 lines: one run of a plan; every kind of value shares its null and error handling.
"""A compiled plan (plans.py) run for one request. It still uses graphql-core's own executor
for what must be exact: variable and argument coercion, the resolve info handed to resolvers,
leaf coercion, error location and collection (`CollectedErrors`, which drops errors below a
nulled position). Null propagation follows the spec as graphql-core implements it: an error or
a null in a non-null position nulls the nearest nullable parent; the root nulls `data`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult, GraphQLError, Undefined, located_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel

from api.graphql.engine.plans import (
    AbstractOf,
    FieldPlan,
    Leaf,
    ListOf,
    NonNull,
    ObjectPlan,
    Plan,
    Shape,
    Unsupported,
    is_synchronous,
)
from api.graphql.engine.tracing import traced_resolve

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


class PlanRun:
    """One request's run of a plan, on graphql-core's executor (built for this request)."""

    def __init__(self, executor: Any, tracer: Tracer | None = None) -> None:
        self.executor = executor
        self.tracer = tracer  # resolver spans (tracing.py), when tracing is on
        self.errors = executor.collected_errors
        self.is_awaitable = executor.is_awaitable

    def run(self, plan: Plan) -> ExecutionResult | Awaitable[ExecutionResult]:
        root = self.executor.root_value
        try:
            if plan.serial:
                return self._finish(self._serially(plan.root, root))
            data = self.object(plan.root, root, None)
        except GraphQLError as error:
            return self._nulled(error)
        if self.is_awaitable(data):
            return self._finish(data)
        return self.executor.build_response(data)

    async def _finish(self, pending: Awaitable[dict[str, Any]]) -> ExecutionResult:
        try:
            data = await pending
        except GraphQLError as error:
            return self._nulled(error)
        return self.executor.build_response(data)  # type: ignore[no-any-return]

    def _nulled(self, error: GraphQLError) -> ExecutionResult:
        self.errors.add(error, None)
        return self.executor.build_response(None)  # type: ignore[no-any-return]

    async def _serially(self, plan: ObjectPlan, source: Any) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for field in plan.fields:
            value = self.field(field, source, Path(None, field.key, plan.type.name))
            results[field.key] = await value if self.is_awaitable(value) else value
        return results

    def object(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        if plan.synchronous:
            return self._direct_object(plan, source, path)
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for field in plan.fields:
                value = self.field(field, source, Path(path, field.key, plan.type.name))
                results[field.key] = value
                if self.is_awaitable(value):
                    pending.append(field.key)
        except Exception:
            _close([results[key] for key in pending])
            raise
        if not pending:
            return results
        return self._gathered(results, pending)

    async def _gathered(self, results: Any, pending: list[Any]) -> Any:
        """The dict (or list) with its pending values awaited together, in place."""
        values = await _gather([results[key] for key in pending])
        for key, value in zip(pending, values, strict=True):
            results[key] = value
        return results

    def field(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        try:
            value = self._resolve(plan, source, path)
            if self.is_awaitable(value):
                return self._awaited(plan, value, path)
            done = self.complete(plan, plan.shape, value, path)
            if self.is_awaitable(done):
                return self._settled(plan, plan.shape, done, path)
            return done
        except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
            return self._failed(plan, plan.shape, raw, path)

    def _resolve(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        field = plan.field
        if field is None:
            return plan.parent.name
        assert field.resolve is not None
        if plan.basic:
            return field.resolve(source, None)
        executor = self.executor
        info = executor.build_resolve_info(field, plan.nodes, plan.parent, path)
        args = (
            get_argument_values(field, plan.nodes[0], executor.variable_values)
            if plan.has_args
            else {}
        )
        if self.tracer is not None:
            return traced_resolve(self.tracer, field.resolve, source, info, args)
        return field.resolve(source, info, **args)

    async def _awaited(self, plan: FieldPlan, value: Awaitable[Any], path: Path) -> Any:
        try:
            done = self.complete(plan, plan.shape, await value, path)
            return await done if self.is_awaitable(done) else done
        except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
            return self._failed(plan, plan.shape, raw, path)

    async def _settled(self, plan: FieldPlan, shape: Shape, done: Any, path: Path) -> Any:
        try:
            return await done
        except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
            return self._failed(plan, shape, raw, path)

    def _failed(self, plan: FieldPlan, shape: Shape, raw: Exception, path: Path) -> None:
        """As graphql-core's handle_field_error: located, raised on through a non-null
        position, else collected and the value is null."""
        error = located_error(raw, plan.nodes, path.as_list())
        if isinstance(shape, NonNull):
            raise error
        self.errors.add(error, path)
        return None

    def complete(self, plan: FieldPlan, shape: Shape, value: Any, path: Path) -> Any:
        if isinstance(value, Exception):
            raise value
        if isinstance(shape, NonNull):
            done = self.complete(plan, shape.inner, value, path)
            if self.is_awaitable(done):
                return self._not_null_later(plan, done)
            if done is None:
                raise TypeError(self._null_message(plan))
            return done
        if value is None or value is Undefined:
            return None
        if isinstance(shape, Leaf):
            return self.executor.complete_leaf_value(shape.kind, value)
        if isinstance(shape, ListOf):
            return self._list(plan, shape.item, value, path)
        if isinstance(shape, AbstractOf):
            return self._abstract(plan, shape, value, path)
        return self.object(shape, value, path)

    def _abstract(self, plan: FieldPlan, shape: AbstractOf, value: Any, path: Path) -> Any:
        """As graphql-core's complete_abstract_value: the type's resolve_type names the
        runtime type, whose plan completes the value."""
        assert plan.field is not None
        info = self.executor.build_resolve_info(plan.field, plan.nodes, plan.parent, path)
        resolve_type = shape.kind.resolve_type or self.executor.type_resolver
        name = resolve_type(value, info, shape.kind)
        if self.is_awaitable(name):
            return self._abstract_later(plan, shape, name, value, path)  # type: ignore[arg-type]
        return self.object(_runtime_plan(plan, shape, name), value, path)

    async def _abstract_later(
        self, plan: FieldPlan, shape: AbstractOf, name: Awaitable[Any], value: Any, path: Path
    ) -> Any:
        done = self.object(_runtime_plan(plan, shape, await name), value, path)
        return await done if self.is_awaitable(done) else done

    async def _not_null_later(self, plan: FieldPlan, done: Awaitable[Any]) -> Any:
        value = await done
        if value is None:
            raise TypeError(self._null_message(plan))
        return value

    @staticmethod
    def _null_message(plan: FieldPlan) -> str:
        return f"Cannot return null for non-nullable field {plan.parent.name}.{plan.name}."

    def _direct_object(self, plan: ObjectPlan, source: Any, path: Path | None) -> dict[str, Any]:
        """An object whose every field below is a plain attribute: the same completion as
        `field`/`complete`, with nothing to await."""
        results: dict[str, Any] = {}
        for field in plan.fields:
            try:
                resolve = field.field.resolve if field.field is not None else None
                value = resolve(source, None) if resolve is not None else plan.type.name
                results[field.key] = self._direct(field, field.shape, value, path)
            except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
                self._failed(field, field.shape, raw, Path(path, field.key, plan.type.name))
                results[field.key] = None
        return results

    def _direct(self, plan: FieldPlan, shape: Shape, value: Any, parent: Path | None) -> Any:
        if isinstance(value, Exception):
            raise value
        if isinstance(shape, NonNull):
            done = self._direct(plan, shape.inner, value, parent)
            if done is None:
                raise TypeError(self._null_message(plan))
            return done
        if value is None or value is Undefined:
            return None
        if isinstance(shape, Leaf):
            return self.executor.complete_leaf_value(shape.kind, value)
        path = Path(parent, plan.key, plan.parent.name)
        if isinstance(shape, ListOf):
            return self._list(plan, shape.item, value, path)
        assert isinstance(shape, ObjectPlan)  # an abstract shape is never synchronous
        return self._direct_object(shape, value, path)

    def _list(self, plan: FieldPlan, item: Shape, value: Any, path: Path) -> Any:
        if not isinstance(value, Iterable) or isinstance(value, str | bytes):
            raise GraphQLError(
                "Expected Iterable, but did not find one for field"
                f" '{plan.parent.name}.{plan.name}'."
            )
        if is_synchronous(item):
            return self._direct_list(plan, item, value, path)
        items: list[Any] = []
        pending: list[int] = []
        for index, element in enumerate(value):
            item_path = Path(path, index, None)
            try:
                if self.is_awaitable(element):
                    raise Unsupported("awaitable list items")
                done = self.complete(plan, item, element, item_path)
                if self.is_awaitable(done):
                    done = self._settled(plan, item, done, item_path)
                    pending.append(index)
            except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
                try:
                    self._failed(plan, item, raw, item_path)
                    done = None
                except Exception:
                    _close([items[i] for i in pending])
                    raise
            items.append(done)
        if not pending:
            return items
        return self._gathered(items, pending)

    def _direct_list(self, plan: FieldPlan, item: Shape, value: Any, path: Path) -> list[Any]:
        items: list[Any] = []
        for index, element in enumerate(value):
            try:
                items.append(self._direct_item(plan, item, element, path, index))
            except Exception as raw:  # noqa: BLE001 - any resolver error is a field error
                self._failed(plan, item, raw, Path(path, index, None))
                items.append(None)
        return items

    def _direct_item(self, plan: FieldPlan, item: Shape, element: Any, path: Path, i: int) -> Any:
        shape, required = (item.inner, True) if isinstance(item, NonNull) else (item, False)
        if isinstance(element, Exception):
            raise element
        if element is None or element is Undefined:
            if required:
                raise TypeError(self._null_message(plan))
            return None
        if isinstance(shape, Leaf):
            return self.executor.complete_leaf_value(shape.kind, element)
        item_path = Path(path, i, None)
        if isinstance(shape, ListOf):
            return self._list(plan, shape.item, element, item_path)
        assert isinstance(shape, ObjectPlan)  # a non-null of a non-null is no GraphQL type
        return self._direct_object(shape, element, item_path)


def _runtime_plan(plan: FieldPlan, shape: AbstractOf, name: Any) -> ObjectPlan:
    """graphql-core's ensure_valid_runtime_type, for the names a plan knows."""
    chosen = shape.plans.get(name) if isinstance(name, str) else None
    if chosen is None:
        where = f"{plan.parent.name}.{plan.name}"
        if name is None:
            message = (
                f"Abstract type '{shape.kind}' must resolve to an Object type at runtime for"
                f" field '{where}'. Either the '{shape.kind}' type should provide a"
                " 'resolve_type' function or each possible type should provide an"
                " 'is_type_of' function."
            )
        else:
            message = f"Runtime Object type '{name}' is not a possible type for '{shape.kind}'."
        raise GraphQLError(message, plan.nodes)
    return chosen


async def _gather(awaitables: list[Any]) -> list[Any]:
    if len(awaitables) == 1:
        return [await awaitables[0]]
    # As graphql-core: when one fails, the others are cancelled and settled, not orphaned.
    return list(await gather_with_cancel(*awaitables))


def _close(awaitables: list[Any]) -> None:
    """Coroutines that will not be awaited now that their parent failed."""
    for awaitable in awaitables:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()
