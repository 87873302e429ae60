"""What the fuzzer sends: for one root field of the schema, hypothesis-graphql draws a document
(valid, or with one schema violation); its root arguments become variables, and some of those
are swapped for values the server knows (demo SKUs and stores, ids and tokens harvested from
earlier answers) or for edge values (long text, NUL, a lone surrogate, 32-bit bounds). Some
are put back inline as literals, so both the variable and the literal paths are exercised."""

from __future__ import annotations

import dataclasses
import random
import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import graphql
from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis_graphql import Mode, mutations, nodes, queries

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_POOL = 400

# Which pool of known values an argument (or input field) of this name draws from.
POOL_OF_ARGUMENT = {
    "sku": "sku",
    "skus": "sku",
    "storeId": "location",
    "storeIds": "location",
    "locationId": "location",
    "loyaltyId": "loyaltyId",
    "id": "customerId",  # String ids name customers; UUID ids are drawn by the UUID scalar
    "guestCartToken": "cartToken",
    "customerToken": "customerToken",
    "consistentWith": "position",
    "after": "endCursor",
    "lineId": "lineId",
    "code": "pickupCode",
    "receipt": "receipt",
    "idempotencyKey": "idempotencyKey",
    "paymentToken": "paymentToken",
}
# UUID arguments (and answer fields) that name one kind of thing: each kind has its pool;
# any other UUID argument draws from every UUID seen.
UUID_KINDS = ("cartId", "orderId", "pickupId", "returnId")
# Answer fields whose values are worth sending back, by the pool they feed.
HARVESTED = {
    **{kind: kind for kind in UUID_KINDS},
    "cartToken": "cartToken",
    "position": "position",
    "endCursor": "endCursor",
    "lineId": "lineId",
    "pickupCode": "pickupCode",
    "receipt": "receipt",
}
# The lengths the bounds are about (issue 17: ids 200, SKUs 64, free text 2,000; a btree row
# holds about 2,700 bytes), their neighbours, and one past any sensible limit.
EDGE_LENGTHS = (64, 65, 200, 201, 2000, 2001, 2705, 3000, 70_000)
# The 32-bit maximum three times: added to what is there, it is the overflow a read model's
# column cannot hold; 2**31 and 2**53 only test the Int coercion.
EDGE_INTS = (0, -1, 1, 10_000, 10_001, *[2**31 - 1] * 3, -(2**31), 2**31, 2**53)
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
WORD_CHARACTERS = string.ascii_letters + string.digits + string.punctuation


@dataclasses.dataclass(frozen=True)
class Case:
    """One request: the operation it fuzzes ("mutation addToCart"), the document, its
    variables, and the X-Omni-Device / X-Omni-Channel headers it claims (None: not sent)."""

    operation: str
    document: str
    variables: dict[str, Any]
    device: str | None = None
    channel: str | None = None


class KnownValues:
    """Values the server knows, by pool: seeded from the demo, grown from its answers."""

    def __init__(self, seeds: Mapping[str, Iterable[str]]) -> None:
        names = {*POOL_OF_ARGUMENT.values(), *HARVESTED.values(), "uuid", *seeds}
        # Every pool exists from the start: strategies hold on to its list as it grows.
        self._pools: dict[str, list[str]] = {name: list(seeds.get(name, ())) for name in names}
        self._seen: set[tuple[str, str]] = {(n, v) for n, vs in self._pools.items() for v in vs}

    def add(self, pool: str, value: str) -> None:
        values = self._pools.setdefault(pool, [])
        if (pool, value) not in self._seen and len(values) < MAX_POOL:
            self._seen.add((pool, value))
            values.append(value)

    def harvest(self, answer: Any) -> None:
        """Every UUID in an answer (in "uuid"), and the values of HARVESTED fields."""
        if isinstance(answer, dict):
            for key, value in answer.items():
                if isinstance(value, str) and key in HARVESTED:
                    self.add(HARVESTED[key], value)
                self.harvest(value)
        elif isinstance(answer, list):
            for item in answer:
                self.harvest(item)
        elif isinstance(answer, str) and UUID_TEXT.fullmatch(answer):
            self.add("uuid", answer)

    def values(self, pool: str) -> list[str]:
        """The pool itself: it grows during the run."""
        return self._pools.setdefault(pool, [])

    def one_of(self, pool: str) -> st.SearchStrategy[str] | None:
        """A value of the pool as it is when drawn, or None while it is empty."""
        values = self.values(pool)
        if not values:
            return None
        return INDEX.map(lambda i: values[i % len(values)])


