"""The erased customers each process holds (adapters/postgres/erased_customers.py) and the
tokens it then refuses (api/auth.py): loaded at start, grown by this process's erasures and by
other processes' notifications, never shrunk; only a customer's own tokens and links refused."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from uuid import uuid4

import pytest

from adapters.postgres.erased_customers import ErasedCustomers
from api.auth import AccountErased, InvalidToken, Principal, Role, TokenService

NOW = 1_800_000_000.0
SECRET = "test-secret-long-enough-for-hs256-keys"


class Table:
    """What the `erased_customers` table answers, and how many times it was read."""

    def __init__(self, *ids: str) -> None:
        self.ids, self.reads, self.down = list(ids), 0, False

    async def load(self) -> Iterable[str]:
        self.reads += 1
        if self.down:
            raise ConnectionError("the database is restarting")
        ids = list(self.ids)  # as the query's snapshot saw it
        await asyncio.sleep(0)  # a load takes a round trip: notifications land meanwhile
        return ids


async def test_loads_the_customers_already_erased() -> None:
    erased = ErasedCustomers(Table("cust-ada", "cust-bob").load)
    assert "cust-ada" not in erased
    await erased.load()
    assert "cust-ada" in erased and "cust-bob" in erased and "cust-cy" not in erased


async def test_a_notification_loads_again() -> None:
    table = Table("cust-ada")
    erased = ErasedCustomers(table.load)
    await erased.load()
    table.ids.append("cust-bob")
    erased.changed()
    await erased.settled()
    assert "cust-bob" in erased and table.reads == 2


async def test_notifications_during_a_load_cost_one_more_load_not_one_each() -> None:
    table = Table()
    erased = ErasedCustomers(table.load)
    erased.changed()
    await asyncio.sleep(0)  # the load is under way: it reads the table as it was
    table.ids.append("cust-ada")
    erased.changed()
    erased.changed()
    await erased.settled()
    assert "cust-ada" in erased and table.reads == 2


async def test_an_erasure_by_this_process_is_known_at_once_and_a_stale_load_keeps_it() -> None:
    erased = ErasedCustomers(Table().load)  # the table as read before the erasure committed
    erased.add(["cust-ada", "cust-merged-into-ada"])
    await erased.load()
    assert "cust-ada" in erased and "cust-merged-into-ada" in erased and len(erased) == 2


async def test_a_failed_load_keeps_what_is_known_and_the_next_notification_loads() -> None:
    table = Table("cust-ada")
    erased = ErasedCustomers(table.load)
    await erased.load()
    table.down = True
    erased.changed()
    await erased.settled()
    assert "cust-ada" in erased
    table.down, table.ids = False, ["cust-ada", "cust-bob"]
    erased.changed()  # as the notifier does once its connection is back
    await erased.settled()
    assert "cust-bob" in erased


@pytest.fixture
def tokens() -> TokenService:
    service = TokenService(SECRET, clock=lambda: NOW)
    erased = ErasedCustomers(Table().load)
    erased.add(["cust-ada"])
    service.erased = erased
    return service


def test_an_erased_customers_token_is_refused_saying_so(tokens: TokenService) -> None:
    ada = tokens.mint(Principal(role=Role.CUSTOMER, subject="cust-ada"))
    with pytest.raises(AccountErased, match="this account was erased"):
        tokens.verify(ada, NOW)
    with pytest.raises(InvalidToken, match="erased"):  # the cache of verified tokens too
        tokens.verify(ada, NOW)


def test_another_customer_and_staff_named_alike_are_unaffected(tokens: TokenService) -> None:
    bob = tokens.verify(tokens.mint(Principal(role=Role.CUSTOMER, subject="cust-bob")), NOW)
    assert bob.customer_id == "cust-bob"
    staff = Principal(role=Role.STAFF, subject="cust-ada", stores=("AMS-ZUID",))
    assert tokens.verify(tokens.mint(staff), NOW).subject == "cust-ada"


def test_a_token_verified_before_the_erasure_is_refused_after_it() -> None:
    tokens = TokenService(SECRET, clock=lambda: NOW)
    erased = ErasedCustomers(Table().load)
    tokens.erased = erased
    ada = tokens.mint(Principal(role=Role.CUSTOMER, subject="cust-ada"))
    assert tokens.verify(ada, NOW).subject == "cust-ada"
    erased.add(["cust-ada"])
    with pytest.raises(AccountErased):
        tokens.verify(ada, NOW)


def test_an_erased_customers_export_and_survey_links_are_refused(tokens: TokenService) -> None:
    export, _ = tokens.mint_export_link("cust-ada", NOW)
    survey = tokens.mint_survey_link("cust-ada", uuid4(), int(NOW) + 60)
    with pytest.raises(AccountErased):
        tokens.verify_export_link(export, NOW)
    with pytest.raises(AccountErased):
        tokens.verify_survey_link(survey)
    bobs, _ = tokens.mint_export_link("cust-bob", NOW)
    assert tokens.verify_export_link(bobs, NOW) == "cust-bob"
