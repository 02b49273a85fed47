"""The run-time audit reports through OpenTelemetry metrics (the ``otel`` extra)."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import pytest
import urllib3
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from compat import LegacyClient, LegacyEndpointWarning, TranslatingPoolManager
from compat.gateway import Gateway

from .payloads import inbox
from .servers import without

if TYPE_CHECKING:
    from pathlib import Path

    from compat.sandbox import Sandbox

Counts = collections.Counter[tuple[str, str, str]]


@pytest.fixture(scope="module")
def reader() -> InMemoryMetricReader:
    """The application's side: an SDK meter provider, set once for the process."""
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    return reader


def calls(reader: InMemoryMetricReader) -> Counts:
    """``compat.legacy.calls`` so far, by (endpoint, call site, outcome)."""
    counts: Counts = collections.Counter()
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "compat":
                continue
            for metric in scope.metrics:
                assert metric.name == "compat.legacy.calls"
                assert metric.unit == "{call}"
                for point in metric.data.data_points:
                    a = point.attributes or {}
                    key = (a["compat.endpoint"], a["compat.call_site"], a["compat.outcome"])
                    counts[key] += point.value  # type: ignore[union-attr]
    return counts


def test_shim_and_gateway_calls_are_counted_by_endpoint_site_and_outcome(
    reader: InMemoryMetricReader, compat_sandbox: Sandbox
) -> None:
    before = calls(reader)
    with (
        LegacyClient(compat_sandbox.url, "c", retries=0) as client,
        pytest.warns(LegacyEndpointWarning),
    ):
        for n in range(2):
            client.send_inbox(inbox(requestId=f"o-{n}"))  # one site, twice
        line = sys._getframe().f_lineno + 1
        client.send_inbox(inbox(requestId="o-2"))
    with pytest.warns(LegacyEndpointWarning):
        http = TranslatingPoolManager()
        http.request(
            "POST", compat_sandbox.url + "/v2/messages/sendInbox", json=inbox(requestId="o-3")
        )
    with Gateway(compat_sandbox.url, "c", verify_callers=False, retries=0) as gateway:
        answer = urllib3.request("POST", gateway.url + "/v2/messages/sendInbox", json={})
        assert answer.json()["result"]["resultCode"] == "PARAM_ILLEGAL"
    after = calls(reader)
    delta = after - before
    here = __file__
    sites = {site: n for (_, site, _), n in delta.items()}
    assert sum(delta.values()) == 5
    function = sys._getframe().f_code.co_name
    assert delta["sendInbox", f"{here}:{line}:{function}", "S SUCCESS"] == 1
    assert sorted(sites.values()) == [1, 1, 1, 2]
    assert any(site.startswith(here) and n == 2 for site, n in sites.items())
    assert delta["sendInbox", "gateway caller 127.0.0.1", "invalid: accessToken"] == 1
    assert all("xxxx" not in "".join(key) for key in delta)  # no token, no body


def test_without_the_api_the_audit_works_and_counts_nothing(
    tmp_path: Path, compat_sandbox: Sandbox
) -> None:
    script = textwrap.dedent(
        f"""
        import json, warnings
        import compat
        from compat import _otel
        warnings.simplefilter("ignore")
        with compat.LegacyClient({compat_sandbox.url!r}, "c", retries=0) as client:
            client.send_inbox({inbox()!r})
        print(json.dumps([compat.audit_log().total, _otel._counter is None, _otel._looked]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=without(tmp_path, "opentelemetry"),
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == [1, True, True]


def test_a_provider_set_after_the_first_call_still_gets_the_counts(tmp_path: Any) -> None:
    script = textwrap.dedent(
        """
        import warnings
        from opentelemetry import metrics
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from compat import audit_log
        audit_log().record("sendInbox", "early.py:1:f", (), "S SUCCESS")  # no provider yet
        reader = InMemoryMetricReader()
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        audit_log().record("sendInbox", "late.py:2:g", (), "S SUCCESS")
        data = reader.get_metrics_data()
        [metric] = data.resource_metrics[0].scope_metrics[0].metrics
        print(sorted(p.attributes["compat.call_site"] for p in metric.data.data_points))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "['late.py:2:g']"
