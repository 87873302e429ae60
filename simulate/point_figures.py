"""Loyalty points: each simulated customer's own `me { loyalty }`, summed, beside what the
simulator's mirror of the rules (simulate/points.py) expects."""

from __future__ import annotations

from simulate.figures import POINT_KEYS, Measure


def point_measures() -> list[Measure]:
    """Loyalty points, summed over every simulated customer's own `me { loyalty }`; each
    customer's are compared too (a note names any that differ)."""
    group = "Loyalty points (each customer's me { loyalty })"
    found = [
        Measure(
            group,
            f"points {key}",
            lambda r, key=key: r.points_sum(key),  # type: ignore[misc]
            lambda o, key=key: o.points.total(key),  # type: ignore[misc]
        )
        for key in POINT_KEYS
    ]
    return [
        *found,
        Measure(
            group,
            "points redeemed at checkouts",
            lambda r: r.points_redeemed_on("order"),
            lambda o: o.points.redeemed_on("order"),
        ),
        Measure(
            group,
            "points redeemed at tills",
            lambda r: r.points_redeemed_on("sale"),
            lambda o: o.points.redeemed_on("sale"),
        ),
        # Points last OMNI_LOYALTY_EXPIRY_DAYS (a year); a simulation spans some forty days.
        Measure(group, "points expired", lambda r: r.points_sum("expired"), lambda o: 0),
        Measure(
            group,
            "customers who paid with points",
            lambda r: sum(int(read["redeemed"]) > 0 for read in r.loyalty.values()),
            lambda o: o.points.customers_redeeming(),
        ),
    ]
