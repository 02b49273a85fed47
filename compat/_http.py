"""What compat's HTTP servers (the sandbox, the gateway) share: a keep-alive JSON handler."""

from __future__ import annotations

import logging
import socket
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import _spec

__all__ = ["Handler", "PlatformAnswer"]


class PlatformAnswer(Exception):
    """An answer a server gives as the platform does: a result code, and why.

    ``status`` other than 200 is an HTTP failure with no result (the sandbox's faults).
    """

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, object]:
        return {"result": _spec.result(self.code, self.message)}


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, answers written without Nagle delays, logs at DEBUG."""

    protocol_version = "HTTP/1.1"
    #: seconds an idle keep-alive connection is kept open.
    timeout = 30
    #: the logger request lines go to.
    log = logging.getLogger("compat")

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle's algorithm holds
        # the body until the client's delayed ACK, some 40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        self.log.debug("%s %s", self.address_string(), format % args)

    def send_body(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
