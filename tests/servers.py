"""A scripted HTTP server on 127.0.0.1 that records what it receives.

Each request takes the next step of the script (the last one repeats):
``Json(body, status=200, headers={})``, ``Raw(status, body)``, ``Close()`` (hang
up without answering) or ``Sleep(seconds, then)``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

import attrs


@attrs.frozen
class Json:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Raw:
    status: int
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Close:
    pass


@attrs.frozen
class Sleep:
    seconds: float
    then: Step


Step = Union[Json, Raw, Close, Sleep]


def result(status: str = "S", code: str = "SUCCESS", **extra: Any) -> Json:
    return Json({"result": {"resultStatus": status, "resultCode": code}, **extra})


@attrs.frozen
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    def __init__(self, *script: Step) -> None:
        self.script = list(script) or [result()]
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server._lock:
                    server.received.append(
                        Received("POST", self.path, dict(self.headers), body, time.monotonic())
                    )
                    step = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                self.play(step)

            def play(self, step: Step) -> None:
                if isinstance(step, Sleep):
                    time.sleep(step.seconds)
                    self.play(step.then)
                elif isinstance(step, Close):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    data = json.dumps(step.body).encode() if isinstance(step, Json) else step.body
                    self.send_response(step.status)
                    if isinstance(step, Json) and "Content-Type" not in step.headers:
                        self.send_header("Content-Type", "application/json")
                    for name, value in step.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class Command:
    """``python -m compat ARGS`` run as a server until the ``with`` block ends.

    ``line()`` reads its next line of output; on leaving, it gets SIGTERM and
    must exit 0 (unless the block raised); ``out`` and ``err`` then hold the rest of
    its output.
    """

    def __init__(self, *args: str) -> None:
        self.args = args
        self.out = ""
        self.err = ""

    def __enter__(self) -> Command:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "compat", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return self

    def line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def stop(self) -> int:
        """SIGTERM, and wait: its exit status (``out`` and ``err`` then hold the rest of
        its output)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            self.out, self.err = self.process.communicate(timeout=40)
        return self.process.returncode

    def __exit__(self, kind: object, *exc: object) -> None:
        try:
            status = self.stop()
        finally:
            self.process.kill()
        if kind is None:
            assert status == 0, self.err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def without(tmp_path: Any, package: str) -> dict[str, str]:
    """An environment in which ``import package`` fails, as without the extra that
    brings it (for a subprocess)."""
    blocked = tmp_path / "blocked" / package
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    return {**os.environ, "PYTHONPATH": str(blocked.parent)}
