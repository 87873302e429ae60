"""Reading products, locations, customers and staff from CSV or JSON files, all or nothing.

Every row is checked before anything is written; the first problem is reported with the
file, the line and the field (adapters/catalog_records.py reads the lines and checks the
columns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from adapters.catalog_records import CatalogFileError, Columns, Record, records
from adapters.postgres.staff_credentials import StaffCredential
from adapters.staff_pins import InvalidPin, hash_pin
from domain.bounds import MAX_ID_LENGTH, MAX_TEXT_LENGTH
from domain.ports import Customer, Location, LocationKind, Product
from domain.values import Money

URL_PATTERN = re.compile(r"^(https?://[^\s]+|/[^\s]*)$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Customer ids come from the retailer's identity provider: printable text without spaces.
CUSTOMER_ID_PATTERN = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
# numeric(12, 2) in the products table
MAX_PRICE = Decimal("9999999999.99")
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "1"}), frozenset({"false", "0", ""})
T = TypeVar("T")
S = TypeVar("S", str, str | None)

PRODUCT_COLUMNS = Columns(
    required=("sku", "name", "price", "currency"),
    optional=("low_stock_threshold", "description", "attributes", "image_urls", "discontinued"),
)
LOCATION_COLUMNS = Columns(
    required=(
        *("id", "name", "kind", "time_zone", "latitude", "longitude"),
        *("pickup_service_minutes", "pickup_window_days"),
    ),
    optional=("opens_at", "closes_at"),
)
CUSTOMER_COLUMNS = Columns(
    required=("id", "first_name"), optional=("last_name", "email", "phone", "loyalty_id")
)
STAFF_COLUMNS = Columns(required=("staff_id", "stores"), optional=("staff_role", "pin", "pin_hash"))


def read_products(path: Path) -> list[Product]:
    return _read(path, PRODUCT_COLUMNS, _product)


def read_locations(path: Path) -> list[Location]:
    return _read(path, LOCATION_COLUMNS, _location)


def read_customers(path: Path) -> list[Customer]:
    return _read(path, CUSTOMER_COLUMNS, _customer)


def read_staff(path: Path) -> list[StaffCredential]:
    return _read(path, STAFF_COLUMNS, _staff)


def parse_products(text: str, name: str, json: bool) -> list[Product]:
    return _parse_rows(records(text, name, json, PRODUCT_COLUMNS), name, _product)


def parse_locations(text: str, name: str, json: bool) -> list[Location]:
    return _parse_rows(records(text, name, json, LOCATION_COLUMNS), name, _location)


def parse_customers(text: str, name: str, json: bool) -> list[Customer]:
    return _parse_rows(records(text, name, json, CUSTOMER_COLUMNS), name, _customer)


def customers_from_rows(rows: Iterable[dict[str, Any]], name: str) -> list[Customer]:
    """Customers from rows already decoded (an API request's input), checked as a file's are."""
    return _parse_rows((Record(None, row) for row in rows), name, _customer)


def parse_staff(text: str, name: str, json: bool) -> list[StaffCredential]:
    return _parse_rows(records(text, name, json, STAFF_COLUMNS), name, _staff)


def _read(path: Path, columns: Columns, build: Callable[[dict[str, Any]], T]) -> list[T]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problem = f"not UTF-8 text (byte {error.start} cannot be read)"
        raise CatalogFileError(str(path), 0, "", problem, 1) from None
    except OSError as error:
        raise CatalogFileError(str(path), 0, "", f"cannot be read ({error.strerror})") from None
    is_json = path.suffix.lower() == ".json"
    return _parse_rows(records(text, str(path), is_json, columns), str(path), build)


def _parse_rows(rows: Iterable[Record], name: str, build: Callable[[dict[str, Any]], T]) -> list[T]:
    parsed = []
    for number, (line, row) in enumerate(rows, start=1):
        try:
            parsed.append(build(row))
        except _FieldError as error:
            raise CatalogFileError(name, number, error.field, error.problem, line) from None
    return parsed


class _FieldError(Exception):
    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem


def _required(row: dict[str, Any], field: str) -> str:
    value = row.get(field)
    if value is None or str(value).strip() == "":
        raise _FieldError(field, "is required")
    if isinstance(value, dict | list):
        raise _FieldError(field, f"must be a single value, not {type(value).__name__}")
    return str(value).strip()


def _number(row: dict[str, Any], field: str, kind: type, low: float, high: float) -> Any:
    raw = _required(row, field)
    try:
        value = kind(raw)
    except ValueError:
        raise _FieldError(field, f"{raw!r} is not a number") from None
    if not low <= value <= high:
        raise _FieldError(field, f"{value} is outside {low}..{high}")
    return value


def _optional_int(row: dict[str, Any], field: str) -> int | None:
    if row.get(field) in (None, ""):
        return None
    return int(_number(row, field, int, 0, 10**9))


def _product(row: dict[str, Any]) -> Product:
    sku = _required(row, "sku")
    if not SKU_PATTERN.match(sku):
        raise _FieldError("sku", f"{sku!r} is not a SKU (A-Z, 0-9 and '-', 2 to 40 long)")
    currency = _required(row, "currency")
    if not CURRENCY_PATTERN.match(currency):
        raise _FieldError("currency", f"{currency!r} is not a 3-letter currency code")
    return Product(
        sku=sku,
        name=_required(row, "name"),
        price=Money.of(_price(row), currency),
        low_stock_threshold=_optional_int(row, "low_stock_threshold"),
        description=_optional(row, "description") or "",
        attributes=_attributes(row.get("attributes")),
        image_urls=_image_urls(row.get("image_urls")),
        discontinued=_flag(row, "discontinued"),
    )


def _price(row: dict[str, Any]) -> Decimal:
    raw = _required(row, "price")
    try:
        price = Decimal(raw)
    except InvalidOperation:
        raise _FieldError("price", f"{raw!r} is not a price") from None
    if not price.is_finite() or not 0 <= price <= MAX_PRICE:
        raise _FieldError("price", f"{raw} is not a price from 0 to {MAX_PRICE}")
    if price != price.quantize(Decimal("0.01")):
        raise _FieldError("price", f"{raw} has more than 2 decimals")
    return price


def _flag(row: dict[str, Any], field: str) -> bool:
    """true or false (also 1 or 0, any case); empty or absent is false."""
    raw = row.get(field)
    word = "" if raw is None else str(raw).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise _FieldError(field, f"{raw!r} is neither true nor false")
    return word in TRUE_WORDS


def _attributes(raw: Any) -> dict[str, str]:
    """A JSON object of strings, or in CSV `name=value; name=value`."""
    if raw in (None, ""):
        return {}
    pairs: list[tuple[Any, ...]]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        pairs = [tuple(part.split("=", 1)) for part in str(raw).split(";") if part.strip()]
    attributes = {}
    for pair in pairs:
        if len(pair) != 2 or not str(pair[0]).strip():
            raise _FieldError("attributes", f"{raw!r} is not name=value pairs")
        attributes[str(pair[0]).strip()] = str(pair[1]).strip()
    return attributes


def _image_urls(raw: Any) -> tuple[str, ...]:
    """A JSON list, or in CSV URLs separated by '|'."""
    if raw in (None, ""):
        return ()
    urls = raw if isinstance(raw, list) else str(raw).split("|")
    cleaned = tuple(str(url).strip() for url in urls if str(url).strip())
    for url in cleaned:
        if not URL_PATTERN.match(url):
            raise _FieldError("image_urls", f"{url!r} is not an http(s) URL or a /path")
    return cleaned


def _location(row: dict[str, Any]) -> Location:
    zone = _required(row, "time_zone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _FieldError("time_zone", f"{zone!r} is not an IANA time zone") from None
    kind = _required(row, "kind")
    if kind not in {k.value for k in LocationKind}:
        raise _FieldError("kind", f"{kind!r} is neither 'store' nor 'warehouse'")
    values = {
        "id": _bounded(_required(row, "id"), "id", MAX_ID_LENGTH),
        "name": _required(row, "name"),
        "kind": kind,
        "time_zone": zone,
        "latitude": _number(row, "latitude", float, -90, 90),
        "longitude": _number(row, "longitude", float, -180, 180),
        "pickup_service_minutes": _number(row, "pickup_service_minutes", int, 1, 60 * 24 * 14),
        "pickup_window_days": _number(row, "pickup_window_days", int, 1, 365),
    }
    for field in ("opens_at", "closes_at"):
        if row.get(field):
            values[field] = _required(row, field)
    try:
        return msgspec.convert(values, Location, strict=False)
    except msgspec.ValidationError as error:
        raise _FieldError(str(error).rsplit("`$.", 1)[-1].rstrip("`"), str(error)) from None


def _customer(row: dict[str, Any]) -> Customer:
    email = _optional(row, "email")
    if email is not None and not EMAIL_PATTERN.match(email):
        raise _FieldError("email", f"{email!r} is not an e-mail address")
    customer_id = _required(row, "id")
    if not CUSTOMER_ID_PATTERN.fullmatch(customer_id):
        raise _FieldError("id", f"{customer_id!r} is not a customer id (1 to 128, no spaces)")
    return Customer(
        id=customer_id,
        first_name=_bounded(_required(row, "first_name"), "first_name", MAX_TEXT_LENGTH),
        last_name=_bounded(_optional(row, "last_name") or "", "last_name", MAX_TEXT_LENGTH),
        email=_bounded(email, "email", MAX_TEXT_LENGTH),
        phone=_bounded(_optional(row, "phone"), "phone", MAX_ID_LENGTH),
        loyalty_id=_bounded(_optional(row, "loyalty_id"), "loyalty_id", MAX_ID_LENGTH),
    )


def _bounded(value: S, field: str, limit: int) -> S:
    """Within the bound the write side has for such a value (domain/bounds.py)."""
    if value is not None and len(value) > limit:
        raise _FieldError(field, f"{len(value):,} characters; at most {limit:,}")
    return value


def _optional(row: dict[str, Any], field: str) -> str | None:
    value = row.get(field)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _staff(row: dict[str, Any]) -> StaffCredential:
    """stores separated by ';'; a `pin` is hashed here, or a `pin_hash` is taken as it is."""
    stores = tuple(s.strip() for s in _required(row, "stores").split(";") if s.strip())
    role = _optional(row, "staff_role") or "picker"
    if role not in ("picker", "manager"):
        raise _FieldError("staff_role", f"{role!r} is neither 'picker' nor 'manager'")
    pin_hash = _optional(row, "pin_hash")
    if pin_hash is None:
        try:
            pin_hash = hash_pin(_required(row, "pin"))
        except InvalidPin as error:
            raise _FieldError("pin", str(error)) from None
    return StaffCredential(
        staff_id=_bounded(_required(row, "staff_id"), "staff_id", MAX_ID_LENGTH),
        stores=stores,
        staff_role=role,
        pin_hash=pin_hash,
    )
