"""Prometheus metrics through prometheus_client: request counts and latency per GraphQL
operation, and, at scrape time, projection lag and the event store's head.

With several API processes (`omni serve --workers N` sets PROMETHEUS_MULTIPROC_DIR before
they start), each process writes its samples to files in that folder and a scrape of any
process reads all of them: the service reports as one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Gauges = dict[str, list[tuple[dict[str, str], float]]]


def multiprocess() -> bool:
    return bool(getattr(values.ValueClass, "_multiprocess", False))


class Metrics:
    """One per process; `render` is what /metrics answers."""

    clock = staticmethod(time.perf_counter)

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "omni_graphql_requests",
            "GraphQL requests by operation and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "omni_graphql_request_seconds",
            "GraphQL request latency by operation",
            ["operation"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._children: dict[tuple[str, str], tuple[Any, Any]] = {}
        # One sample per live process (a `pid` label in multiprocess mode): which processes
        # the scrape of any one of them covers.
        Gauge(
            "omni_api_process",
            "API processes serving, 1 each",
            registry=self.registry,
            multiprocess_mode="liveall",
        ).set(1)

    def observe(self, operation: str, outcome: str, started: float) -> None:
        # labels() hashes and locks on every call: each (operation, outcome) child is kept.
        children = self._children.get((operation, outcome))
        if children is None:
            children = self.requests.labels(operation, outcome), self.latency.labels(operation)
            self._children[operation, outcome] = children
        counter, histogram = children
        counter.inc()
        histogram.observe(time.perf_counter() - started)

    def render(self, gauges: Gauges) -> bytes:
        scrape = CollectorRegistry()
        if multiprocess():
            MultiProcessCollector(scrape)
        else:
            scrape.register(_Forward(self.registry))
        scrape.register(_Gauges(gauges))
        return generate_latest(scrape)


class _Forward:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


class _Gauges:
    """Values read from the database at scrape time: the same in every process."""

    def __init__(self, gauges: Gauges) -> None:
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        for name, samples in self.gauges.items():
            labels = sorted(samples[0][0]) if samples else []
            family = GaugeMetricFamily(name, name.replace("_", " "), labels=labels)
            for sample_labels, value in samples:
                family.add_metric([sample_labels[k] for k in labels], value)
            yield family
