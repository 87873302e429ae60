"""A setting or a database that cannot be used: every `omni` command and uvicorn's factory
say which, and how to fix it, in one sentence on stderr, and exit non-zero. No traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest

from tests.omni_command import env_of, omni, uvicorn_factory
from tests.private_cluster import PrivateCluster, free_port

DEMO_PRODUCTS = str(Path(__file__).resolve().parents[2] / "api/server/demo/products.csv")
# Every command that opens the database (bench and simulate are clients of other things).
DATABASE_COMMANDS = [
    ("migrate",),
    ("db", "url"),
    ("db", "status"),
    ("tick",),
    ("token", "staff", "staff-bo", "--stores", "AMS-CENTRAAL"),
    ("projections", "status"),
    ("projections", "run"),
    ("projections", "rebuild", "cart_continuity"),
    ("catalog", "import", "--products", DEMO_PRODUCTS),
    ("outbox", "status"),
    ("outbox", "run"),
    ("notify", "run"),
]


def missing_database() -> tuple[str, str]:
    name = f"omni_missing_{uuid4().hex[:10]}"
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
async def test_a_database_that_does_not_exist_is_one_sentence_for_every_command(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    name, url = missing_database()
    env = env_of(DATABASE_URL=url, OMNI_DATA_DIR=str(tmp_path), NATS_URL="nats://127.0.0.1:4222")
    sentence = (await omni(*command, env=env)).refusal
    assert f"'{name}'" in sentence and "127.0.0.1:5432" in sentence
    assert f"createdb -h 127.0.0.1 -p 5432 -U postgres {name}" in sentence
    assert f'CREATE DATABASE "{name}"' in sentence


async def test_omni_serve_refuses_a_database_that_does_not_exist_before_it_serves(
    tmp_path: Path,
) -> None:
    name, url = missing_database()
    env = env_of(DATABASE_URL=url, OMNI_DATA_DIR=str(tmp_path))
    finished = await omni("serve", "--port", str(free_port()), env=env)
    assert name in finished.refusal and "createdb" in finished.refusal
    assert "serving" not in finished.out


async def test_uvicorns_factory_refuses_a_database_that_does_not_exist(tmp_path: Path) -> None:
    name, url = missing_database()
    env = env_of(DATABASE_URL=url, OMNI_DATA_DIR=str(tmp_path))
    sentence = (await uvicorn_factory(free_port(), env)).refusal
    assert name in sentence and "CREATE DATABASE" in sentence


async def test_nothing_listening_at_the_host_and_port_is_named(tmp_path: Path) -> None:
    port = free_port()
    env = env_of(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/test")
    for finished in (await omni("migrate", env=env), await uvicorn_factory(free_port(), env)):
        assert f"DATABASE_URL points at 127.0.0.1:{port}, where no PostgreSQL answers" in (
            finished.refusal
        )


async def test_a_user_the_server_does_not_know_is_named() -> None:
    role = f"nobody_{uuid4().hex[:8]}"
    env = env_of(DATABASE_URL=f"postgresql://{role}@127.0.0.1:5432/test")
    sentence = (await omni("db", "status", env=env)).refusal
    assert f"refused user '{role}'" in sentence and "createuser" in sentence


@pytest.mark.slow
async def test_a_wrong_password_is_named_and_never_printed() -> None:
    cluster = PrivateCluster(password="right-horse-battery")
    try:
        await asyncio.to_thread(cluster.start)
        wrong = cluster.dsn.replace("right-horse-battery", "wrong-staple")
        sentence = (await omni("migrate", env=env_of(DATABASE_URL=wrong))).refusal
        assert "refused the password of user 'postgres'" in sentence
        assert "wrong-staple" not in sentence
        right = await omni("migrate", env=env_of(DATABASE_URL=cluster.dsn))
        assert right.status == 0, right.err
    finally:
        await asyncio.to_thread(cluster.remove)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("OMNI_PORT", "eighty", "OMNI_PORT is 'eighty', but it must be a whole number from 1"),
        ("OMNI_POOL_SIZE", "0", "OMNI_POOL_SIZE is '0', but it must be a whole number of at"),
        ("OMNI_RUN_PROJECTIONS", "yes", "OMNI_RUN_PROJECTIONS is 'yes', but it must be true or"),
        ("OMNI_ENVIRONMENT", "prod", "OMNI_ENVIRONMENT is 'prod', but it must be one of develop"),
        ("OMNI_POLL_INTERVAL", "-1", "OMNI_POLL_INTERVAL is '-1', but it must be a number above"),
        ("OMNI_CLOCK_START", "tomorrow", "OMNI_CLOCK_START is 'tomorrow', but it must be an ISO"),
        ("DATABASE_URL", "mysql://u:pw@h/db", "DATABASE_URL is 'mysql://u:***@h/db', but it must"),
        ("NATS_URL", "127.0.0.1:4222", "NATS_URL is '127.0.0.1:4222', but it must be a NATS URL"),
    ],
)
async def test_a_setting_that_cannot_be_used_is_named_with_what_it_expects(
    variable: str, value: str, expected: str
) -> None:
    env = env_of(**{variable: value})
    assert (await omni("migrate", env=env)).refusal.startswith(expected)
    assert (await uvicorn_factory(free_port(), env)).refusal.startswith(expected)


async def test_production_with_the_development_key_is_one_sentence(tmp_path: Path) -> None:
    env = env_of(OMNI_ENVIRONMENT="production", OMNI_DATA_DIR=str(tmp_path))
    env.pop("OMNI_SECRET_KEY", None)
    for finished in (
        await omni("serve", "--port", str(free_port()), env=env),
        await uvicorn_factory(free_port(), env),
    ):
        assert "OMNI_SECRET_KEY" in finished.refusal and "32 bytes" in finished.refusal


async def test_production_with_the_development_master_key_is_one_sentence(
    tmp_path: Path,
) -> None:
    env = env_of(
        OMNI_ENVIRONMENT="production",
        OMNI_DATA_DIR=str(tmp_path),
        OMNI_SECRET_KEY="a-production-signing-key-of-at-least-32-bytes",
    )
    env.pop("OMNI_MASTER_KEY", None)
    for finished in (
        await omni("serve", "--port", str(free_port()), env=env),
        await uvicorn_factory(free_port(), env),
    ):
        assert "OMNI_MASTER_KEY" in finished.refusal and "32 bytes" in finished.refusal
