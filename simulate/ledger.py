"""What the simulator expects the stock to be: the levels it read at the start, moved by every
write of its own that the server acknowledged.

Units are claimed before a checkout or a till sale is sent, so two shoppers never count on the
same unit; a claim becomes a reservation or a sale when the server says yes, and is given back
when it says no. Claiming keeps the server's stock out of the cases where the rules clamp
(a till selling more than is on the shelf), so the expected levels stay exact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

Item = tuple[str, str]  # (location, sku)


@dataclass
class Level:
    on_hand: int = 0
    reserved: int = 0
    claimed: int = 0

    @property
    def free(self) -> int:
        return self.on_hand - self.reserved - self.claimed


class Ledger:
    def __init__(self) -> None:
        self.levels: dict[Item, Level] = defaultdict(Level)

    def opening(self, location: str, sku: str, on_hand: int, reserved: int) -> None:
        self.levels[location, sku] = Level(on_hand, reserved)

    def received(self, location: str, sku: str, units: int) -> None:
        self.levels[location, sku].on_hand += units

    def claim(self, location: str, lines: Iterable[tuple[str, int]]) -> bool:
        """Hold units for a checkout or a sale at `location`: all lines or none."""
        wanted = list(lines)
        if any(self.levels[location, sku].free < units for sku, units in wanted):
            return False
        for sku, units in wanted:
            self.levels[location, sku].claimed += units
        return True

    def release_claim(self, location: str, lines: Iterable[tuple[str, int]]) -> None:
        for sku, units in lines:
            self.levels[location, sku].claimed -= units

    def reserved(self, location: str, lines: Iterable[tuple[str, int]]) -> None:
        for sku, units in lines:
            level = self.levels[location, sku]
            level.claimed, level.reserved = level.claimed - units, level.reserved + units

    def sold(self, location: str, lines: Iterable[tuple[str, int]]) -> None:
        for sku, units in lines:
            level = self.levels[location, sku]
            level.claimed, level.on_hand = level.claimed - units, level.on_hand - units

    def handed_over(self, location: str, lines: Iterable[tuple[str, int]]) -> None:
        for sku, units in lines:
            level = self.levels[location, sku]
            level.reserved, level.on_hand = level.reserved - units, level.on_hand - units

    def released(self, location: str, lines: Iterable[tuple[str, int]]) -> None:
        for sku, units in lines:
            self.levels[location, sku].reserved -= units

    def restocked(self, location: str, sku: str, units: int) -> None:
        self.levels[location, sku].on_hand += units

    def total(self, location: str, key: str) -> int:
        """Units `onHand` or `reserved` at a location, every SKU together."""
        levels = [level for (at, _), level in self.levels.items() if at == location]
        if key == "onHand":
            return sum(level.on_hand for level in levels)
        return sum(level.reserved for level in levels)

    def differences(self, location: str, reported: dict[str, tuple[int, int]]) -> list[str]:
        """SKUs whose (on hand, reserved) the server reports otherwise than expected."""
        expected = {
            sku: (lv.on_hand, lv.reserved)
            for (at, sku), lv in self.levels.items()
            if at == location
        }
        differing = []
        for sku in sorted(set(expected) | set(reported)):
            wanted, found = expected.get(sku, (0, 0)), reported.get(sku, (0, 0))
            if wanted != found:
                differing.append(f"{location} {sku}: expected {wanted}, reported {found}")
        return differing

    def free_at(self, location: str, sku: str) -> int:
        return self.levels[location, sku].free
