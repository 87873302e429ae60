"""The real app, in process, on a fresh schema with the demo catalog and stock; every
operation a test sends through a compiled plan is also answered by graphql-core and compared
(tests/plan_shadow.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.postgres.pool import connect
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from api.server.app import create_app
from domain.values import Channel
from tests.conftest import reading_from
from tests.plan_shadow import SEEN_IN_THIS_RUN, PlanShadow


@pytest.fixture(autouse=True)
def plans_answer_as_graphql_core_does() -> Iterator[PlanShadow]:
    """The test fails when a plan answered otherwise than graphql-core, or an operation fell
    back to graphql-core with nothing plans leave to it."""
    shadow = PlanShadow()
    shadow.install()
    try:
        yield shadow
    finally:
        shadow.uninstall()
    SEEN_IN_THIS_RUN.merge(shadow.seen)
    problems = shadow.seen.problems()
    assert not problems, "\n\n".join(problems)


@dataclass
class Api:
    client: AsyncTestClient
    tokens: TokenService
    db: asyncpg.Connection  # the test's own: the app's pool lives on the client's event loop

    @property
    def services(self) -> Any:
        return self.client.app.state.services

    def token(
        self,
        role: Role,
        subject: str,
        *stores: str,
        expires_in: float = 3600,
        channel: Channel | None = None,
    ) -> str:
        principal = Principal(
            role=role,
            subject=subject,
            stores=stores,
            staff_role=StaffRole.MANAGER if role is Role.STAFF else None,
            expires_at=int(time.time() + expires_in),
            channel=channel,
        )
        return self.tokens.mint(principal)

    async def gql(self, query: str, token: str | None = None, **variables: Any) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, token: str | None = None, **variables: Any) -> dict:
        body = await self.gql(query, token, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def settled(self) -> None:
        """Every read model has caught up with everything written so far."""

        async def caught_up() -> bool:
            head = await self.services.database.store.committed_head()
            return await self.services.projections.wait_for(head, 20)  # type: ignore[no-any-return]

        assert self.client.blocking_portal.call(caught_up), "projections lag"

    async def all_projections_running(self, within_s: float = 20) -> None:
        deadline = asyncio.get_running_loop().time() + within_s
        while await self.db.fetchval(
            "SELECT count(*) FROM projection_checkpoints WHERE state <> 'running'"
        ):
            assert asyncio.get_running_loop().time() < deadline, "projections not running"
            await asyncio.sleep(0.05)

    async def event_count(self) -> int:
        return await self.db.fetchval("SELECT count(*) FROM events")


@asynccontextmanager
async def app_under_test(settings: Settings) -> AsyncIterator[Api]:
    """The app in this process on a schema of its own, with the demo loaded."""
    schema = f"test_{uuid4().hex[:12]}"
    app_settings = msgspec.structs.replace(
        settings, database_schema=schema, seed_demo=True, run_scheduler=False, poll_interval=0.2
    )
    app = create_app(app_settings)
    async with AsyncTestClient(app=app) as client:
        db = await connect(app.state.services.database.dsn, schema=schema)
        try:
            yield Api(client, TokenService(app_settings.secret_key), db)
        finally:
            await db.close()
    cleanup = await connect(app.state.services.database.dsn)
    await cleanup.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await cleanup.close()


@pytest.fixture
async def api(settings: Settings, reads: str, request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    async with app_under_test(reading_from(settings, reads, request)) as api:
        yield api