def edge_text() -> st.SearchStrategy[str]:
    """Text PostgreSQL cannot store, or at and past the lengths that matter."""
    lengths = st.sampled_from(EDGE_LENGTHS) | st.integers(min_value=1, max_value=5000)
    # One character repeated reads well in a report, but PostgreSQL compresses it to nothing
    # in an index: random text is what fills an index row.
    repeated = st.builds(lambda char, length: char * length, PRINTABLE, lengths)
    random_text = st.builds(_random_text, st.integers(min_value=0, max_value=2**32), lengths)
    marked = st.builds(
        lambda text, mark: text + mark, st.text(max_size=8), st.sampled_from(["\x00", "\ud800"])
    )
    return repeated | random_text | marked | st.sampled_from(["", " ", "\x00"])


def _random_text(seed: int, length: int) -> str:
    """Printable ASCII without spaces, drawn from the seed (so hypothesis draws it cheaply)."""
    return "".join(random.Random(seed).choices(WORD_CHARACTERS, k=length))


def _header_value(text: str) -> bool:
    return text.isprintable() and text.strip() == text and len(text) <= 8000


POSITION = graphql.FieldNode(name=graphql.NameNode(value="position"))
# Built once: strategies made during a draw cost more to validate than to draw.
CHOICE = st.integers(min_value=0, max_value=9)
INDEX = st.integers(min_value=0, max_value=MAX_POOL - 1)
EDGE_TEXT = edge_text()
EDGE_INT = st.sampled_from(EDGE_INTS)
# A header is printable ASCII with no space at either end (h11 refuses the rest unsent), and
# under h11's 16 KiB for the whole head.
DEVICES = st.none() | (st.text(PRINTABLE, max_size=8) | EDGE_TEXT).filter(_header_value)
CHANNELS = st.none() | st.sampled_from(["web", "mobile", "kiosk", "pos", "staff", "WEB", "nope"])


