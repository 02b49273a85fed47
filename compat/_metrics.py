"""The gateway's Prometheus metrics (``GET /metrics``), with ``prometheus_client``.

One process: the metrics live in a registry of the gateway's own. Several processes
(``compat gateway --processes N``, or any server's workers): ``PROMETHEUS_MULTIPROC_DIR``
names a folder set before ``prometheus_client`` is first imported; every process
writes its values there and ``/metrics``, whichever process answers it, adds them up
(``prometheus_client``'s multiprocess mode).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .translate import Change

__all__ = ["MULTIPROCESS_VARIABLE", "Metrics"]

#: The environment variable of prometheus_client's multiprocess mode.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

#: Seconds: the gateway's own time per call is well under a millisecond.
_OVERHEAD_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
_UPSTREAM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess() -> bool:
    """Whether metrics are shared by several processes through a folder."""
    return bool(os.environ.get(MULTIPROCESS_VARIABLE))


class Metrics:
    """Counters and histograms of the calls a gateway served."""

    def __init__(self) -> None:
        try:
            import prometheus_client as prometheus
        except ImportError as err:
            msg = "compat gateway needs prometheus_client: pip install 'compat[gateway]'"
            raise ImportError(msg, name="prometheus_client") from err

        self.multiprocess = multiprocess()
        # several processes: the values go to the folder, and are collected from it
        registry = None if self.multiprocess else prometheus.CollectorRegistry()
        self.registry = registry
        self.calls = prometheus.Counter(
            "compat_legacy_calls",
            "Calls to the legacy endpoints, by endpoint and how they ended",
            ["endpoint", "outcome"],
            registry=registry,
        )
        self.overhead = prometheus.Histogram(
            "compat_gateway_overhead_seconds",
            "Time a call spent in the gateway itself, upstream time excluded",
            ["endpoint"],
            buckets=_OVERHEAD_BUCKETS,
            registry=registry,
        )
        self.upstream = prometheus.Histogram(
            "compat_upstream_seconds",
            "Time a call spent on the upstream platform, every attempt included",
            ["endpoint"],
            buckets=_UPSTREAM_BUCKETS,
            registry=registry,
        )
        self.retries = prometheus.Counter(
            "compat_upstream_retries",
            "Upstream attempts that failed and were tried again, by kind of failure",
            ["kind"],
            registry=registry,
        )
        self.changes = prometheus.Counter(
            "compat_translation_changes",
            "Changes translations made, by endpoint and kind",
            ["endpoint", "kind"],
            registry=registry,
        )
        self.rejections = prometheus.Counter(
            "compat_rejected_calls",
            "Calls refused before anything was sent upstream, by endpoint and reason",
            ["endpoint", "reason"],
            registry=registry,
        )

    def called(self, endpoint: str, outcome: str, elapsed: float, upstream: float) -> None:
        """One call to a legacy endpoint answered, ``elapsed`` seconds in all."""
        self.calls.labels(endpoint, outcome).inc()
        self.overhead.labels(endpoint).observe(max(0.0, elapsed - upstream))
        if upstream:
            self.upstream.labels(endpoint).observe(upstream)

    def translated(self, endpoint: str, changes: Iterable[Change]) -> None:
        for change in changes:
            self.changes.labels(endpoint, change.kind).inc()

    def retried(self, kind: str) -> None:
        self.retries.labels(kind).inc()

    def rejected(self, endpoint: str, reason: str) -> None:
        self.rejections.labels(endpoint, reason).inc()

    def exposition(self, accept: Optional[str] = None) -> tuple[str, bytes]:
        """The content type and the text of ``GET /metrics`` (OpenMetrics when the
        scraper asks for it)."""
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import choose_encoder

        registry = self.registry
        if registry is None:
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        encoder, content_type = choose_encoder(accept or "")
        return content_type, encoder(registry)
