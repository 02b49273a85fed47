"""The run-time audit as OpenTelemetry metrics, when ``opentelemetry-api`` is installed
(the ``otel`` extra).

A library's part only: compat asks the API for a meter and counts on it. The
application configures the SDK, its exporter and its resource (``service.name``);
without them, the API's meter does nothing. A counter made before the application sets
its meter provider reports to that provider once it is set.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

__all__ = ["CALLS", "count"]

#: the counter's name: deprecated calls, by endpoint, call site and outcome.
CALLS = "compat.legacy.calls"

_lock = threading.Lock()
_counter: Optional[Any] = None
_looked = False


def _make() -> Optional[Any]:
    try:
        from opentelemetry import metrics
    except ImportError:
        return None
    from . import __version__

    meter = metrics.get_meter("compat", __version__)
    return meter.create_counter(
        CALLS,
        unit="{call}",
        description="Calls to deprecated message endpoints, by endpoint, call site and outcome",
    )


def count(endpoint: str, site: str, outcome: str) -> None:
    """Count one deprecated call (nothing without ``opentelemetry-api``)."""
    global _counter, _looked
    if not _looked:
        with _lock:
            if not _looked:
                _counter = _make()
                _looked = True
    if _counter is not None:
        _counter.add(
            1,
            {"compat.endpoint": endpoint, "compat.call_site": site, "compat.outcome": outcome},
        )
