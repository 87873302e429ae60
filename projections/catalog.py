"""Every read model the service runs, in one place."""

from __future__ import annotations

from projections.cart_continuity import CartContinuity
from projections.cart_recovery import CartRecovery
from projections.copurchase import CoPurchases
from projections.customer_timeline import CustomerTimeline
from projections.deadlines import Deadlines
from projections.feedback import Feedback
from projections.fulfillment_times import FulfillmentTimes
from projections.journeys import Journeys
from projections.loyalty import Loyalty
from projections.orders import Orders
from projections.runner import Projection
from projections.store_inventory import StoreInventory


def all_projections() -> list[Projection]:
    return [
        CartContinuity(),
        StoreInventory(),
        FulfillmentTimes(),
        Orders(),
        Deadlines(),
        CustomerTimeline(),
        CartRecovery(),
        Journeys(),
        Feedback(),
        CoPurchases(),
        Loyalty(),
    ]
