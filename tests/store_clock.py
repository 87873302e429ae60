"""The demo's stores keep Amsterdam's days: a figure "of today" is of today there, which
from 23:00 (22:00 in summer) UTC is already tomorrow's UTC date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STORES_ZONE = ZoneInfo("Europe/Amsterdam")


def store_today() -> date:
    return datetime.now(STORES_ZONE).date()
