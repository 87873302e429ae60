"""Why a cart refuses a command."""

from __future__ import annotations

from domain.errors import DomainError


class CartClosed(DomainError):
    code = "CART_CLOSED"


class InvalidQuantity(DomainError):
    code = "INVALID_QUANTITY"
    field = "quantity"


class LineNotInCart(DomainError):
    code = "LINE_NOT_IN_CART"
    field = "sku"


class CurrencyMismatch(DomainError):
    code = "CURRENCY_MISMATCH"


class EmptyCart(DomainError):
    code = "EMPTY_CART"


class CartStillActive(DomainError):
    code = "CART_STILL_ACTIVE"


class CartBelongsToAnotherCustomer(DomainError):
    code = "CART_BELONGS_TO_ANOTHER_CUSTOMER"
