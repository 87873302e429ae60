"""`omni token … --channel`: a shopper's app token claims its channel; other roles refuse one."""

from __future__ import annotations

import time

from api.auth import TokenService
from domain.values import Channel
from tests.omni_command import env_of, omni

SECRET = "token-command-secret-of-32-bytes-or-more"


async def test_a_customer_token_for_the_phone_app_claims_mobile() -> None:
    finished = await omni(
        "token", "customer", "cust-ada", "--channel", "mobile", env=env_of(OMNI_SECRET_KEY=SECRET)
    )

    assert finished.status == 0, finished.err
    minted = TokenService(SECRET).verify(finished.out.strip(), time.time())
    assert (minted.subject, minted.channel) == ("cust-ada", Channel.MOBILE)


async def test_a_channel_for_an_admin_token_is_refused_in_one_sentence() -> None:
    finished = await omni(
        "token", "admin", "boss", "--channel", "web", env=env_of(OMNI_SECRET_KEY=SECRET)
    )
    assert finished.refusal.startswith("--channel is for guest and customer tokens")
