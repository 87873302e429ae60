"""The loyalty ledger in the replay benchmark's history, as the write side records it: every
collected pickup earns; every 4th shopper also pays 20 points at a till (the sale earns too);
every 10th gets a unit refunded, which takes back its share."""

from __future__ import annotations

from datetime import datetime

from domain.loyalty.model import LoyaltyAccount, LoyaltyRules, purchase_source
from domain.order.model import Order

RULES = LoyaltyRules()


def loyalty_events(
    number: int, order: Order, ledgers: dict[str, LoyaltyAccount], now: datetime
) -> list:  # type: ignore[type-arg]
    customer = order.customer_id
    if customer is None:
        return []
    ledger = ledgers.get(customer) or LoyaltyAccount.open(customer, now)
    ledgers[customer] = ledger
    ledger.earn(purchase_source("order", order.id), order.total, RULES, now)
    if number % 4 == 0 and ledger.balance >= 20:
        sale = f"sale:bench-{number}"
        ledger.redeem(sale, 20, RULES.value_of(20, order.currency), now)
        ledger.earn(
            sale, order.lines[0].unit_price - RULES.value_of(20, order.currency), RULES, now
        )
    if number % 10 == 0:
        ledger.reverse(purchase_source("order", order.id), order.lines[0].unit_price, now)
    return list(ledger.collect_events())
