"""The code a shopper's app shows (as a QR) for a till to find their cart: `omni-cart:` and
the cart's id. It names the cart only: whoever holds the cart's id may already read it."""

from __future__ import annotations

from uuid import UUID

from domain.errors import DomainError, ErrorCode

PREFIX = "omni-cart:"


class InvalidCartCode(DomainError):
    code = ErrorCode.INVALID_CART_CODE
    subject = "value"
    message = "{value} is not a cart's code (omni-cart: and the cart's id)"


def cart_code(cart_id: UUID) -> str:
    return f"{PREFIX}{cart_id}"


def parse_cart_code(value: str) -> UUID:
    """The cart a scanned code names; anything else is refused."""
    text = value.strip()
    if not text.lower().startswith(PREFIX):
        raise InvalidCartCode(value=value)
    try:
        return UUID(text[len(PREFIX) :])
    except ValueError:
        raise InvalidCartCode(value=value) from None
