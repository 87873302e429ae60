"""Every claim the architecture map and the decision records make about code still holds.

Each backticked name in docs/ARCHITECTURE.md and docs/decisions/*.md that names code is
looked up in the code (issue 18, item 6):
- a path (`adapters/postgres/store.py`, `js/operations.js`): the file or folder exists, from
  the repository's root or as the tail of a tracked path;
- a dotted module path (`projections.runner`, `domain.errors.ErrorCode`): the module exists
  and defines (or imports) each name, nested classes included;
- a class and its members (`Pickup.CustomerArrived`, `Settings.from_env`): a class of that
  name defines them, or a GraphQL type of the committed schema has that field;
- a setting (`OMNI_POOL_SIZE`): `Settings` reads it, or the code reads it from the
  environment;
- an upper-case code (`NOT_ALLOWED`, `READY`): an `ErrorCode`, a schema enum value, or a
  name the code uses;
- an `omni` command (`omni projections rebuild NAME`): the command line has it;
- a route (`/health/ready`), a function call (`wait_for(position, ...)`), a snake_case or
  camelCase name: the code names it.
Plain words, SQL fragments and placeholders (`<schema>_events`) are not claims about code.
The map's "§N" references from the README and docs/*.md name sections that exist, and the
decisions index lists every record.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
)

from adapters.settings import Settings
from domain.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
THIS = str(Path(__file__).resolve().relative_to(ROOT))
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
DECISIONS = ROOT / "docs" / "decisions"
PACKAGES = ("domain", "adapters", "projections", "api", "bench", "simulate", "tests")
SOURCE_SUFFIXES = {
    ".py",
    ".js",
    ".mjs",
    ".html",
    ".sql",
    ".graphql",
    ".css",
    ".toml",
    ".csv",
    ".service",
    ".timer",
    ".env",
    ".example",
}
SETTING_PREFIXES = ("OMNI_", "NATS_", "DATABASE_", "OTEL_", "PROMETHEUS_")
# Library names the docs cite, and the module that must define each (checked by import).
EXTERNAL = {
    "InternalClientError": "asyncpg.exceptions",
    "ConnectionDoesNotExistError": "asyncpg.exceptions",
    "InterfaceError": "asyncpg.exceptions",
    "DataError": "asyncpg.exceptions",
    "OpenTelemetryExtension": "strawberry.extensions.tracing",
    "ExecutionContext": "graphql.execution",
    "Struct": "msgspec",
    "Server.run": "uvicorn",
    "Schema.execute": "strawberry",
    "Condition": "asyncio",
    "Decimal": "decimal",
    "FieldExtension": "strawberry.extensions",
    "SchemaExtension": "strawberry.extensions",
    "MaskErrors": "strawberry.extensions",
    "Mode.NEGATIVE": "hypothesis_graphql",
    "Aggregate.modified_on": "eventsourcing.domain",
    "CanCreateTimestamp.create_timestamp": "eventsourcing.domain",
}
# Paths on the machine, not in the repository, and media types: not claims about the code.
MACHINE_PATHS = ("/etc/", "/usr/", "/var/", "/tmp/", "/run/", "/opt/", "/dev/")
MEDIA_TYPE = re.compile(r"^(application|text|image|multipart)/[\w.+-]+$")

BACKTICKED = re.compile(r"`([^`\n]+)`")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
DOTTED = re.compile(rf"^{IDENT}(?:\.{IDENT})+$")
CALL = re.compile(rf"^({IDENT}(?:\.{IDENT})*)\(.*\)$")
SHOUTED = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{4,}$")
SETTING = re.compile(r"^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(=.*)?$")
CAMEL = re.compile(r"^[A-Z](?=[A-Za-z0-9]*[a-z])[A-Za-z0-9]*$")
LOWER_CAMEL = re.compile(r"^[a-z][a-z0-9]*[A-Z][a-zA-Z0-9]*$")
SNAKE = re.compile(r"^_?[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
PATH_SUFFIX = re.compile(r"\.(py|js|mjs|html|sql|md|css|csv|json|graphql|toml)$")
PLACEHOLDER = re.compile(r"[<>{}*…]|\.\.\.|NNNN|\s")


@dataclass
class ClassInfo:
    members: set[str] = field(default_factory=set)
    bases: list[str] = field(default_factory=list)
    nested: dict[str, ClassInfo] = field(default_factory=dict)


@dataclass
class ModuleInfo:
    names: set[str] = field(default_factory=set)
    classes: dict[str, ClassInfo] = field(default_factory=dict)


def _class_info(node: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(bases=[ast.unparse(base) for base in node.bases])
    for item in ast.walk(node):  # attributes a method sets on `self`
        if (
            isinstance(item, ast.Attribute)
            and isinstance(item.ctx, ast.Store)
            and isinstance(item.value, ast.Name)
            and item.value.id in ("self", "cls")
        ):
            info.members.add(item.attr)
    for item in node.body:
        if isinstance(item, ast.ClassDef):
            info.members.add(item.name)
            info.nested[item.name] = _class_info(item)
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            info.members.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            info.members.add(item.target.id)
        elif isinstance(item, ast.Assign):
            info.members.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return info


def _module_info(path: Path) -> ModuleInfo:
    info = ModuleInfo()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            info.names.add(node.name)
            info.classes[node.name] = _class_info(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            info.names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            info.names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            info.names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            info.names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return info


@functools.cache
def tracked_files() -> tuple[str, ...]:
    """The repository's files: git's list, else (a copy without .git) every file outside the
    folders the tools make."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        made = {".git", ".venv", ".omni", "__pycache__", ".mypy_cache", ".ruff_cache"}
        listed = [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and not made & set(p.relative_to(ROOT).parts)
        ]
    return tuple(p for p in listed if (ROOT / p).exists())


