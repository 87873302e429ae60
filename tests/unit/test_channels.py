"""Where a write came from: the channels a shopper's token may claim, the channel of a guest's
cart token, and a device id that is blank is no device (unknown)."""

from __future__ import annotations

from uuid import UUID

import jwt
import msgspec
import pytest

from api.auth import ISSUER, InvalidToken, Principal, Role, TokenService, key_id
from api.graphql.enums import ShopperChannel
from domain.values import SHOPPER_CHANNELS, Channel, Context

NOW = 1_800_000_000.0
SECRET = "test-secret-long-enough-for-hs256-keys"
tokens = TokenService(SECRET, clock=lambda: NOW)
CART = UUID("5e1f0000-0000-4000-8000-000000000002")


def test_the_schema_offers_shoppers_exactly_the_channels_a_token_may_claim() -> None:
    assert {choice.value for choice in ShopperChannel} == SHOPPER_CHANNELS
    assert Channel.UNKNOWN not in SHOPPER_CHANNELS and Channel.POS not in SHOPPER_CHANNELS


def test_a_customer_token_claims_its_apps_channel() -> None:
    phone = Principal(role=Role.CUSTOMER, subject="cust-ada", channel=Channel.MOBILE)
    assert tokens.verify(tokens.mint(phone), NOW).channel is Channel.MOBILE


def test_a_guests_cart_token_claims_the_channel_its_cart_was_started_on() -> None:
    guest = tokens.verify(tokens.mint_guest(CART, NOW, Channel.KIOSK), NOW)
    assert (guest.cart_id, guest.channel) == (CART, Channel.KIOSK)


@pytest.mark.parametrize(
    ("role", "channel"),
    [(Role.POS, Channel.WEB), (Role.STAFF, Channel.MOBILE), (Role.CUSTOMER, Channel.POS),
     (Role.GUEST, Channel.UNKNOWN), (Role.CUSTOMER, Channel.SYSTEM)],
)  # fmt: skip
def test_no_token_claims_a_channel_its_role_cannot_have(role: Role, channel: Channel) -> None:
    with pytest.raises(ValueError, match="cannot claim channel"):
        Principal(role=role, subject="someone", stores=("AMS-ZUID",), channel=channel)


def test_a_token_whose_channel_claim_is_not_a_channel_is_invalid() -> None:
    claims = {"iss": ISSUER, "sub": "c", "role": "customer", "exp": NOW + 60, "channel": "tv"}
    forged = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": key_id(SECRET)})
    with pytest.raises(InvalidToken):
        tokens.verify(forged, NOW)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_device_id_is_no_device(blank: str) -> None:
    assert Context(channel=Channel.WEB, device_id=blank).device_id is None
    stored = msgspec.json.encode({"channel": "web", "device_id": blank})
    assert msgspec.json.decode(stored, type=Context).device_id is None
    assert Context(channel=Channel.WEB, device_id="tab-2").device_id == "tab-2"
