"""What `omni simulate` expects the server to ask, from its own count of the day: the server's
rules mirrored (simulate/voice.py), so that a survey asked or missed by mistake shows up as a
figure that differs in the report."""

from __future__ import annotations

from decimal import Decimal

from simulate.tally import Journey, Purchase, ReturnRecord, Tally
from simulate.voice import Voice

QUESTIONS = {"pickup": "csat", "return": "csat", "till_sale": "nps"}
PRICE = Decimal("10.00")


def collected(cart: str, customer: str | None) -> Journey:
    return Journey(cart, "WEB", "laptop", customer, store="AMS-ZUID", ready=True, collected=True)


def a_day() -> Tally:
    tally = Tally()
    tally.journeys = {
        "c1": collected("c1", "ada"),
        "c2": collected("c2", "bob"),
        "c3": collected("c3", None),  # a guest's pickup: nobody to ask
        "c4": Journey("c4", "WEB", "laptop", "ada", store="AMS-ZUID", ready=True, no_show=True),
        "c5": Journey("c5", "WEB", "laptop", "ada"),  # shipped or never bought: no pickup
    }
    tally.returns = [
        ReturnRecord("STORE", False, "ada", PRICE, refunded=True),
        ReturnRecord("MAIL", False, "ada", PRICE, refunded=False),  # not refunded yet
        ReturnRecord("STORE", False, None, PRICE, refunded=True),  # an anonymous sale's
    ]
    tally.purchases = {
        "r1": Purchase("ada", "POS", PRICE),
        "r2": Purchase("ada", "POS", PRICE),  # NPS once per cadence: not asked again
        "r3": Purchase("bob", "POS", PRICE),
        "o1": Purchase("ada", "WEB", PRICE),  # a web order's survey is its pickup's
    }
    return tally


def test_only_those_who_agreed_are_asked_after_each_point_and_nps_once() -> None:
    voice = Voice(dict(QUESTIONS), agreed={"ada"})

    voice.expect(a_day())

    assert voice.expected == {"csat": 2, "nps": 1}  # ada's pickup and refund; one till NPS


def test_a_point_whose_question_is_off_asks_nothing() -> None:
    voice = Voice({**QUESTIONS, "till_sale": "off"}, agreed={"ada", "bob"})

    voice.expect(a_day())

    assert voice.expected == {"csat": 3}


def test_nobody_who_agreed_means_nothing_expected() -> None:
    voice = Voice(dict(QUESTIONS))

    voice.expect(a_day())

    assert voice.expected == {}