def enriched(draw: st.DrawFn, name: str, value: Any, known: KnownValues) -> Any:
    """A string takes a known value for an argument of its name 6 times in 10 (when there is
    one: what gets a write accepted), an edge value 2 in 10, else stays as drawn; an int
    takes an edge value 5 times in 10."""
    if isinstance(value, dict):
        return {key: enriched(draw, key, item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [enriched(draw, name, item, known) for item in value]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    choice = draw(CHOICE)
    if isinstance(value, int):
        return draw(EDGE_INT) if choice >= 5 else value
    if choice >= 8:
        return draw(EDGE_TEXT)
    if choice >= 6:
        return value
    # Drawn whether or not the pool is empty: hypothesis wants the same draws for the same
    # choices, whatever the pools held at the time.
    index = draw(INDEX)
    values = _known_for(name, value, known)
    return values[index % len(values)] if values else value


def _known_for(name: str, value: str, known: KnownValues) -> list[str]:
    if not UUID_TEXT.fullmatch(value):
        pool = POOL_OF_ARGUMENT.get(name)
        return known.values(pool) if pool else []
    return known.values(name if name in UUID_KINDS else "uuid") or known.values("uuid")


def custom_scalars(known: KnownValues) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """The schema's own scalars: valid values mostly, a known UUID often, text sometimes."""
    uuids = st.uuids().map(str)
    known_uuid = known.one_of("uuid")
    return {
        "UUID": (uuids | known_uuid if known_uuid is not None else uuids).map(nodes.String),
        "Date": (st.dates().map(str) | st.text(max_size=12)).map(nodes.String),
        "DateTime": (st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=12)).map(
            nodes.String
        ),
        "Decimal": (
            st.decimals(allow_nan=False, allow_infinity=False).map(str) | st.text(max_size=12)
        ).map(nodes.String),
    }


def cases(
    schema: graphql.GraphQLSchema, root: str, field: str, known: KnownValues
) -> st.SearchStrategy[Case]:
    """Requests for one root field: `root` is "query" or "mutation"."""
    draw_documents = queries if root == "query" else mutations
    identity: Callable[[graphql.DocumentNode], graphql.DocumentNode] = lambda document: document  # noqa: E731
    valid, invalid = (
        draw_documents(
            schema,
            fields=[field],
            custom_scalars=custom_scalars(known),
            print_ast=identity,
            mode=mode,
        )
        for mode in (Mode.POSITIVE, Mode.NEGATIVE)
    )
    # A field with no argument anywhere below it has no schema violation to draw.
    invalid = invalid if _drawable(invalid) else valid
    root_type = schema.query_type if root == "query" else schema.mutation_type
    assert root_type is not None
    arguments = root_type.fields[field].args
    returned = graphql.get_named_type(root_type.fields[field].type)
    # A write's position tells which request wrote the event a projection stopped at.
    with_position = (
        isinstance(returned, graphql.GraphQLObjectType) and "position" in returned.fields
    )

    @st.composite
    def one_case(draw: st.DrawFn) -> Case:
        # One in five documents breaks the schema: the server's validation answers those.
        document = draw(invalid if draw(st.integers(0, 4)) == 0 else valid)
        document, variables = _lifted(draw, document, arguments, known, with_position)
        return Case(
            operation=f"{root} {field}",
            document=graphql.print_ast(document),
            variables=variables,
            device=draw(DEVICES),
            channel=draw(CHANNELS),
        )

    return one_case()


def _lifted(
    draw: st.DrawFn,
    document: graphql.DocumentNode,
    arguments: Mapping[str, graphql.GraphQLArgument],
    known: KnownValues,
    with_position: bool,
) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """The root field's literal arguments as variables, enriched; some put back inline. With
    `with_position`, the root field selects `position` too."""
    operation = document.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root_field, *others = operation.selection_set.selections
    assert isinstance(root_field, graphql.FieldNode)
    variables: dict[str, Any] = {}
    definitions: list[graphql.VariableDefinitionNode] = []
    sent: list[graphql.ArgumentNode] = []
    for argument in root_field.arguments or ():
        name = argument.name.value
        declared = arguments.get(name)
        value = graphql.value_from_ast(argument.value, declared.type) if declared else None
        if declared is None or value is graphql.Undefined:
            sent.append(argument)  # a schema violation: sent as drawn
            continue
        value = enriched(draw, name, value, known)
        literal = _literal(value, declared.type) if draw(st.booleans()) else None
        if literal is not None:
            sent.append(graphql.ArgumentNode(name=argument.name, value=literal))
            continue
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        definitions.append(
            graphql.VariableDefinitionNode(
                variable=variable, type=graphql.parse_type(str(declared.type))
            )
        )
        sent.append(graphql.ArgumentNode(name=argument.name, value=variable))
        variables[name] = value
    field = dataclasses.replace(root_field, arguments=tuple(sent))
    chosen = field.selection_set.selections if field.selection_set else ()
    names = {f.name.value for f in chosen if isinstance(f, graphql.FieldNode)}
    if with_position and "position" not in names:
        selections = graphql.SelectionSetNode(selections=(*chosen, POSITION))
        field = dataclasses.replace(field, selection_set=selections)
    selections = dataclasses.replace(operation.selection_set, selections=(field, *others))
    operation = dataclasses.replace(
        operation, variable_definitions=tuple(definitions), selection_set=selections
    )
    return graphql.DocumentNode(definitions=(operation,)), variables


def _literal(value: Any, type_: graphql.GraphQLInputType) -> graphql.ValueNode | None:
    """The value as a literal, or None when it has none (an Int past 32 bits, a surrogate)."""
    try:
        literal = graphql.ast_from_value(value, type_)
        if literal is None:
            return None
        graphql.print_ast(literal).encode()
    except (graphql.GraphQLError, TypeError, ValueError, UnicodeError):
        return None
    return literal


def _drawable(strategy: st.SearchStrategy[Any]) -> bool:
    try:
        find(strategy, lambda _: True, settings=settings(database=None, phases=[Phase.generate]))
    except InvalidArgument:
        return False
    return True
