"""One frozen Settings, read from the environment by the composition root and the CLI only."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from adapters.keys.master import DEV_MASTER_KEY
from adapters.settings_checks import SettingsError, StartupError, checked

DEV_SECRET = "omnicommerce-development-secret-change-me"

# Settings other tools name too; an empty value counts as unset for these.
CONVENTIONAL_NAMES = {
    "database_url": "DATABASE_URL",
    "nats_url": "NATS_URL",
    "otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "service_name": "OTEL_SERVICE_NAME",
}

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0)]
Question = Literal["csat", "ces", "nps", "off"]

__all__ = ["DEV_SECRET", "Settings", "SettingsError", "StartupError"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    database_schema: str | None = None
    data_dir: str = ".omni"
    host: str = "127.0.0.1"
    port: Port = 8000
    # Anything else (a typo of "production") would run with the development key: refused.
    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET
    # Keys that signed tokens still in use, while they rotate out (comma-separated).
    previous_secret_keys: str = ""
    # Wraps every data subject's key (personal data, adapters/keys/); the previous ones
    # still unwrap while a rotation rewraps them (comma-separated).
    master_key: str = DEV_MASTER_KEY
    previous_master_keys: str = ""
    poll_interval: Seconds = 1.0
    # How long a query with `consistentWith` waits for its read models before answering
    # anyway, flagged STALE_READ.
    consistency_wait: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    # Streaming replicas the API's queries read from (comma-separated PostgreSQL URLs);
    # writes, checkpoints and the outbox stay on DATABASE_URL. docs/SCALING.md, step 2.
    read_database_url: str | None = None
    # A `consistentWith` read a replica cannot answer in time: "stale" answers from the
    # replica with STALE_READ (as on the primary); "primary" reads the primary instead,
    # after waiting OMNI_REPLICA_WAIT for the replica.
    read_fallback: Literal["stale", "primary"] = "stale"
    replica_wait: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    # A replica further behind the primary than this is not read while another is within it,
    # and with none within it (and no fallback to the primary) /health/ready fails.
    replica_max_lag: Seconds = 10.0
    # Connections per process: about the requests served at once plus one per projection
    # runner. With 10, 32 clients queued for connections (p90 70-83 ms against 42-46 at 30).
    pool_size: AtLeastOne = 32
    # The layout of the events table, chosen when a schema is created (adapters/postgres/
    # layout.py): "partitioned" puts it in range partitions of the global position.
    events_layout: Literal["plain", "partitioned"] = "plain"
    # Partitioned layout: positions per partition, and how many partitions the scheduler's
    # rule keeps ready past the head (rows past the last one land in a default partition).
    events_partition_size: AtLeastOne = 10_000_000
    events_partitions_ahead: AtLeastOne = 2
    run_projections: bool = True
    run_scheduler: bool = True
    # Seconds between two firings of the time-driven rules by the service's scheduler.
    scheduler_interval: Seconds = 15.0
    # A simulated clock (`omni simulate` starts its server with one; refused in production):
    # business time starts at OMNI_CLOCK_START (ISO 8601 with an offset; default: now) and
    # runs OMNI_CLOCK_SPEED times faster than real time, and an admin may skip it ahead. Every
    # process on the schema shares it (adapters/postgres/business_clock.py).
    clock_start: str | None = None
    clock_speed: Seconds = 1.0
    seed_demo: bool = True
    # With the demo: this many days of click-and-collect before today in every store, played
    # through the use cases (0: none; tests start from an empty history).
    demo_history_days: Annotated[int, msgspec.Meta(ge=0, le=60)] = 14
    # The outbox (adapters/outbox/): off unless NATS_URL is set. `omni serve` runs the relay
    # in the API process unless OMNI_RUN_OUTBOX=false (then `omni outbox run` does).
    nats_url: str | None = None
    run_outbox: bool = True
    outbox_stream: str = "OMNI"
    outbox_subject_prefix: str = "omni"
    outbox_batch_size: AtLeastOne = 500
    # How long JetStream remembers a message id (ARCHITECTURE "The outbox" says why 30 min).
    outbox_duplicate_window: Seconds = 1800.0
    # The stream's copies: 3 on a three-node JetStream cluster (NATS_URL naming every node).
    outbox_replicas: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    # The pickup-ready notifier (`omni notify run`): where it sends mail, and as whom.
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 25
    smtp_sender: str = "omnicommerce <orders@omnicommerce.example>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Feedback at journey points (`omni notify run` asks, README "Customer voice and loyalty"):
    # the question after each point, or "off"; how long a survey's link works; how often a
    # customer may be asked for NPS; where the links in mails point (this service's address).
    survey_after_pickup: Question = "csat"
    survey_after_return: Question = "csat"
    survey_after_till_sale: Question = "nps"
    survey_after_service_case: Question = "ces"
    survey_link_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14
    survey_nps_cadence_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] = 90
    public_url: str = "http://127.0.0.1:8000"
    # Erasure (README "Personal data"): days a customer's own request waits before `omni tick`
    # (or the server's scheduler) carries it out; the service desk erases at once.
    erasure_waiting_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 30
    # Loyalty (README "Customer voice and loyalty"): points per whole unit of money paid, what
    # one point pays, and the days after which unspent points expire.
    loyalty_points_per_unit: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 1
    # msgspec bounds numbers only, not Decimal: 0 to 100 is checked as its form
    # (adapters/settings_checks.py).
    loyalty_point_value: Decimal = Decimal("0.01")
    loyalty_expiry_days: Annotated[int, msgspec.Meta(ge=1, le=36500)] = 365
    # Observability (api/server/telemetry.py): traces go over OTLP/HTTP to
    # OTEL_EXPORTER_OTLP_ENDPOINT, and nothing of OpenTelemetry is loaded when it is unset.
    # OTEL_SERVICE_NAME names us.
    otlp_endpoint: str | None = None
    service_name: str = "omnicommerce"
    # The share of requests traced (by trace id), from 0 to 1.
    trace_sample_ratio: Annotated[float, msgspec.Meta(ge=0, le=1)] = 1.0
    # "console" (human lines) or "json" (one object per line, with the request id).
    log_format: Literal["console", "json"] = "console"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The signing key first, then the previous ones that still verify."""
        previous = (key.strip() for key in self.previous_secret_keys.split(","))
        return (self.secret_key, *(key for key in previous if key))

    @property
    def master_keys(self) -> tuple[str, ...]:
        """The wrapping master key first, then the previous ones that still unwrap."""
        previous = (key.strip() for key in self.previous_master_keys.split(","))
        return (self.master_key, *(key for key in previous if key))

    @property
    def replica_urls(self) -> tuple[str, ...]:
        """The streaming replicas queries read from; none reads everything on the primary."""
        urls = (self.read_database_url or "").split(",")
        return tuple(url.strip() for url in urls if url.strip())

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def simulated_clock(self) -> bool:
        return self.clock_start is not None or self.clock_speed != 1.0

    @classmethod
    def environment_names(cls) -> dict[str, str]:
        """Each setting's environment variable: the conventional name where there is one."""
        return {
            field: CONVENTIONAL_NAMES.get(field, f"OMNI_{field.upper()}")
            for field in cls.__struct_fields__
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Every variable set, each checked on its own: the first one that cannot be used is
        a SettingsError naming it and what it expects."""
        types = {field.name: field.type for field in msgspec.structs.fields(cls)}
        values = {
            field: checked(name, env[name], field, types[field])
            for field, name in cls.environment_names().items()
            if name in env and (env[name] or field not in CONVENTIONAL_NAMES)
        }
        return cls(**values)
