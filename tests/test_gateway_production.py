"""compat gateway as a production service: a real server under load and at shutdown,
its operations endpoints, its logs."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
import urllib3
from prometheus_client.parser import text_string_to_metric_families

from compat import Retries, RsaSigner
from compat.gateway import Gateway
from compat.sandbox import Faults, Sandbox
from compat.signing import content_to_sign, request_time

from .payloads import inbox
from .servers import Command, free_port, without

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

INBOX = "/v2/messages/sendInbox"
BY_TOKEN = "/v2/customers/message/sendByAccessToken"
HTTP = urllib3.PoolManager(retries=False, timeout=10)


@pytest.fixture
def gateway(compat_sandbox: Sandbox) -> Iterator[Gateway]:
    with Gateway(compat_sandbox.url, "c", verify_callers=False, retries=0, workers=4) as running:
        yield running


def post(url: str, payload: Any, **headers: str) -> urllib3.BaseHTTPResponse:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return HTTP.request(
        "POST", url, body=raw, headers={"Content-Type": "application/json", **headers}
    )


def raw_request(path: str, payload: Any) -> bytes:
    body = json.dumps(payload).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


def metrics(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``GET url/metrics``, by name and labels."""
    answer = HTTP.request("GET", url + "/metrics")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.data.decode())
        for sample in family.samples
    }


# -- connections cost no worker ---------------------------------------------------------


def test_idle_and_slow_connections_do_not_hold_up_a_call(gateway: Gateway) -> None:
    idle = [socket.create_connection(("127.0.0.1", gateway.port)) for _ in range(64)]
    slow = [socket.create_connection(("127.0.0.1", gateway.port)) for _ in range(16)]
    try:
        for sock in slow:  # a request head that never ends (slowloris)
            sock.sendall(b"POST " + INBOX.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        answer = post(gateway.url + INBOX, inbox())
        elapsed = time.monotonic() - started
    finally:
        for sock in idle + slow:
            sock.close()
    assert answer.json()["result"]["resultStatus"] == "S"
    assert elapsed < 5, elapsed  # at once; http.server held it until a worker was free


def test_a_request_head_not_sent_in_time_closes_the_connection(compat_sandbox: Sandbox) -> None:
    with Gateway(compat_sandbox.url, "c", verify_callers=False, read_timeout=0.5) as gateway:
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
            started = time.monotonic()
            for byte in b"POST /v2/messages/sendInbox HTTP/1.1\r\n":  # a byte at a time
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.05)
            assert read_all(sock) == b""  # closed, no answer
            assert time.monotonic() - started < 3
        # a body that stops half way gets 408
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
            head = b"POST " + INBOX.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
            sock.sendall(head + b"{")
            assert read_all(sock).startswith(b"HTTP/1.1 408")


def test_workers_bound_calls_not_connections(compat_sandbox_factory: Any) -> None:
    slow = compat_sandbox_factory(faults=Faults(delay=0.2))
    with Gateway(slow.url, "c", verify_callers=False, retries=0, workers=4) as gateway:
        pools = [urllib3.PoolManager(maxsize=1, retries=False, timeout=10) for _ in range(20)]

        def send(n: int) -> str:
            answer = pools[n].request(
                "POST",
                gateway.url + INBOX,
                json=inbox(requestId=f"r-{n}"),
                headers={"Content-Type": "application/json"},
            )
            result: str = answer.json()["result"]["resultStatus"]
            return result

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(20) as threads:
            results = list(threads.map(send, range(20)))
        elapsed = time.monotonic() - started
    assert results == ["S"] * 20
    # 20 calls, 4 at a time, 0.2 s each: five rounds, not one and not twenty
    assert 0.9 < elapsed < 8, elapsed
    assert len(slow.messages()) == 20


