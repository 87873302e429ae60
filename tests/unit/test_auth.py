"""Tokens: what they grant, and every way a forged or stale one is refused."""

from __future__ import annotations

from uuid import UUID

import jwt
import pytest

from adapters.settings import DEV_SECRET
from api.auth import (
    DEFAULT_LIFETIME,
    InvalidToken,
    Principal,
    Role,
    StaffRole,
    TokenService,
    WeakSecret,
)

NOW = 1_800_000_000.0
SECRET = "test-secret-long-enough-for-hs256-keys"
tokens = TokenService(SECRET, clock=lambda: NOW)


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
    other = TokenService("other-secret-long-enough-for-hs256-keys", clock=lambda: NOW)
    forged = other.mint(Principal(role=Role.ADMIN, subject="mallory"))
    with pytest.raises(InvalidToken):
        tokens.verify(forged, NOW)


def test_a_tampered_payload_is_refused() -> None:
    token = tokens.mint(Principal(role=Role.CUSTOMER, subject="c-1"))
    header, claims, signature = token.split(".")
    upgraded = tokens.mint(Principal(role=Role.ADMIN, subject="c-1")).split(".")[1]
    with pytest.raises(InvalidToken):
        tokens.verify(f"{header}.{upgraded}.{signature}", NOW)
    with pytest.raises(InvalidToken):
        tokens.verify("not-a-token", NOW)
    unsigned = jwt.encode({"sub": "c-1", "role": "admin", "exp": NOW + 60}, None, "none")
    with pytest.raises(InvalidToken):
        tokens.verify(unsigned, NOW)
    assert tokens.verify(f"{header}.{claims}.{signature}", NOW).role is Role.CUSTOMER


def test_staff_and_pos_act_only_on_their_stores() -> None:
    pos = Principal(role=Role.POS, subject="till-3", stores=("AMS-ZUID",))
    customer = Principal(role=Role.CUSTOMER, subject="c-1", stores=("AMS-ZUID",))
    assert pos.works_at("AMS-ZUID") and not pos.works_at("AMS-CENTRAAL")
    assert not customer.works_at("AMS-ZUID")
    assert Principal(role=Role.ADMIN, subject="root").works_at("anywhere")


def test_every_token_expires_even_when_its_minter_named_no_expiry() -> None:
    for role in Role:
        principal = tokens.verify(tokens.mint(Principal(role=role, subject="x")), NOW)
        assert principal.expires_at == int(NOW) + DEFAULT_LIFETIME[role]


def test_a_guest_cart_token_is_renewed_from_the_moment_it_is_minted() -> None:
    cart = UUID("5e1f0000-0000-4000-8000-000000000002")
    first = tokens.verify(tokens.mint_guest(cart, NOW), NOW)
    later = tokens.verify(tokens.mint_guest(cart, NOW + 3600), NOW)
    assert later.expires_at == first.expires_at + 3600 and later.cart_id == cart


def test_a_key_rotated_out_still_verifies_until_it_is_dropped() -> None:
    old, new = SECRET, "the-next-signing-key-at-least-32-bytes"
    issued_before = tokens.mint(Principal(role=Role.CUSTOMER, subject="c-1"))
    rotated = TokenService(new, old, clock=lambda: NOW)
    assert rotated.verify(issued_before, NOW).subject == "c-1"
    with pytest.raises(InvalidToken):
        TokenService(new, clock=lambda: NOW).verify(issued_before, NOW)


def test_production_refuses_the_development_key_and_short_keys() -> None:
    for weak in (DEV_SECRET, "short-key"):
        with pytest.raises(WeakSecret):
            TokenService.for_deployment([weak], production=True)
    TokenService.for_deployment([DEV_SECRET], production=False)
    TokenService.for_deployment(["k" * 32], production=True)
