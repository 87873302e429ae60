"""Tokens: what they grant, and every way a forged or stale one is refused."""

from __future__ import annotations

from uuid import UUID

import pytest

from api.auth import InvalidToken, Principal, Role, StaffRole, TokenService

NOW = 1_800_000_000.0
tokens = TokenService("test-secret")


def test_a_minted_token_verifies_to_the_same_principal() -> None:
    picker = Principal(
        role=Role.STAFF,
        subject="staff-ana",
        stores=("AMS-ZUID",),
        staff_role=StaffRole.PICKER,
        expires_at=int(NOW) + 60,
    )
    assert tokens.verify(tokens.mint(picker), NOW) == picker


def test_a_guest_token_names_its_cart() -> None:
    cart = UUID("5e1f0000-0000-4000-8000-000000000001")
    guest = tokens.verify(tokens.mint(Principal(role=Role.GUEST, subject="g-1", cart_id=cart)), NOW)
    assert guest.cart_id == cart and guest.customer_id is None


def test_an_expired_token_is_refused() -> None:
    stale = tokens.mint(Principal(role=Role.CUSTOMER, subject="c-1", expires_at=int(NOW) - 1))
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(stale, NOW)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = TokenService("other-secret").mint(Principal(role=Role.ADMIN, subject="mallory"))
    with pytest.raises(InvalidToken):
        tokens.verify(forged, NOW)


def test_a_tampered_payload_is_refused() -> None:
    token = tokens.mint(Principal(role=Role.CUSTOMER, subject="c-1"))
    payload, _, signature = token.partition(".")
    upgraded = tokens.mint(Principal(role=Role.ADMIN, subject="c-1")).partition(".")[0]
    with pytest.raises(InvalidToken):
        tokens.verify(f"{upgraded}.{signature}", NOW)
    with pytest.raises(InvalidToken):
        tokens.verify("not-a-token", NOW)
    assert tokens.verify(f"{payload}.{signature}", NOW).role is Role.CUSTOMER


def test_staff_and_pos_act_only_on_their_stores() -> None:
    pos = Principal(role=Role.POS, subject="till-3", stores=("AMS-ZUID",))
    customer = Principal(role=Role.CUSTOMER, subject="c-1", stores=("AMS-ZUID",))
    assert pos.works_at("AMS-ZUID") and not pos.works_at("AMS-CENTRAAL")
    assert not customer.works_at("AMS-ZUID")
    assert Principal(role=Role.ADMIN, subject="root").works_at("anywhere")
