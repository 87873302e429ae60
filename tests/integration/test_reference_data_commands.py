"""`omni token` and `omni catalog import` refuse what the reference data does not hold, in
one sentence naming the file, the line and what was expected, and write nothing then."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.database import Database
from adapters.settings import DEV_SECRET
from api.auth import Role, StaffRole, TokenService
from tests.omni_command import env_of, omni
from tests.shop import LOCATIONS

PRODUCTS_HEADER = "sku,name,price,currency"
EXPECTED_COLUMNS = "sku, name, price, currency, and optionally low_stock_threshold"


async def with_locations(database: Database) -> dict[str, str]:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, [], LOCATIONS)
    env = env_of(database)
    env.pop("OMNI_SECRET_KEY", None)
    return env


async def test_a_token_for_a_store_that_does_not_exist_is_refused_naming_the_stores(
    database: Database,
) -> None:
    env = await with_locations(database)
    finished = await omni(
        *("token", "staff", "staff-bo", "--stores", "AMS-CENTRAAL,NO-SUCH-STORE"), env=env
    )
    assert finished.out == ""  # no token
    assert finished.refusal == (
        "There is no store NO-SUCH-STORE, so no token was minted; the stores are "
        "AMS-CENTRAAL, AMS-ZUID, UTR-CENTRUM, WH-NL."
    )


async def test_a_token_before_any_store_was_imported_says_how_to_import_them(
    database: Database,
) -> None:
    finished = await omni("token", "pos", "till-1", "--stores", "AMS-ZUID", env=env_of(database))
    assert "nor any store yet" in finished.refusal and "omni catalog import" in finished.refusal


async def test_a_token_for_known_stores_is_minted_with_them(database: Database) -> None:
    env = await with_locations(database)
    finished = await omni(
        *("token", "staff", "desk-1", "--stores", "UTR-CENTRUM"),
        *("--staff-role", "service_desk"),
        env=env,
    )
    assert finished.status == 0, finished.err
    principal = TokenService(DEV_SECRET).verify(finished.out.strip(), time.time())
    assert (principal.role, principal.staff_role, principal.stores) == (
        Role.STAFF,
        StaffRole.SERVICE_DESK,
        ("UTR-CENTRUM",),
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "products.csv",
            "sku,name,currency\nLAVA-LAMP,Lava lamp,EUR\n",
            f"products.csv, line 1: no column 'price'; expected the columns {EXPECTED_COLUMNS}",
        ),
        (
            "products.csv",
            f"{PRODUCTS_HEADER},colour\nLAVA-LAMP,Lava lamp,39.00,EUR,orange\n",
            f"products.csv, line 1: unknown column 'colour'; expected the columns "
            f"{EXPECTED_COLUMNS}",
        ),
        (
            "products.json",
            '[\n  {"sku": "LAVA-LAMP", "name": "Lava lamp", "price": "39.00", "currency": "EUR"},'
            '\n  {"sku": "RETRO-CLOCK", "name": "Clock",\n   "currency": "EUR"}\n]\n',
            f"products.json, line 3: the object has no 'price'; expected the fields "
            f"{EXPECTED_COLUMNS}",
        ),
        (
            "products.json",
            '[{"sku": "LAVA-LAMP", "name": "Lava lamp", "price": "39.00", "currency": "EUR",'
            ' "discontinue": true}]',
            "products.json, line 1: unknown field 'discontinue'; expected the fields",
        ),
        (
            "products.csv",
            f"{PRODUCTS_HEADER}\nLAVA-LAMP,Lava lamp,39.00,EUR\nRETRO-CLOCK,Clock,cheap,EUR\n",
            "products.csv, line 3, field 'price': 'cheap' is not a price",
        ),
        (
            "products.csv",
            f"{PRODUCTS_HEADER},discontinued\nLAVA-LAMP,Lava lamp,39.00,EUR,soon\n",
            "products.csv, line 2, field 'discontinued': 'soon' is neither true nor false",
        ),
        (
            "products.json",
            '[{"sku": "LAVA-LAMP", "name": "Lava lamp"\n "price": "39.00"}]',
            "products.json, line 2: not valid JSON (Expecting ',' delimiter, column 2)",
        ),
    ],
)
async def test_a_bad_catalog_file_is_one_sentence_and_imports_nothing(
    database: Database, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    (tmp_path / name).write_text(content)
    finished = await omni(
        "catalog", "import", "--products", str(tmp_path / name), env=env_of(database)
    )
    assert finished.refusal.startswith(f"{tmp_path}/{expected}")
    assert await database.pool.fetchval("SELECT count(*) FROM products") == 0


async def test_a_bad_locations_file_leaves_the_good_products_beside_it_unwritten(
    database: Database, tmp_path: Path
) -> None:
    products, locations = tmp_path / "products.csv", tmp_path / "locations.csv"
    products.write_text(f"{PRODUCTS_HEADER}\nLAVA-LAMP,Lava lamp,39.00,EUR\n")
    locations.write_text("id,name,kind\nAMS-ZUID,Amsterdam Zuid,store\n")
    finished = await omni(
        *("catalog", "import", "--products", str(products), "--locations", str(locations)),
        env=env_of(database),
    )
    assert finished.refusal.startswith(f"{locations}, line 1: no column 'time_zone', 'latitude'")
    assert await database.pool.fetchval("SELECT count(*) FROM products") == 0


async def test_a_good_file_with_every_column_imports_and_flags_discontinued_products(
    database: Database, tmp_path: Path
) -> None:
    products = tmp_path / "products.json"
    products.write_text(
        '[{"sku": "LAVA-LAMP", "name": "Lava lamp", "price": "39.00", "currency": "EUR", '
        '"low_stock_threshold": 3, "description": "Warm", "attributes": {"colour": "orange"}, '
        '"image_urls": ["/lava.jpg"], "discontinued": true},\n'
        ' {"sku": "RETRO-CLOCK", "name": "Clock", "price": 24.95, "currency": "EUR"}]'
    )
    finished = await omni("catalog", "import", "--products", str(products), env=env_of(database))
    assert finished.status == 0, finished.err
    assert "imported 2 products (1 discontinued)" in finished.out
    rows = await database.pool.fetch("SELECT sku, discontinued FROM products ORDER BY sku")
    assert [(r["sku"], r["discontinued"]) for r in rows] == [
        ("LAVA-LAMP", True),
        ("RETRO-CLOCK", False),
    ]