@functools.cache
def top_level() -> frozenset[str]:
    return frozenset(p.split("/")[0] for p in tracked_files())


@functools.cache
def modules() -> dict[str, ModuleInfo]:
    """Every module of the project by dotted name, read from its source (nothing imported)."""
    found: dict[str, ModuleInfo] = {}
    for path in tracked_files():
        if path.endswith(".py") and path.split("/")[0] in PACKAGES:
            parts = path[: -len(".py")].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = _module_info(ROOT / path)
    return found


@functools.cache
def classes() -> dict[str, list[ClassInfo]]:
    """Every class by its simple name, nested ones too (events inside their aggregate)."""
    by_name: dict[str, list[ClassInfo]] = {}

    def add(name: str, info: ClassInfo) -> None:
        by_name.setdefault(name, []).append(info)
        for nested_name, nested in info.nested.items():
            add(nested_name, nested)

    for module in modules().values():
        for name, info in module.classes.items():
            add(name, info)
    return by_name


@functools.cache
def corpus_words() -> frozenset[str]:
    """Every identifier-like word (and route) the code and its static files contain."""
    words: set[str] = set()
    for path in tracked_files():
        # this file names made-up code on purpose, to prove the checks can fail
        if Path(path).suffix in SOURCE_SUFFIXES and path != THIS:
            text = (ROOT / path).read_text(errors="replace")
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
            words.update(re.findall(r"/[a-z][a-z0-9_./-]*", text))
    return frozenset(words)


@functools.cache
def corpus_calls() -> frozenset[str]:
    """Every name the code defines or calls as a function (`def name`, `name(` in Python, SQL
    and JavaScript) and every table it creates: `table(column, ...)` names a table's columns."""
    names: set[str] = set()
    for path in tracked_files():
        if Path(path).suffix in SOURCE_SUFFIXES and path != THIS:
            text = (ROOT / path).read_text(errors="replace")
            names.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", text))
            names.update(re.findall(r"\bdef ([A-Za-z_][A-Za-z0-9_]*)", text))
            names.update(re.findall(r"(?i)\bTABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)", text))
    return frozenset(names)


@functools.cache
def graphql_schema() -> dict[str, set[str]]:
    """The committed schema's types with their fields and arguments, and its enums' values."""
    schema = build_schema((ROOT / "schema.graphql").read_text())
    types: dict[str, set[str]] = {}
    for name, kind in schema.type_map.items():
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            names = set(kind.fields)
            for f in kind.fields.values():
                names.update(f.args)
            types[name] = names
        elif isinstance(kind, GraphQLInputObjectType):
            types[name] = set(kind.fields)
        elif isinstance(kind, GraphQLEnumType):
            types[name] = set(kind.values)
        elif isinstance(kind, GraphQLScalarType):
            types[name] = set()
    return types


@functools.cache
def settings_names() -> frozenset[str]:
    return frozenset(Settings.environment_names().values())


