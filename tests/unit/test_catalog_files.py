"""Catalog files: good rows parse exactly; a bad row names the file, the row and the field."""

from __future__ import annotations

import pytest

from adapters.catalog_files import (
    CatalogFileError,
    parse_customers,
    parse_locations,
    parse_products,
)
from api.server.demo_seed import load_demo_catalog, load_demo_customers
from domain.ports import LocationKind
from domain.values import Money

PRODUCTS = "sku,name,price,currency,low_stock_threshold\nRETRO-CLOCK,Clock,24.95,EUR,3\n"
STORE = (
    '[{"id": "AMS-ZUID", "name": "Zuid", "kind": "store", "time_zone": '
    '"Europe/Amsterdam", "latitude": 52.3, "longitude": 4.8, '
    '"pickup_service_minutes": 90, "pickup_window_days": 7}]'
)


def test_products_parse_from_csv_with_exact_prices() -> None:
    [clock] = parse_products(PRODUCTS, "p.csv", json=False)
    assert clock.price == Money.of("24.95") and clock.low_stock_threshold == 3


def test_locations_parse_from_json() -> None:
    [store] = parse_locations(STORE, "l.json", json=True)
    assert store.kind is LocationKind.STORE and store.pickup_service_minutes == 90


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("retro clock,Clock,24.95,EUR,", "sku"),
        ("RETRO-CLOCK,Clock,24.955,EUR,", "price"),
        ("RETRO-CLOCK,Clock,-1,EUR,", "price"),
        ("RETRO-CLOCK,Clock,lots,EUR,", "price"),
        ("RETRO-CLOCK,Clock,24.95,euro,", "currency"),
        ("RETRO-CLOCK,,24.95,EUR,", "name"),
        ("RETRO-CLOCK,Clock,24.95,EUR,-2", "low_stock_threshold"),
    ],
)
def test_a_bad_product_row_is_named_with_its_field(row: str, field: str) -> None:
    text = PRODUCTS + row + "\n"
    with pytest.raises(CatalogFileError) as error:
        parse_products(text, "p.csv", json=False)
    assert (error.value.path, error.value.row, error.value.field) == ("p.csv", 2, field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('"Europe/Amsterdam"', '"Mars/Olympus"'), "time_zone"),
        (('"store"', '"kiosk"'), "kind"),
        (("52.3", "152.3"), "latitude"),
        (('"pickup_service_minutes": 90', '"pickup_service_minutes": 0'), "pickup_service_minutes"),
        (('"pickup_window_days": 7', '"pickup_window_days": 0'), "pickup_window_days"),
    ],
)
def test_a_bad_location_is_named_with_its_field(change: tuple[str, str], field: str) -> None:
    with pytest.raises(CatalogFileError) as error:
        parse_locations(STORE.replace(*change), "l.json", json=True)
    assert (error.value.row, error.value.field) == (1, field)


def test_the_demo_catalog_is_valid() -> None:
    products, locations = load_demo_catalog()
    assert len(products) == 12 and {loc.kind for loc in locations} == set(LocationKind)


def test_the_demo_customers_are_valid_and_carry_distinct_loyalty_ids() -> None:
    customers = load_demo_customers()
    loyalty_ids = [c.loyalty_id for c in customers if c.loyalty_id]
    assert {c.id for c in customers} >= {"cust-ada"}
    assert len(loyalty_ids) == len(set(loyalty_ids))


def test_a_customer_with_a_bad_email_is_named_with_its_row_and_field() -> None:
    text = "id,first_name,email\ncust-ok,Ok,ok@example.com\ncust-bad,Bad,not-an-address\n"
    with pytest.raises(CatalogFileError) as error:
        parse_customers(text, "c.csv", json=False)
    assert (error.value.row, error.value.field) == (2, "email")


def test_a_customer_without_optional_fields_reads_them_as_absent() -> None:
    [customer] = parse_customers('[{"id": "cust-x", "first_name": "Xu"}]', "c.json", json=True)
    assert (customer.last_name, customer.email, customer.loyalty_id) == ("", None, None)


def test_a_problem_names_the_physical_line_past_a_quoted_line_break() -> None:
    text = (
        "sku,name,price,currency,description\n"
        'RETRO-CLOCK,Clock,24.95,EUR,"Two bells,\nloud"\n'
        "LAVA-LAMP,Lamp,cheap,EUR,\n"
    )
    with pytest.raises(CatalogFileError) as error:
        parse_products(text, "p.csv", json=False)
    assert (error.value.row, error.value.line, error.value.field) == (2, 4, "price")
    assert str(error.value) == "p.csv, line 4, field 'price': 'cheap' is not a price."


def test_a_json_problem_names_the_line_its_object_starts_on() -> None:
    text = (
        '[\n  {"sku": "RETRO-CLOCK", "name": "Clock", "price": "24.95", "currency": "EUR"},\n'
        '  {"sku": "LAVA-LAMP",\n   "name": "Lamp", "price": -1, "currency": "EUR"}\n]'
    )
    with pytest.raises(CatalogFileError) as error:
        parse_products(text, "p.json", json=True)
    assert (error.value.row, error.value.line, error.value.field) == (2, 3, "price")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sku,name,currency\n", "no column 'price'; expected the columns sku, name, price,"),
        ("sku,name,price,currency,price\n", "'price' named twice; expected the columns"),
        ("sku,name,price,currency\nA-1,a,1.00,EUR,extra\n", "5 values for the 4 columns"),
        ("", "no column 'sku', 'name', 'price', 'currency'; expected the columns"),
    ],
)
def test_the_columns_a_csv_file_names_are_checked(text: str, problem: str) -> None:
    with pytest.raises(CatalogFileError) as error:
        parse_products(text, "p.csv", json=False)
    assert error.value.problem.startswith(problem)


def test_a_spreadsheets_byte_order_mark_is_not_part_of_the_first_column() -> None:
    [clock] = parse_products("\ufeff" + PRODUCTS, "p.csv", json=False)
    assert clock.sku == "RETRO-CLOCK"


@pytest.mark.parametrize(
    ("name", "problem"),
    [('"Clo\\u0000ck"', "NUL character"), ('"Clo\\ud800ck"', "lone surrogate")],
)
def test_text_postgresql_cannot_store_is_refused(name: str, problem: str) -> None:
    text = f'[{{"sku": "RETRO-CLOCK", "name": {name}, "price": "1.00", "currency": "EUR"}}]'
    with pytest.raises(CatalogFileError) as error:
        parse_products(text, "p.json", json=True)
    assert error.value.field == "name" and problem in error.value.problem


@pytest.mark.parametrize(
    ("value", "discontinued"), [("true", True), ("FALSE", False), ("1", True), ("", False)]
)
def test_discontinued_reads_true_or_false_and_empty_is_false(
    value: str, discontinued: bool
) -> None:
    [clock] = parse_products(
        f"sku,name,price,currency,discontinued\nRETRO-CLOCK,Clock,1.00,EUR,{value}\n",
        "p.csv",
        json=False,
    )
    assert clock.discontinued is discontinued


@pytest.mark.parametrize("price", ["NaN", "Infinity", "10000000000.00"])
def test_a_price_the_catalog_cannot_hold_is_refused(price: str) -> None:
    with pytest.raises(CatalogFileError) as error:
        parse_products(f"sku,name,price,currency\nRETRO-CLOCK,Clock,{price},EUR\n", "p.csv", False)
    assert error.value.field == "price"
