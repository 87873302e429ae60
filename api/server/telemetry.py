"""OpenTelemetry tracing, installed only when OTEL_EXPORTER_OTLP_ENDPOINT is set: this module
(and with it the SDK) is imported by the composition root only then, so a server without
the variable runs with OpenTelemetry's no-op API and pays nothing for it.

A trace is one HTTP request (api/request_ids.py opens its root span), its GraphQL operation
and resolvers (api/graphql/engine/tracing.py) and the SQL statements they run (the asyncpg
instrumentation). Spans go over OTLP/HTTP in batches from a background thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, Tracer
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from adapters.settings import Settings

INSTRUMENTATION_NAME = "omnicommerce"


class RequestsOnly(Sampler):
    """Traces start at requests, `ratio` of them (by trace id). The projections, the
    scheduler and the outbox relay query the database every poll interval with no request
    around them: as root spans of their own they would bury the requests' traces under
    thousands of one-statement traces. Tracing every request halves the throughput of two
    cores (docs/PERFORMANCE.md), hence a ratio at peak."""

    def __init__(self, ratio: float = 1.0) -> None:
        self.requests = ALWAYS_ON if ratio >= 1.0 else TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        decide = self.requests if kind is SpanKind.SERVER else ALWAYS_OFF
        return decide.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "RequestsOnly"


@dataclass(frozen=True)
class Tracing:
    provider: TracerProvider
    tracer: Tracer

    def shutdown(self) -> None:
        """Export what is still batched, then stop the exporter's thread."""
        AsyncPGInstrumentor().uninstrument()
        self.provider.shutdown()


def traces_url(endpoint: str) -> str:
    """OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; traces go to /v1/traces."""
    return f"{endpoint.rstrip('/')}/v1/traces"


def install_tracing(settings: Settings) -> Tracing:
    assert settings.otlp_endpoint is not None
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.service_name}),
        sampler=ParentBased(root=RequestsOnly(settings.trace_sample_ratio)),
    )
    exporter = OTLPSpanExporter(endpoint=traces_url(settings.otlp_endpoint))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    return Tracing(provider, provider.get_tracer(INSTRUMENTATION_NAME))