def test_a_burst_of_400_simultaneous_calls_is_answered() -> None:
    with Command("sandbox", "--port", "0") as sandbox:
        upstream = sandbox.line().split()[4]
        with Command(
            "gateway", "--upstream", upstream, "--client-id", "c", "--no-verify-callers",
            "--listen", "127.0.0.1:0", "--log-level", "warning",
        ) as gateway:  # fmt: skip
            url = gateway.line().split()[4]
            port = int(url.rsplit(":", 1)[1])
            socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(400)]
            for n, sock in enumerate(socks):
                sock.sendall(raw_request(INBOX, inbox(requestId=f"burst-{n}")))
            answers = [read_all(sock) for sock in socks]
            for sock in socks:
                sock.close()
        messages = HTTP.request("GET", upstream + "/_sandbox/messages?limit=1").json()
    assert all(a.startswith(b"HTTP/1.1 200") and b'"resultStatus":"S"' in a for a in answers)
    assert messages["total"] == 400


# -- bodies that cannot be taken --------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_an_8_mb_body_is_answered_413_not_dropped(gateway: Gateway, chunked: bool) -> None:
    body = b'{"accessToken": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    if chunked:  # urllib3 sends an iterable in chunks
        parts = (body[i : i + 65536] for i in range(0, len(body), 65536))
        answer = HTTP.request(
            "POST", gateway.url + INBOX, body=parts, headers={"Content-Type": "application/json"}
        )
    else:
        answer = post(gateway.url + INBOX, body)
    assert answer.status == 413
    assert b"limit is 1048576" in answer.data
    assert answer.headers["Connection"] == "close"
    assert post(gateway.url + INBOX, inbox()).json()["result"]["resultStatus"] == "S"


