"""The application service: one async method per use case, each one atomic append.

service = CommerceService(store, catalog, payments, clock)
done = await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, context)
done.position  # wait for projections to reach it to read your own write
"""

from __future__ import annotations

from domain.usecases.base import Done
from domain.usecases.carts import CartUseCases
from domain.usecases.checkout import CheckoutUseCases
from domain.usecases.customers import CustomerUseCases
from domain.usecases.erasure import ErasureUseCases
from domain.usecases.feedback import FeedbackUseCases
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.pickups import PickupUseCases
from domain.usecases.recovery import RecoveryUseCases
from domain.usecases.returns import ReturnUseCases
from domain.usecases.sales import SaleUseCases
from domain.usecases.service_desk import ServiceDeskUseCases
from domain.usecases.shipping import ShippingUseCases
from domain.usecases.stock import StockUseCases
from domain.usecases.store_counter import CounterUseCases
from domain.usecases.till import TillUseCases


class CommerceService(
    CartUseCases,
    CheckoutUseCases,
    PickupUseCases,
    ShippingUseCases,
    ReturnUseCases,
    StockUseCases,
    CounterUseCases,
    TillUseCases,
    SaleUseCases,
    RecoveryUseCases,
    CustomerUseCases,
    ErasureUseCases,
    FeedbackUseCases,
    ServiceDeskUseCases,
    LoyaltyUseCases,
):
    """Every use case of every channel, over one event store."""


__all__ = ["CommerceService", "Done"]
