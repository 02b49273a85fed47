"""The server base the sandbox and the gateway share (compat._http, compat._serve)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import urllib3

import compat._http
from compat._http import Answer, App, Request
from compat.gateway import Gateway

from .payloads import inbox
from .servers import Command
from .test_hostile import chunked, raw_exchange

if TYPE_CHECKING:
    from compat.sandbox import Sandbox

INBOX = "/v2/messages/sendInbox"


class Echo(App):
    """The smallest application: answers with the body it read."""

    def __init__(self, **options: Any) -> None:
        super().__init__("127.0.0.1", 0, max_body=100, **options)

    async def handle(self, request: Request) -> Answer:
        return Answer(200, request.body)


class Broken(Echo):
    async def started(self) -> None:
        raise RuntimeError("no start")


@pytest.mark.parametrize("name", ["read_timeout", "drain_timeout"])
@pytest.mark.parametrize("value", [0, -1, True, "5"])
def test_timeouts_must_be_seconds_above_zero(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a number of seconds above 0"):
        Echo(**{name: value})


def test_an_application_that_cannot_start_says_so() -> None:
    with pytest.raises(RuntimeError, match="did not start"):
        Broken().start()
    server = Broken().listen()
    with pytest.raises(RuntimeError, match="did not start"):
        server.run()  # in the foreground
    with pytest.raises(OSError):  # the socket is closed after either
        server.sock.getsockname()


def test_websockets_are_not_served() -> None:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("not read")

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(Echo()({"type": "websocket"}, receive, send))
    assert sent == []
    with Echo() as echo:  # over HTTP, an upgrade request is answered without the app
        answer = urllib3.request(
            "GET",
            echo.origin + "/",
            headers={"Connection": "Upgrade", "Upgrade": "websocket"},
            retries=False,
        )
        assert answer.status in (400, 403, 404, 426)


def test_a_chunked_body_far_over_the_limit_is_not_read_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compat._http, "DISCARDED", 500)
    with Echo() as echo:
        head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        answer = raw_exchange(echo.port, head + chunked(b"x" * 2000, 100))
        assert answer.startswith(b"HTTP/1.1 413")
        assert b"over the limit of 100 bytes" in answer
        assert urllib3.request("POST", echo.origin, body=b"ok", retries=False).data == b"ok"


def test_gateway_operations_take_get_only(compat_sandbox: Sandbox) -> None:
    with Gateway(compat_sandbox.url, "c", verify_callers=False) as gateway:
        assert repr(gateway) == (
            f"Gateway({gateway.url!r} -> '{compat_sandbox.url}/v2/miniprogram/message/send')"
        )
        for path in ("/healthz", "/readyz", "/metrics"):
            answer = urllib3.request("POST", gateway.url + path, retries=False)
            assert (answer.status, answer.json()) == (405, {"status": "use GET"})


def children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_a_worker_that_dies_is_replaced(compat_sandbox: Sandbox) -> None:
    with Command(
        "gateway", "--upstream", compat_sandbox.url, "--client-id", "c",
        "--no-verify-callers", "--listen", "127.0.0.1:0", "--processes", "2",
    ) as gateway:  # fmt: skip
        url = gateway.line().split()[4]
        pid = gateway.process.pid
        deadline = time.monotonic() + 20
        while len(workers := children(pid)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        while victim in (now := children(pid)) or len(now) < 2:
            assert time.monotonic() < deadline, now
            time.sleep(0.05)
        for n in range(6):
            answer = urllib3.request("POST", url + INBOX, json=inbox(requestId=f"k-{n}"))
            assert answer.json()["result"]["resultStatus"] == "S"
    assert f"worker {victim} exited (-9); starting another" in gateway.err
