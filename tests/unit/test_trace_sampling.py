"""Which spans start a trace: requests, in the configured share; never background polls."""

from __future__ import annotations

from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import SpanKind

from api.server.telemetry import RequestsOnly

TRACE_IDS = [(i * 0x9E3779B97F4A7C15) % (1 << 128) for i in range(1, 2001)]


def sampled(sampler: RequestsOnly, kind: SpanKind) -> int:
    decisions = (sampler.should_sample(None, trace_id, "span", kind) for trace_id in TRACE_IDS)
    return sum(d.decision is Decision.RECORD_AND_SAMPLE for d in decisions)


def test_every_request_is_traced_by_default_and_no_background_query() -> None:
    sampler = RequestsOnly()

    assert sampled(sampler, SpanKind.SERVER) == len(TRACE_IDS)
    assert sampled(sampler, SpanKind.CLIENT) == 0
    assert sampled(sampler, SpanKind.INTERNAL) == 0


def test_a_ratio_traces_about_that_share_of_requests() -> None:
    tenth = sampled(RequestsOnly(0.1), SpanKind.SERVER)

    assert 0.05 * len(TRACE_IDS) < tenth < 0.15 * len(TRACE_IDS)
    assert sampled(RequestsOnly(0.0), SpanKind.SERVER) == 0
