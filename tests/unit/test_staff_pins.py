"""Staff PINs: hashed with a salt, compared in constant time, never stored as they are; staff
files name the row and field of a bad entry."""

from __future__ import annotations

import pytest

from adapters.catalog_files import CatalogFileError, parse_staff
from adapters.staff_pins import InvalidPin, hash_pin, pin_matches


def test_a_pin_matches_its_own_hash_only() -> None:
    stored = hash_pin("4821")
    assert "4821" not in stored
    assert pin_matches("4821", stored)
    assert not pin_matches("4822", stored)


def test_the_same_pin_hashes_differently_each_time() -> None:
    assert hash_pin("4821") != hash_pin("4821")


def test_a_pin_is_four_to_twelve_digits() -> None:
    for bad in ("123", "12345678901234", "12a4", ""):
        with pytest.raises(InvalidPin):
            hash_pin(bad)


def test_a_damaged_stored_hash_never_matches() -> None:
    assert not pin_matches("4821", "plain-4821")
    assert not pin_matches("4821", "bcrypt$1$2$3$4$5")


def test_a_staff_file_hashes_pins_and_splits_stores() -> None:
    [member] = parse_staff(
        "staff_id,stores,staff_role,pin\nstaff-ed,AMS-ZUID;UTR-CENTRUM,manager,5678\n",
        "staff.csv",
        json=False,
    )
    assert member.stores == ("AMS-ZUID", "UTR-CENTRUM") and member.staff_role == "manager"
    assert pin_matches("5678", member.pin_hash)


def test_a_staff_file_with_a_bad_pin_names_row_and_field() -> None:
    with pytest.raises(CatalogFileError) as refused:
        parse_staff("staff_id,stores,pin\nstaff-ed,AMS-ZUID,12\n", "staff.csv", json=False)
    assert (refused.value.row, refused.value.field) == (1, "pin")
