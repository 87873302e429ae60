"""Counters and latency histograms in the Prometheus text format, without a dependency."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds


@dataclass
class Metrics:
    requests: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    latency: dict[str, Histogram] = field(default_factory=lambda: defaultdict(Histogram))

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        self.requests[(operation, outcome)] += 1
        self.latency[operation].observe(seconds)

    def render(self, gauges: dict[str, list[tuple[dict[str, str], float]]]) -> str:
        lines = ["# TYPE omni_graphql_requests_total counter"]
        for (operation, outcome), count in sorted(self.requests.items()):
            lines.append(
                f'omni_graphql_requests_total{{operation="{operation}",outcome="{outcome}"}} '
                f"{count}"
            )
        lines.append("# TYPE omni_graphql_request_seconds histogram")
        for operation, histogram in sorted(self.latency.items()):
            cumulative = 0
            for bound, count in zip((*BUCKETS, float("inf")), histogram.counts, strict=True):
                cumulative += count
                le = "+Inf" if bound == float("inf") else str(bound)
                lines.append(
                    f'omni_graphql_request_seconds_bucket{{operation="{operation}",'
                    f'le="{le}"}} {cumulative}'
                )
            lines.append(
                f'omni_graphql_request_seconds_sum{{operation="{operation}"}} {histogram.total:.6f}'
            )
            lines.append(
                f'omni_graphql_request_seconds_count{{operation="{operation}"}} {cumulative}'
            )
        for name, samples in gauges.items():
            lines.append(f"# TYPE {name} gauge")
            for labels, value in samples:
                rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
                lines.append(f"{name}{{{rendered}}} {value}")
        return "\n".join(lines) + "\n"
