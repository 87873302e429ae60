"""`omni bench checkout-points` measures real checkouts: against a real server process, three
of each kind, every one placed and every redemption found in its shopper's ledger; and a run
whose ledgers do not show the redemptions is refused, never printed as a figure. No timing
is asserted (bench/checkout_points.py is the measurement)."""

from __future__ import annotations

import pytest

from adapters.settings import Settings
from bench.checkout_points import POINTS, WARM, Batch, Measured, measure, report

pytestmark = pytest.mark.slow


async def test_three_checkouts_of_each_kind_in_alternating_batches_each_redemption_in_a_ledger(
    settings: Settings,
) -> None:
    measured = await measure(settings, checkouts=3, batch=2)

    assert [(b.points, b.checkouts) for b in measured.batches] == [
        (False, 2), (True, 2), (False, 1), (True, 1),
    ]  # fmt: skip
    # The untimed warm-up checkouts are checked too.
    assert measured.redeemed == {False: [0] * (3 + WARM), True: [POINTS] * (3 + WARM)}
    for batch in measured.batches:
        assert len(batch.latencies) == batch.checkouts and min(batch.latencies) > 0
        assert batch.server_cpu > 0 and batch.read_models_cpu >= 0
    lines = report(measured)
    assert lines[0].startswith("checkout-points: checkout over HTTP") and "3 of each" in lines[0]
    assert "server CPU per checkout, with points / plain" in lines[3]
    assert "(target < 1.15: " in lines[3]


def test_a_run_whose_ledgers_miss_a_redemption_is_refused() -> None:
    batches = tuple(Batch(points, 1, 0.004, 0.004, (0.01,)) for points in (False, True))
    missed = Measured(batches, {False: [0], True: [0]})  # the points checkout paid none

    with pytest.raises(AssertionError, match="do not show the redemptions"):
        report(missed)
    assert report(Measured(batches, {False: [0], True: [POINTS]}))[3].endswith("MET)")
