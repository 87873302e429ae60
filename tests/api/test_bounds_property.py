"""Issue 17, item 8 (its second half): values AT every bound are accepted, and the read models
hold them. Each example is a store, a SKU, a shopper, a customer, staff and a till whose ids
and texts are exactly as long as allowed (in any characters, most of them several bytes in
UTF-8), quantities and stock at their maximum, sent through every mutation of the real app
and /pos/sync; after each example every projection is running at the head, and reads at the
last position answer without STALE_READ. Not here: recoverCart, markNoShow and skipClock,
which need days to pass (their bounded inputs, a device id and a staff id, are the same
checks startCart and startPicking go through)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.postgres.catalog import upsert_catalog
from api.auth import Role
from domain.bounds import (
    MAX_ARRIVAL_NOTE_LENGTH,
    MAX_ID_LENGTH,
    MAX_SALE_LINE_QUANTITY,
    MAX_SALE_LINES,
    MAX_SALE_NUMBER_LENGTH,
    MAX_SKU_LENGTH,
    MAX_STOCK,
    MAX_TEXT_LENGTH,
    MAX_UNIT_PRICE,
)
from domain.ports import Location, LocationKind, Product
from domain.values import Money
from tests.api import bounded_journey as journey
from tests.api.conftest import Api
from tests.api.read_models import every_projection_at_the_head

# Printable, no spaces (ids are not trimmed, but some inputs are), never NUL or a surrogate.
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))
CUSTOMER_ID_LENGTH = 128  # what an imported customer id may be (adapters/catalog_files.py)
IDEMPOTENCY_KEY_LENGTH = 100  # what checkout's key may be (api/graphql/checkout)


def exactly(length: int) -> st.SearchStrategy[str]:
    """A drawn pattern repeated to exactly `length` characters: each example draws a few
    dozen characters, not thousands (Hypothesis bounds how much one example may draw)."""
    return st.text(CHARACTERS, min_size=1, max_size=12).map(
        lambda pattern: (pattern * (length // len(pattern) + 1))[:length]
    )


@dataclass(frozen=True)
class AtTheBound:
    store: str
    sku: str
    device: str
    staff: str
    till: str
    shopper: str
    customer: str
    loyalty: str
    texts: tuple[str, str, str]  # reasons, a proof: free text
    ids: tuple[str, str, str, str, str]  # reference, shelf, channel, payment token, reference
    sale_number: str
    idempotency_key: str


EXAMPLES = itertools.count(1)


@st.composite
def at_the_bound(draw: st.DrawFn) -> AtTheBound:
    # The examples share one database: what must be unique (a store, a loyalty card, a sale
    # number, an idempotency key) starts with the example's number, at the same length.
    number = next(EXAMPLES)

    def unique(length: int) -> str:
        return stamped(draw(exactly(length)), number)

    return AtTheBound(
        store=unique(MAX_ID_LENGTH),
        sku=unique(MAX_SKU_LENGTH),
        device=draw(exactly(MAX_ID_LENGTH)),
        staff=draw(exactly(MAX_ID_LENGTH)),
        till=unique(MAX_ID_LENGTH),
        shopper=unique(MAX_ID_LENGTH),
        customer=unique(CUSTOMER_ID_LENGTH),
        loyalty=unique(MAX_ID_LENGTH),
        texts=tuple(draw(exactly(MAX_TEXT_LENGTH)) for _ in range(3)),  # type: ignore[arg-type]
        ids=tuple(draw(exactly(MAX_ID_LENGTH)) for _ in range(5)),  # type: ignore[arg-type]
        sale_number=unique(MAX_SALE_NUMBER_LENGTH),
        idempotency_key=unique(IDEMPOTENCY_KEY_LENGTH),
    )


def stamped(value: str, number: int) -> str:
    stamp = f"{number}~"
    return stamp + value[len(stamp) :]


async def open_store_with_product(api: Api, values: AtTheBound) -> None:
    """A store and a product named at their bounds, the product at the highest price."""
    store = Location(
        id=values.store,
        name="Bounds store",
        kind=LocationKind.STORE,
        time_zone="Europe/Amsterdam",
        latitude=52.37,
        longitude=4.89,
    )
    product = Product(sku=values.sku, name="Bounds product", price=Money.of(MAX_UNIT_PRICE))
    await upsert_catalog(api.db, [product], [store])
    api.services.catalog.invalidate()


@settings(
    max_examples=24,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=at_the_bound())
async def test_values_at_every_bound_go_through_every_mutation_and_every_read_model(
    api: Api, values: AtTheBound
) -> None:
    await open_store_with_product(api, values)
    staff = api.token(Role.STAFF, values.staff, values.store)
    till = api.token(Role.POS, values.till, values.store)
    admin = api.token(Role.ADMIN, "head-office")
    reason, proof, return_reason = values.texts
    reference, shelf, channel, payment, payment_reference = values.ids

    await journey.import_customer(api, admin, values.customer, values.loyalty, values.texts)
    await journey.stock_up_to_the_most(api, staff, values.store, values.sku, reason, reference)
    cart = await journey.guest_cart_at_the_most(api, values.sku, values.device)
    placed = await journey.check_out(
        api, cart, values.store, payment, values.idempotency_key, values.device
    )
    where = reason[:MAX_ARRIVAL_NOTE_LENGTH]  # where a curbside customer waits
    code = await journey.pick_short_and_make_ready(api, staff, placed, cart, shelf, channel, where)
    await journey.hand_over_and_take_back(
        api, staff, placed, values.store, values.sku, code, proof, return_reason
    )
    sale = [
        {"sku": values.sku, "quantity": MAX_SALE_LINE_QUANTITY, "unitPrice": str(MAX_UNIT_PRICE)}
    ] * MAX_SALE_LINES
    customer_token = api.token(Role.CUSTOMER, values.customer)
    position = await journey.sell_at_the_till(
        api, till, values.sale_number, sale, payment_reference, values.loyalty, customer_token
    )
    await journey.sync_offline(api, till, values.sale_number, sale, payment_reference)
    shopper = api.token(Role.CUSTOMER, values.shopper)
    await journey.order_pay_and_cancel(
        api, shopper, values.store, values.sku, values.device, payment, reason
    )

    await every_projection_at_the_head(api)
    sold = 2 * MAX_SALE_LINES * MAX_SALE_LINE_QUANTITY  # at the counter, then uploaded
    assert await journey.on_hand(api, staff, values.store, values.sku, position) == (
        MAX_STOCK - sold
    )
    await journey.reads_back(api, admin, cart, values.device, values.customer, position)
