"""Settings from the environment: each variable checked on its own, and a value that cannot
be used is a SettingsError naming the variable and what it expects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.settings import Settings, SettingsError


def test_values_are_read_as_their_types() -> None:
    settings = Settings.from_env(
        {"OMNI_PORT": "8001", "OMNI_RUN_SCHEDULER": "false", "OMNI_ENVIRONMENT": "production"}
    )
    assert (settings.port, settings.run_scheduler, settings.production) == (8001, False, True)


def test_the_outbox_names_every_node_of_a_cluster_and_how_many_copies_its_stream_keeps() -> None:
    settings = Settings.from_env(
        {"NATS_URL": "nats://127.0.0.1:4222,nats://127.0.0.1:4223", "OMNI_OUTBOX_REPLICAS": "3"}
    )
    assert (settings.nats_url, settings.outbox_replicas) == (
        "nats://127.0.0.1:4222,nats://127.0.0.1:4223",
        3,
    )
    assert Settings().outbox_replicas == 1


def test_queries_read_from_every_replica_named_and_fall_back_only_when_told() -> None:
    settings = Settings.from_env(
        {
            "OMNI_READ_DATABASE_URL": "postgresql://r1:5432/shop, postgresql://r2:5432/shop",
            "OMNI_READ_FALLBACK": "primary",
            "OMNI_REPLICA_MAX_LAG": "2.5",
        }
    )
    assert settings.replica_urls == ("postgresql://r1:5432/shop", "postgresql://r2:5432/shop")
    assert (settings.read_fallback, settings.replica_max_lag) == ("primary", 2.5)
    assert Settings().replica_urls == ()
    assert Settings().read_fallback == "stale"


def test_an_empty_conventional_variable_is_unset_but_an_empty_omni_one_is_refused() -> None:
    assert Settings.from_env({"DATABASE_URL": ""}).database_url is None
    with pytest.raises(SettingsError, match=r"^OMNI_PORT is empty, but it must be a whole"):
        Settings.from_env({"OMNI_PORT": ""})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OMNI_PORT", "0", "OMNI_PORT is '0', but it must be a whole number from 1 to 65535."),
        ("OMNI_SMTP_STARTTLS", "on", "OMNI_SMTP_STARTTLS is 'on', but it must be true or false."),
        (
            "OMNI_OUTBOX_REPLICAS",
            "0",
            "OMNI_OUTBOX_REPLICAS is '0', but it must be a whole number from 1 to 5.",
        ),
        (
            "OMNI_TRACE_SAMPLE_RATIO",
            "1.5",
            "OMNI_TRACE_SAMPLE_RATIO is '1.5', but it must be a number from 0 to 1.",
        ),
        (
            "OMNI_LOG_FORMAT",
            "xml",
            "OMNI_LOG_FORMAT is 'xml', but it must be one of console, json.",
        ),
        (
            "OMNI_EVENTS_LAYOUT",
            "sharded",
            "OMNI_EVENTS_LAYOUT is 'sharded', but it must be one of plain, partitioned.",
        ),
        (
            "OMNI_EVENTS_PARTITION_SIZE",
            "0",
            "OMNI_EVENTS_PARTITION_SIZE is '0', but it must be a whole number of at least 1.",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "127.0.0.1:4318",
            "OTEL_EXPORTER_OTLP_ENDPOINT is '127.0.0.1:4318', but it must be an http(s) URL "
            "such as http://127.0.0.1:4318.",
        ),
        (
            "DATABASE_URL",
            "postgresql://omni:s3cret@db:port/shop",
            "DATABASE_URL is 'postgresql://omni:***@db:port/shop', but it must be a PostgreSQL "
            "URL such as postgresql://user:password@127.0.0.1:5432/omnicommerce.",
        ),
        (
            "OMNI_READ_DATABASE_URL",
            "postgresql://omni:s3cret@r1/shop,mysql://omni:s3cret@r2/shop",
            "OMNI_READ_DATABASE_URL is 'postgresql://omni:***@r1/shop,mysql://omni:***@r2/shop',"
            " but it must be one or more PostgreSQL URLs separated by commas, such as "
            "postgresql://user:password@replica-1:5432/omnicommerce.",
        ),
        (
            "OMNI_READ_FALLBACK",
            "replica",
            "OMNI_READ_FALLBACK is 'replica', but it must be one of stale, primary.",
        ),
        (
            "OMNI_LOYALTY_POINT_VALUE",
            "a cent",
            "OMNI_LOYALTY_POINT_VALUE is 'a cent', but it must be an amount.",
        ),
        (
            "OMNI_LOYALTY_POINT_VALUE",
            "101",
            "OMNI_LOYALTY_POINT_VALUE is '101', but it must be an amount from 0 to 100, such as "
            "0.01.",
        ),
    ],
)
def test_a_value_that_cannot_be_used_is_named_with_what_is_expected(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert str(refused.value) == message


def test_a_point_value_is_an_exact_amount() -> None:
    assert Settings.from_env({"OMNI_LOYALTY_POINT_VALUE": "0.05"}).loyalty_point_value == (
        Decimal("0.05")
    )
