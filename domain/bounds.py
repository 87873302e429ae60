"""The bounds of every string and number a command can record, declared once.

The aggregates and use cases check them before anything is decided, so GraphQL, `/pos/sync`
and any later entry point refuse the same values in the same way, and every read model is
sized to hold whatever passes (README, "Limits"). A string past its bound is INVALID_INPUT
naming the field; a quantity past its bound is INVALID_QUANTITY, the code quantities had.
"""

from __future__ import annotations

from decimal import Decimal

from domain.errors import DomainError, ErrorCode
from domain.values import Context, Money

# Ids of every kind (devices, customers, staff, tills, locations, order lines, references,
# shelf spots, codes). A read model keeps up to three of them in one btree entry (at most
# 2,704 bytes): 200 characters of 4 UTF-8 bytes each leave room for that.
MAX_ID_LENGTH = 200
MAX_SKU_LENGTH = 64
MAX_SALE_NUMBER_LENGTH = 100  # a till's own sale number; part of the sale's idempotency key
MAX_TEXT_LENGTH = 2_000  # free text: reasons, a proof of collection
MAX_ARRIVAL_NOTE_LENGTH = 200  # where a curbside customer waits ("bay 3, red Golf"): one line
# On hand, a count, a receipt: what the read models' `integer` columns hold (2^31 - 1).
MAX_STOCK = 2**31 - 1
MAX_SALE_LINE_QUANTITY = 10_000
MAX_SALE_LINES = 200
# A price a till may charge: what the catalog's `numeric(12, 2)` prices hold.
MAX_UNIT_PRICE = Decimal("9999999999.99")


class TooLong(DomainError):
    """A string longer than its bound: refused before anything is decided."""

    code = ErrorCode.INVALID_INPUT

    def __init__(self, subject: str, length: int, limit: int) -> None:
        self.subject = subject
        what = subject.replace("_", " ")
        super().__init__(
            f"{what}: {length:,} characters; at most {limit:,} are allowed",
            field=subject,
            length=length,
            limit=limit,
        )


class OutOfBounds(DomainError):
    """A number or a list outside its bound."""

    code = ErrorCode.INVALID_INPUT

    def __init__(self, subject: str | None, message: str, code: ErrorCode | None = None) -> None:
        self.subject = subject
        if code is not None:
            self.code = code
        super().__init__(message, field=subject)


def require_length(value: str | None, limit: int, subject: str) -> None:
    if value is not None and len(value) > limit:
        raise TooLong(subject, len(value), limit)


def require_id(value: str | None, subject: str) -> None:
    if value is not None and len(value) > MAX_ID_LENGTH:
        raise TooLong(subject, len(value), MAX_ID_LENGTH)


def require_sku(value: str, subject: str = "sku") -> None:
    if len(value) > MAX_SKU_LENGTH:
        raise TooLong(subject, len(value), MAX_SKU_LENGTH)


def require_text(value: str | None, subject: str) -> None:
    if value is not None and len(value) > MAX_TEXT_LENGTH:
        raise TooLong(subject, len(value), MAX_TEXT_LENGTH)


def require_context(context: Context) -> None:
    """The metadata every event carries: the device (an argument or the `X-Omni-Device`
    header) and the caller's id (from their token)."""
    device_id = context.device_id
    if device_id is not None and len(device_id) > MAX_ID_LENGTH:
        raise TooLong("device_id", len(device_id), MAX_ID_LENGTH)
    if len(context.actor.id) > MAX_ID_LENGTH:
        raise TooLong("caller_id", len(context.actor.id), MAX_ID_LENGTH)


def require_count(count: int, limit: int, subject: str) -> None:
    """At most `limit` items (the lines of a sale)."""
    if count > limit:
        raise OutOfBounds(subject, f"{subject}: {count:,}; at most {limit:,}")


def require_stock_level(level: int, subject: str | None = "quantity") -> None:
    """On hand after a receipt, a restock or a count: at most MAX_STOCK (no subject when
    the request did not name the quantity, e.g. a restock of a return)."""
    if level > MAX_STOCK:
        raise OutOfBounds(
            subject,
            f"on hand would be {level:,}; a stock level holds at most {MAX_STOCK:,} units",
            ErrorCode.INVALID_QUANTITY,
        )


def require_unit_price(amount: Decimal, subject: str = "unit_price") -> None:
    """A finite amount of at most MAX_UNIT_PRICE (a negative one is the sale's to refuse)."""
    if not amount.is_finite() or amount > MAX_UNIT_PRICE:
        raise OutOfBounds(subject, f"a unit price is a number of at most {MAX_UNIT_PRICE:,}")


def price(amount: Decimal, currency: str = "EUR", subject: str = "unit_price") -> Money:
    """An amount a client sent, as Money: checked before it is rounded to the cent (rounding
    an infinite or a 10^400 amount raises)."""
    require_unit_price(amount, subject)
    return Money.of(amount, currency)
