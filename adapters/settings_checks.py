"""Each setting read from the environment, checked on its own, so that a wrong one is refused
at start with one sentence naming the variable and what it expects (not a traceback)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import msgspec


class StartupError(Exception):
    """A setting, or the server it names, cannot be used. The message is one sentence saying
    which and what to do: the command line and the app factory print it and exit non-zero."""


class SettingsError(StartupError, ValueError):
    """One environment variable holds a value that cannot be used."""


def checked(variable: str, raw: str, field: str, annotation: Any) -> Any:
    """`raw` as the field's type, within its bounds and, for URLs and times, well formed."""
    try:
        value = msgspec.convert(raw, annotation, strict=False)
    except msgspec.ValidationError:
        raise SettingsError(_refusal(variable, raw, expects(annotation))) from None
    if field in WELL_FORMED and value is not None:
        is_valid, expectation = WELL_FORMED[field]
        if not is_valid(value):
            raise SettingsError(_refusal(variable, raw, expectation))
    return value


def _refusal(variable: str, raw: str, expectation: str) -> str:
    """Only typed and well-formed values can fail, never a secret: the value is shown, a URL's
    password masked."""
    shown = repr(without_password(raw)) if raw.strip() else "empty"
    return f"{variable} is {shown}, but it must be {expectation}."


def expects(annotation: Any) -> str:
    """What a type annotation accepts, as a reader would say it."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        return expects(base) + "".join(_bounds(meta) for meta in metadata)
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(str(choice) for choice in typing.get_args(annotation))
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if arguments:  # X | None: unset is None, so a value set must be an X
        return expects(arguments[0])
    names = {bool: "true or false", int: "a whole number", float: "a number", Decimal: "an amount"}
    return names.get(annotation, "text")


def _bounds(meta: Any) -> str:
    if not isinstance(meta, msgspec.Meta):
        return ""
    if meta.ge is not None and meta.le is not None:
        return f" from {meta.ge:g} to {meta.le:g}"
    if meta.gt is not None:
        return f" above {meta.gt:g}"
    return f" of at least {meta.ge:g}" if meta.ge is not None else ""


def without_password(text: str) -> str:
    """A URL, or URLs separated by commas, as they may be printed: any password replaced by
    ***."""
    return ",".join(_one_without_password(one) for one in text.split(","))


def _one_without_password(text: str) -> str:
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if parts.password is None:
        return text
    return text.replace(f":{parts.password}@", ":***@", 1)


def _is_url(schemes: tuple[str, ...]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        for one in text.split(","):
            try:
                parts = urlsplit(one.strip())
                # .port raises ValueError when the port is not a number from 0 to 65535
                if parts.scheme not in schemes or parts.port == 0:
                    return False
            except ValueError:
                return False
        return True

    return check


def _is_zoned_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _is_postgres_url(text: str) -> bool:
    return "," not in text and _is_url(("postgresql", "postgres"))(text)


def _are_postgres_urls(text: str) -> bool:
    return all(one.strip() for one in text.split(",")) and _is_url(("postgresql", "postgres"))(text)


WELL_FORMED: dict[str, tuple[Callable[[Any], bool], str]] = {
    "database_url": (
        _is_postgres_url,
        "a PostgreSQL URL such as postgresql://user:password@127.0.0.1:5432/omnicommerce",
    ),
    "read_database_url": (
        _are_postgres_urls,
        "one or more PostgreSQL URLs separated by commas, such as "
        "postgresql://user:password@replica-1:5432/omnicommerce",
    ),
    "nats_url": (
        _is_url(("nats", "tls", "ws", "wss")),
        "a NATS URL such as nats://127.0.0.1:4222 (several separated by commas)",
    ),
    "otlp_endpoint": (
        _is_url(("http", "https")),
        "an http(s) URL such as http://127.0.0.1:4318",
    ),
    "loyalty_point_value": (
        lambda value: 0 <= value <= 100,
        "an amount from 0 to 100, such as 0.01",
    ),
    "clock_start": (
        _is_zoned_time,
        "an ISO 8601 time with its offset, such as 2026-11-02T09:00:00+01:00",
    ),
}
