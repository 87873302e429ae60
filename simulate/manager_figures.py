"""The manager's report (`omni report`'s figures, read from the read models) beside what the
simulator counted: pickups placed, collected and not collected, returns, recovered carts and
the funnel. Its times (click-to-collect p50/p90, ready within the promise, arrival to hand-over)
are the server's clock's and are shown, not compared: the simulator cannot count them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulate.figures import Measure, Reported, share
from simulate.run import Outcome
from simulate.tally import STEPS, Tally

GROUP = "Manager's report (omni report), the chain"


def manager_measures() -> list[Measure]:
    return [
        *(_step(step) for step in STEPS),
        Measure(GROUP, "pickups placed", _pickups("pickups"), _tally(_placed)),
        Measure(GROUP, "pickups collected", _pickups("collected"), _tally(_collected)),
        Measure(GROUP, "no-shows", _pickups("noShows"), _tally(_no_shows)),
        Measure(
            GROUP,
            "no-show rate",
            _pickups("noShowRate"),
            _tally(lambda t: _rounded(share(_no_shows(t), _collected(t) + _no_shows(t)))),
        ),
        Measure(GROUP, "returns requested", _of("returns", "requested"),
                _tally(lambda t: len(t.returns))),
        Measure(GROUP, "returns refunded", _of("returns", "refunded"),
                _tally(lambda t: sum(r.refunded for r in t.returns))),
        Measure(GROUP, "carts recovered", _of("recovery", "recovered"),
                _tally(lambda t: sum(a.recovered for a in t.abandonments.values()))),
        Measure(GROUP, "points earned", _of("loyalty", "earned"),
                lambda o: o.points.total("earned")),
        Measure(GROUP, "points redeemed", _of("loyalty", "redeemed"),
                lambda o: o.points.total("redeemed")),
        Measure(GROUP, "points given back (restored)", _of("loyalty", "restored"),
                lambda o: o.points.total("restored")),
        Measure(GROUP, "points reversed", _of("loyalty", "reversed"),
                lambda o: o.points.total("reversed")),
        # Points last OMNI_LOYALTY_EXPIRY_DAYS (a year); a simulation spans some forty days.
        Measure(GROUP, "points expired", _of("loyalty", "expired"), lambda o: 0),
        Measure(GROUP, "customers who paid with points", _of("loyalty", "customersRedeeming"),
                lambda o: o.points.customers_redeeming()),
    ]  # fmt: skip


def _step(step: str) -> Measure:
    def reported(r: Reported) -> object:
        funnel = _manager(r)["funnel"]
        return next(s["reached"] for s in funnel if s["step"].upper() == step)

    return Measure(GROUP, f"funnel: {step.lower().replace('_', ' ')}", reported,
                   lambda o: o.tally.funnel()[step])  # fmt: skip


def _placed(t: Tally) -> int:
    return sum(1 for j in t.journeys.values() if j.store is not None)


def _collected(t: Tally) -> int:
    return sum(1 for j in t.journeys.values() if j.store is not None and j.collected)


def _no_shows(t: Tally) -> int:
    return sum(1 for j in t.journeys.values() if j.store is not None and j.no_show)


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def _manager(reported: Reported) -> dict[str, Any]:
    assert reported.manager is not None, "no manager's report was read"
    return reported.manager


def _pickups(key: str) -> Callable[[Reported], object]:
    return _of("pickups", key)


def _of(section: str, key: str) -> Callable[[Reported], object]:
    return lambda reported: _manager(reported)[section][key]


def _tally(pick: Callable[[Tally], object]) -> Callable[[Outcome], object]:
    return lambda outcome: pick(outcome.tally)