def test_a_body_far_over_the_limit_is_refused_without_reading_it(gateway: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(
            b"POST " + INBOX.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"
        )
        assert read_all(sock).startswith(b"HTTP/1.1 413")


# -- drain on SIGTERM -------------------------------------------------------------------


@pytest.mark.parametrize("processes", ["1", "2"])
def test_sigterm_answers_the_call_in_flight_then_exits(processes: str) -> None:
    with Command("sandbox", "--port", "0", "--delay", "1") as sandbox:
        upstream = sandbox.line().split()[4]
        with Command(
            "gateway", "--upstream", upstream, "--client-id", "c", "--no-verify-callers",
            "--listen", "127.0.0.1:0", "--processes", processes,
        ) as gateway:  # fmt: skip
            url = gateway.line().split()[4]
            answers: list[urllib3.BaseHTTPResponse] = []
            caller = threading.Thread(target=lambda: answers.append(post(url + INBOX, inbox())))
            caller.start()
            deadline = time.monotonic() + 10
            while not HTTP.request("GET", upstream + "/_sandbox/requests").json()["requests"]:
                assert time.monotonic() < deadline  # the call reached the platform ...
                time.sleep(0.02)
            status = gateway.stop()  # ... and the gateway is told to stop
            caller.join(10)
    [answer] = answers
    assert answer.status == 200
    assert answer.json()["result"]["resultCode"] == "SUCCESS"
    assert status == 0, gateway.err
    assert "200 S SUCCESS requestId=" in gateway.err
    assert gateway.err.count("compat gateway stopped") == int(processes)
    # and nothing more is accepted
    with pytest.raises(urllib3.exceptions.HTTPError):
        post(url + INBOX, inbox())


# -- operations endpoints ---------------------------------------------------------------


def signed(payload: Any, key: bytes, path: str = INBOX) -> dict[str, str]:
    raw = json.dumps(payload).encode()
    when = request_time()
    content = content_to_sign("POST", path, "c", when, raw)
    return {
        "Client-Id": "c",
        "Request-Time": when,
        "Signature": RsaSigner(key).signature_header(content),
    }


def test_metrics_count_the_calls_by_endpoint_and_outcome(
    compat_sandbox_factory: Any, merchant_key: bytes
) -> None:
    flaky = compat_sandbox_factory(faults=Faults(error_before_store=0.5), seed=3)
    retries = Retries(total=5, backoff=0.001)
    with Gateway(flaky.url, "c", private_key=merchant_key, retries=retries) as gateway:
        for n in range(3):
            payload = inbox(requestId=f"m-{n}")
            assert post(gateway.url + INBOX, payload, **signed(payload, merchant_key)).status == 200
        bad = inbox(templateCode="T" * 300)
        post(gateway.url + INBOX, bad, **signed(bad, merchant_key))  # too long
        post(gateway.url + INBOX, inbox())  # unsigned
        by_token = {
            "appId": "2021004125637654",
            "accessToken": "2019112719074101000700000077771xxxx",
            "requestId": "bt-1",
            "templateCode": "T1",
            "templates": [{"templateParameters": {"pushContentUrl": "/p/1"}}],
        }
        post(gateway.url + BY_TOKEN, by_token, **signed(by_token, merchant_key, BY_TOKEN))
        post(gateway.url + "/v2/other", {})
        HTTP.request("GET", gateway.url + INBOX)
        assert post(gateway.url + INBOX, b"x" * 2_000_000).status == 413
        samples = metrics(gateway.url)
        openmetrics = HTTP.request(
            "GET", gateway.url + "/metrics", headers={"Accept": "application/openmetrics-text"}
        )
    retried = len([r for r in flaky.requests() if r.get("fault")])
    assert retried > 0

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    calls = "compat_legacy_calls_total"
    assert value(calls, endpoint="sendInbox", outcome="S SUCCESS") == 3
    assert value(calls, endpoint="sendInbox", outcome="rejected") == 4
    assert value(calls, endpoint="sendByAccessToken", outcome="S SUCCESS") == 1
    rejected = "compat_rejected_calls_total"
    assert value(rejected, endpoint="sendInbox", reason="too long") == 1
    assert value(rejected, endpoint="sendInbox", reason="signature") == 1
    assert value(rejected, endpoint="sendInbox", reason="method") == 1
    assert value(rejected, endpoint="none", reason="no legacy API") == 1
    assert value(rejected, endpoint="sendInbox", reason="body") == 1
    changes = "compat_translation_changes_total"
    assert value(changes, endpoint="sendInbox", kind="renamed") == 3
    assert value(changes, endpoint="sendInbox", kind="moved") == 3
    assert value(changes, endpoint="sendByAccessToken", kind="moved") == 1
    assert value("compat_upstream_retries_total", kind="HTTP 500") == retried
    # every legacy call is in the overhead histogram; those sent, in the upstream one
    assert value("compat_gateway_overhead_seconds_count", endpoint="sendInbox") == 7
    assert value("compat_upstream_seconds_count", endpoint="sendInbox") == 3
    assert value("compat_upstream_seconds_count", endpoint="sendByAccessToken") == 1
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")


def test_metrics_add_up_across_processes() -> None:
    with Command("sandbox", "--port", "0") as sandbox:
        upstream = sandbox.line().split()[4]
        with Command(
            "gateway", "--upstream", upstream, "--client-id", "c", "--no-verify-callers",
            "--listen", "127.0.0.1:0", "--processes", "2", "--log-level", "warning",
        ) as gateway:  # fmt: skip
            url = gateway.line().split()[4]
            for n in range(30):  # each on a new connection: both processes take some
                answer = urllib3.request(
                    "POST", url + INBOX, json=inbox(requestId=f"p-{n}"), retries=False
                )
                assert answer.json()["result"]["resultStatus"] == "S"
            key = (
                "compat_legacy_calls_total",
                (("endpoint", "sendInbox"), ("outcome", "S SUCCESS")),
            )
            totals = {metrics(url)[key] for _ in range(10)}
    assert totals == {30.0}


def test_access_log_lines_carry_no_secret(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    token = "2019112719074101000700000077771SECRET"
    with caplog.at_level(logging.INFO, logger="compat"):
        post(gateway.url + INBOX, inbox(accessToken=token, requestId="order-1"))
        post(gateway.url + INBOX, b"x" * 2_000_000)
    lines = [r for r in caplog.records if r.name == "compat.gateway.access"]
    assert [r.getMessage().split(" ")[:5] for r in lines] == [
        ["127.0.0.1", "POST", INBOX, "200", "S"],
        ["127.0.0.1", "POST", INBOX, "413", "HTTP"],
    ]
    assert lines[0].requestId == "order-1"  # type: ignore[attr-defined]
    assert "SECRET" not in "".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)


def test_log_format_json_and_upstream_failures(tmp_path: Any) -> None:
    with Command(
        "gateway", "--upstream", "http://127.0.0.1:9", "--client-id", "c",
        "--no-verify-callers", "--listen", "127.0.0.1:0", "--log-format", "json",
    ) as gateway:  # fmt: skip
        url = gateway.line().split()[4]
        answer = urllib3.request("POST", url + INBOX, json=inbox(requestId="down-1"))
        assert answer.json()["result"]["resultCode"] == "UNKNOWN_EXCEPTION"
        time.sleep(0.2)
    lines = [json.loads(line) for line in gateway.err.splitlines()]
    messages = [line["message"] for line in lines]
    assert messages[0].startswith("compat gateway started")
    assert any(
        m.startswith("upstream failed: TransportError (requestId 'down-1')") for m in messages
    )
    [access] = [line for line in lines if line["logger"] == "compat.gateway.access"]
    assert access["status"] == 200
    assert access["result"] == "U UNKNOWN_EXCEPTION"
    assert access["requestId"] == "down-1"
    assert messages[-1].startswith("compat gateway stopped")


@pytest.mark.parametrize("flag", ["--workers", "--processes", "--drain-timeout"])
def test_counts_that_serve_nothing_are_refused_on_one_line(flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "gateway", "--upstream", "http://127.0.0.1:9",
         "--client-id", "c", "--no-verify-callers", flag, "0"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert f"argument {flag}: expected" in line


def test_the_gateway_is_an_asgi_application_for_any_server(
    compat_sandbox: Sandbox, tmp_path: Path
) -> None:
    (tmp_path / "myapp.py").write_text(
        "from compat.gateway import Gateway\n"
        f"gateway = Gateway({compat_sandbox.url!r}, 'c', verify_callers=False, retries=0)\n"
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "myapp:gateway", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = HTTP.request("GET", f"http://127.0.0.1:{port}/healthz")
                break
            except urllib3.exceptions.HTTPError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        assert answer.status == 200
        answer = post(f"http://127.0.0.1:{port}{INBOX}", inbox())
        assert answer.json()["result"]["resultStatus"] == "S"
        assert answer.headers["Deprecation"].startswith("@")
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert len(compat_sandbox.messages()) == 1


def test_accepted_connections_send_without_delay() -> None:
    """Each answer goes out at once (TCP_NODELAY): asyncio sets it only on sockets made
    with IPPROTO_TCP; without it, a kept-alive connection waits 40 ms per answer."""
    from compat._serve import listen

    async def main() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        sock = listen("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Protocol, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname())
        nodelay = await asyncio.wait_for(accepted, 10)
        writer.close()
        server.close()
        return nodelay

    assert asyncio.run(main()) == 1


@pytest.mark.parametrize("package", ["prometheus_client", "aiohttp"])
def test_without_the_gateway_extra_the_command_says_so_in_one_line(
    tmp_path: Path, package: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "gateway", "--upstream", "http://127.0.0.1:9",
         "--client-id", "c", "--no-verify-callers"],
        capture_output=True, text=True, timeout=60, check=False,
        env=without(tmp_path, package),
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("compat: error: ")
    assert line.endswith("pip install 'compat[gateway]'")
