"""Why a cart refuses a command."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode, NotAllowed


class CartClosed(DomainError):
    code = ErrorCode.CART_CLOSED
    message = "this cart is {status} and accepts no more changes"


class InvalidQuantity(DomainError):
    code = ErrorCode.INVALID_QUANTITY
    subject = "quantity"
    message = "a cart line holds 1 to 99 units; {quantity} of {sku} is not possible"


class LineNotInCart(DomainError):
    code = ErrorCode.LINE_NOT_IN_CART
    subject = "sku"
    message = "{sku} is not in this cart"


class CurrencyMismatch(DomainError):
    code = ErrorCode.CURRENCY_MISMATCH
    message = "{sku} is priced in {currency}, which is not this cart's currency"


class EmptyCart(DomainError):
    code = ErrorCode.EMPTY_CART
    subject = "lines"
    message = "this cart is empty: add something before checking out"


class CartStillActive(DomainError):
    code = ErrorCode.CART_STILL_ACTIVE
    message = "this cart was active at {last_activity} and is not idle long enough to abandon"


class CartBelongsToAnotherCustomer(DomainError):
    code = ErrorCode.CART_BELONGS_TO_ANOTHER_CUSTOMER
    message = "this cart belongs to another customer"


class CartNotAbandoned(DomainError):
    code = ErrorCode.CART_NOT_ABANDONED
    message = "this cart is {status}, not abandoned: there is nothing to recover"


class NotCartOwner(NotAllowed):
    """Only the cart's customer, or the guest holding a guest cart, may do this."""

    message = "this cart is not yours"