@functools.cache
def omni_commands() -> dict[str, set[str]]:
    """`omni`'s commands, each with its subcommands, read from the `add_parser` calls of
    api/cli/ (the command line is an entry point: nothing may import it)."""

    def added(call: ast.AST) -> tuple[str, str] | None:
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "add_parser"
            and isinstance(call.func.value, ast.Name)
            and call.args
            and isinstance(call.args[0], ast.Constant)
        ):
            return call.func.value.id, str(call.args[0].value)
        return None

    calls: list[tuple[str, str]] = []
    group_of: dict[str, str] = {}  # `db = commands.add_parser("db").add_subparsers()`
    for path in sorted((ROOT / "api" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            found = added(node)
            if found:
                calls.append(found)
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "add_subparsers"
            ):
                parent = added(node.value.func.value)
                if parent:
                    group_of[node.targets[0].id] = parent[1]
    commands: dict[str, set[str]] = {
        name: set() for receiver, name in calls if receiver == "commands"
    }
    for receiver, name in calls:
        group = group_of.get(receiver, receiver)
        if receiver != "commands" and group in commands:
            commands[group].add(name)
    return commands


def _has_member(info: ClassInfo, name: str, seen: frozenset[int] = frozenset()) -> bool:
    if name in info.members:
        return True
    for base in info.bases:
        for parent in classes().get(base.split(".")[-1].split("[")[0], []):
            if id(parent) not in seen and _has_member(parent, name, seen | {id(info)}):
                return True
    return False


def _member_chain(info: ClassInfo, chain: list[str]) -> bool:
    for i, name in enumerate(chain):
        if not _has_member(info, name):
            return False
        if i < len(chain) - 1:
            if name not in info.nested:
                return True  # an attribute's own attributes are beyond this check
            info = info.nested[name]
    return True


def _check_dotted_module(parts: list[str]) -> bool:
    table = modules()
    for split in range(len(parts), 0, -1):
        name = ".".join(parts[:split])
        if name in table:
            rest = parts[split:]
            if not rest:
                return True
            module = table[name]
            if rest[0] not in module.names:
                # a submodule not yet seen as one (a folder without __init__) is not a name
                return False
            if rest[0] in module.classes:
                return _member_chain(module.classes[rest[0]], rest[1:])
            return True
    return False


def _check_class_chain(parts: list[str]) -> bool:
    for info in classes().get(parts[0], []):
        if _member_chain(info, parts[1:]):
            return True
    types = graphql_schema()
    if parts[0] in types and len(parts) <= 2:
        return len(parts) == 1 or parts[1] in types[parts[0]]
    dotted = ".".join(parts)
    if dotted in EXTERNAL:
        target: object = importlib.import_module(EXTERNAL[dotted])
        for name in parts:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    if len(parts) == 1:
        name = parts[0]
        return (
            hasattr(builtins, name)
            or any(name in module.names for module in modules().values())
            or name in corpus_words()
        )
    return False


def _check_path(claim: str) -> bool:
    path = claim.rstrip("/")
    if (ROOT / path).exists():
        return True
    for tracked in tracked_files():
        anchored = "/" + tracked
        if anchored.endswith("/" + path) or f"/{path}/" in anchored:
            return True
    return False


@functools.cache
def benchmarks() -> frozenset[str]:
    """The names `omni bench` takes: `NAMES` and `PARTS` in bench/__main__.py, and `all`."""
    names = {"all"}
    for node in ast.parse((ROOT / "bench" / "__main__.py").read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "NAMES" and isinstance(node.value, ast.Tuple):
                names.update(str(e.value) for e in node.value.elts if isinstance(e, ast.Constant))
            if node.targets[0].id == "PARTS" and isinstance(node.value, ast.Dict):
                names.update(str(k.value) for k in node.value.keys if isinstance(k, ast.Constant))
    return frozenset(names)


def _check_omni(words: list[str]) -> bool:
    commands = omni_commands()
    if len(words) < 2 or words[1].startswith("-"):
        return True
    if words[1] not in commands:
        return False
    if words[1] == "bench":
        named = [w for w in words[2:] if re.fullmatch(r"[a-z][a-z-]*", w)]
        return all(name in benchmarks() for name in named)
    subcommands = commands[words[1]]
    if subcommands and len(words) > 2 and re.fullmatch(r"[a-z][a-z-]*", words[2]):
        return words[2] in subcommands
    return True


def verdict(claim: str) -> bool | None:
    """True when the code holds what the claim names, False when it does not, None when the
    backticked text names no code (a plain word, an SQL fragment, a placeholder)."""
    claim = claim.strip()
    words = claim.split()
    if words and words[0] == "omni":
        return _check_omni(words)
    if claim.startswith(MACHINE_PATHS) or MEDIA_TYPE.match(claim):
        return None
    if claim.startswith("/"):
        route = re.split(r"[<>{}*…?\s]|\.\.\.", claim)[0].rstrip("/")
        return None if not route else route in corpus_words()
    if claim.startswith((".", "http", "$")) or "://" in claim:
        return None
    if re.fullmatch(r"[\w-]+@?\.(env|service|timer|target)", claim):
        return _check_path(claim)  # a deployment file (deploy/systemd/)
    if "/" in claim or PATH_SUFFIX.search(claim):
        if PLACEHOLDER.search(claim) or not re.fullmatch(r"[\w./-]+", claim):
            return None
        if not PATH_SUFFIX.search(claim) and claim.split("/")[0] not in top_level():
            return None  # a receipt number, a subject: not a path of the repository
        return _check_path(claim)
    setting = SETTING.match(claim)
    if setting and setting.group(1).startswith(SETTING_PREFIXES):
        name = setting.group(1)
        return name in settings_names() or name in corpus_words()
    if SHOUTED.match(claim):
        enum_values = set().union(*graphql_schema().values())
        return (
            claim in {code.value for code in ErrorCode}
            or claim in enum_values
            or claim in corpus_words()
        )
    call = CALL.match(claim)
    target = call.group(1) if call else claim
    if DOTTED.match(target) or re.fullmatch(IDENT, target):
        parts = target.split(".")
        if parts[0] in PACKAGES and len(parts) > 1:
            return _check_dotted_module(parts)
        if CAMEL.match(parts[0]):
            return _check_class_chain(parts)
        if len(parts) == 1 and call:
            return target in corpus_calls()
        if len(parts) == 1 and (SNAKE.match(target) or LOWER_CAMEL.match(target)):
            return target in corpus_words()
    return None


def claims(path: Path) -> list[str]:
    text = path.read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # diagrams and listings
    return BACKTICKED.findall(text)


DOCS = [ARCHITECTURE, *sorted(DECISIONS.glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_claim_about_code_in_the_docs_holds(doc: Path) -> None:
    stale = [claim for claim in claims(doc) if verdict(claim) is False]
    assert stale == [], f"{doc.relative_to(ROOT)} names code that does not exist: {stale}"


def test_the_map_checks_a_good_share_of_its_claims() -> None:
    checked = [claim for claim in claims(ARCHITECTURE) if verdict(claim) is not None]
    assert len(checked) >= 150


@pytest.mark.parametrize(
    "claim",
    [
        "projections/runner.py",
        "adapters/postgres/store.py",
        "js/operations.js",
        "projections.runner",
        "domain.errors.ErrorCode",
        "Pickup.CustomerNotified",
        "Settings.from_env",
        "LeasedFollower",
        "OMNI_POOL_SIZE",
        "NATS_URL",
        "NOT_ALLOWED",
        "READY",
        "omni projections rebuild NAME",
        "omni bench staff-board",
        "omni bench projection-lag outbox",
        "/health/ready",
        "recover_cart(..., open_cart_id)",
        "Customer.timeline",
        "pickupBoard",
        "InternalClientError",
    ],
)
def test_claims_that_hold_pass(claim: str) -> None:
    assert verdict(claim) is True


@pytest.mark.parametrize(
    "claim",
    [
        "projections/nowhere.py",
        "adapters/postgres/store.sql",
        "projections.nowhere",
        "domain.errors.NoSuchCode",
        "Pickup.CustomerTeleported",
        "Settings.from_the_moon",
        "LeasedFollowers",
        "OMNI_NO_SUCH_SETTING",
        "NO_SUCH_ERROR_CODE",
        "omni projections demolish NAME",
        "omni teleport",
        "omni bench warp-speed",
        "/health/nowhere",
        "recover_carts_twice(cart)",
        "cart_of_the_moon(pool, cart_id)",
        "Customer.horoscope",
        "pickupBoardOfTheMoon",
    ],
)
def test_claims_that_do_not_hold_fail(claim: str) -> None:
    assert verdict(claim) is False


@pytest.mark.parametrize("claim", ["running", "<schema>_events", "events.state->>'customer_id'"])
def test_text_that_names_no_code_is_not_judged(claim: str) -> None:
    assert verdict(claim) is None


SECTION_REFERENCE = re.compile(r"ARCHITECTURE(?:\.md)?\)?,? §(\d+)")
HEADING = re.compile(r"^## (\d+)\. ", re.MULTILINE)


def test_section_references_to_the_map_name_sections_it_has() -> None:
    sections = set(HEADING.findall(ARCHITECTURE.read_text()))
    referring = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    missing = [
        (str(doc.relative_to(ROOT)), number)
        for doc in referring
        for number in SECTION_REFERENCE.findall(doc.read_text())
        if number not in sections
    ]
    assert sections
    assert missing == []


def test_links_between_docs_name_files_that_exist() -> None:
    linked = re.compile(r"(docs/[\w./-]+\.md)")
    missing = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in linked.findall(doc.read_text()):
            if not (ROOT / target).exists():
                missing.append((str(doc.relative_to(ROOT)), target))
    assert missing == []


def test_the_decisions_index_lists_every_record_once() -> None:
    index = (DECISIONS / "README.md").read_text()
    listed = re.findall(r"\]\((2026-[\w.-]+\.md)\)", index)
    records = sorted(p.name for p in DECISIONS.glob("2*.md"))
    unlisted = [
        f"- [{(DECISIONS / name).read_text().splitlines()[0].lstrip('# ')}]({name})"
        for name in records
        if name not in listed
    ]
    assert unlisted == [], "add these lines to docs/decisions/README.md"
    assert sorted(listed) == records
    assert len(listed) == len(set(listed))


def test_the_map_stays_a_map() -> None:
    assert len(ARCHITECTURE.read_text().splitlines()) <= 300
