"""The read models behind a running shop: a query waits for a write's position before it reads.
What each read model holds after which events is specified in tests/read_models/."""

from __future__ import annotations

from domain.values import Channel
from projections import cart_continuity
from tests.integration.conftest import Shop
from tests.shop import ctx

PHONE = ctx(Channel.MOBILE, "phone-ada")


async def all_rows(shop: Shop, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: sorted(tuple(row) for row in await shop.pool.fetch(f"SELECT * FROM {table}"))
        for table in tables
    }


async def test_a_query_on_another_device_sees_a_write_once_it_waits_for_its_position(
    shop: Shop,
) -> None:
    cart_id = (await shop.service.start_cart(PHONE, customer_id="cust-ada")).result.cart_id
    added = await shop.service.add_to_cart(cart_id, "VINYL-PLAYER", 1, PHONE)

    assert await shop.projections.wait_for(added.position, timeout=5, names=["cart_continuity"])
    seen_on_laptop = await cart_continuity.current_cart(shop.pool, "cust-ada")
    assert seen_on_laptop is not None
    assert [line.sku for line in seen_on_laptop.lines] == ["VINYL-PLAYER"]
