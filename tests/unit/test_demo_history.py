"""The demo's past as planned: every store busy on each of the last fourteen days, in opening
hours, mostly on time, some late, a few never collected (only where the window has closed),
all finished by now; the same plan for the same day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from api.server.demo_history import PlannedPickup, plan_history, units_handed_over
from api.server.demo_seed import load_demo_catalog

NOW = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)
_, LOCATIONS = load_demo_catalog()
STORES = [location for location in LOCATIONS if location.offers_pickup]
BY_ID = {store.id: store for store in STORES}
PLAN = plan_history(STORES, NOW, 14)


def local(moment: datetime, store_id: str) -> datetime:
    return moment.astimezone(ZoneInfo(BY_ID[store_id].time_zone))


def in_opening_hours(moment: datetime, store_id: str) -> bool:
    store = BY_ID[store_id]
    return store.opens_at <= local(moment, store_id).time() <= store.closes_at


def test_the_same_day_plans_the_same_history() -> None:
    assert plan_history(STORES, NOW, 14) == PLAN
    assert plan_history(STORES, NOW + timedelta(days=1), 14) != PLAN


def test_every_store_has_pickups_on_each_of_the_last_fourteen_days() -> None:
    today = local(NOW, "AMS-CENTRAAL").date()
    days = {today - timedelta(days=back) for back in range(1, 15)}
    for store in STORES:
        placed = [local(p.placed_at, store.id).date() for p in PLAN if p.store_id == store.id]
        assert set(placed) == days, store.id
        assert all(placed.count(day) >= 2 for day in days), store.id


def test_orders_arrive_and_are_collected_while_the_store_is_open_and_all_are_finished() -> None:
    for p in PLAN:
        assert in_opening_hours(p.placed_at, p.store_id)
        assert p.placed_at < p.picking_at < p.ready_at
        assert (p.collected_at is None) != (p.expired_at is None)
        end = p.collected_at or p.expired_at
        assert end is not None and p.ready_at < end < NOW
        if p.collected_at is not None:
            assert in_opening_hours(p.collected_at, p.store_id)


def test_some_are_late_some_never_collected_and_only_once_their_window_closed() -> None:
    late = [p for p in PLAN if p.late]
    never = [p for p in PLAN if p.expired_at is not None]
    assert 0.05 < len(late) / len(PLAN) < 0.3
    assert 0 < len(never) < len(PLAN) * 0.15
    for p in never:
        window = timedelta(days=BY_ID[p.store_id].pickup_window_days)
        assert p.expired_at == p.ready_at + window
    assert any(p.short_sku is not None for p in PLAN)


def test_guests_and_customers_each_of_whom_shops_at_one_store() -> None:
    stores_of: dict[str, set[str]] = {}
    for p in PLAN:
        if p.customer_id is not None:
            stores_of.setdefault(p.customer_id, set()).add(p.store_id)
    assert len(stores_of) == 5 and all(len(stores) == 1 for stores in stores_of.values())
    assert 0 < sum(p.customer_id is None for p in PLAN) < len(PLAN)


def test_what_left_each_store_is_what_was_collected_less_what_was_short() -> None:
    pickup = PlannedPickup(
        1, "AMS-ZUID", None, (("DESK-FAN", 2), ("PLANT-POT", 1)), NOW, NOW, NOW, NOW,
        "DESK-FAN", NOW, None,
    )  # fmt: skip
    never = PlannedPickup(
        2, "AMS-ZUID", None, (("DESK-FAN", 1),), NOW, NOW, NOW, NOW, None, None, NOW
    )
    assert units_handed_over([pickup, never]) == {
        ("AMS-ZUID", "DESK-FAN"): 1,
        ("AMS-ZUID", "PLANT-POT"): 1,
    }
