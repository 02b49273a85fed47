"""What compat's HTTP servers (the sandbox, the gateway) share: a keep-alive JSON handler."""

from __future__ import annotations

import logging
import re
import socket
from http.server import BaseHTTPRequestHandler
from typing import Any

from . import _spec

__all__ = ["DEFAULT_MAX_BODY", "BodyError", "Handler", "PlatformAnswer"]

#: The largest request body a server reads (bytes); larger ones get 413. A message of
#: the platform, every field at its limit, is well under 100 KB.
DEFAULT_MAX_BODY = 1024 * 1024

_QUERY_VALUE = re.compile(r"([?&;][^=&;\s]*)=[^&;\s\"]*")
_DECIMAL = re.compile(rb"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


class BodyError(Exception):
    """A request body that cannot be read: the HTTP status to answer with, and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        # query values may be secrets (``?access_token=...``): never logged
        line = _QUERY_VALUE.sub(r"\1=…", format % args)
        self.log.debug("%s %s", self.address_string(), line)

    def read_body(self, limit: int) -> bytes:
        """The request body: ``Content-Length`` bytes, or chunks (``Transfer-Encoding:
        chunked``); :class:`BodyError` for a body that is malformed, cut short or over
        ``limit`` bytes. After one, the connection is closed: where the next request
        starts is unknown."""
        try:
            return self._read_body(limit)
        except BodyError:
            self.close_connection = True
            raise

    def _read_body(self, limit: int) -> bytes:
        coding = self.headers.get("Transfer-Encoding")
        length = self.headers.get("Content-Length")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                raise BodyError(501, f"Transfer-Encoding {coding.strip()!r} is not supported")
            if length is not None:
                raise BodyError(400, "both Content-Length and Transfer-Encoding are given")
            return self._read_chunks(limit)
        if length is None:
            return b""
        if not _DECIMAL.fullmatch(length.strip().encode("latin-1", "replace")):
            raise BodyError(400, "Content-Length must be a number of bytes")
        size = int(length)
        if size > limit:
            raise BodyError(413, f"the body is {size} bytes; the limit is {limit}")
        data = self.rfile.read(size)
        if len(data) < size:
            raise BodyError(400, f"the body ended after {len(data)} of {size} bytes")
        return data

    def _read_chunks(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise BodyError(400, "a chunk size line is malformed or cut short")
            size_text = line.split(b";", 1)[0].strip()
            if not _HEX.fullmatch(size_text):
                raise BodyError(400, "a chunk size is not a hexadecimal number")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > limit:
                raise BodyError(413, f"the body is over the limit of {limit} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BodyError(400, "a chunk is cut short or not followed by CRLF")
            parts.append(chunk)
        for _ in range(100):  # trailer fields, up to the blank line; ignored
            line = self.rfile.readline(8192)
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if not line.endswith(b"\n"):
                break
        raise BodyError(400, "the chunked body does not end with a blank line")

    def send_error_body(self, error: BodyError) -> None:
        """Answer a :class:`BodyError` in plain text, and close."""
        self.close_connection = True
        self.send_body(
            error.status,
            error.message.encode("utf-8") + b"\n",
            {"Content-Type": "text/plain; charset=utf-8", "Connection": "close"},
        )

    def send_body(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
