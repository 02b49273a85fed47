"""What compat's HTTP servers (the sandbox, the gateway) share.

Both are ASGI applications built on :class:`App`: it reads a request's body (a size
limit, a read deadline), hands a :class:`Request` to the application's ``handle`` and
writes the :class:`Answer` back. :func:`platform_answer` makes the platform's JSON
answer, signed when there is a signer; :class:`PlatformAnswer` is an error answered as
the platform would. :mod:`compat._serve` serves an :class:`App` with uvicorn.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

import attrs

from . import _json, _spec
from ._validate import at_least_one
from .signing import content_to_sign, request_time

if TYPE_CHECKING:
    from collections.abc import Awaitable, MutableMapping

    from ._serve import Server
    from .signing import RsaSigner

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]

__all__ = [
    "DEFAULT_DRAIN_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_READ_TIMEOUT",
    "Answer",
    "App",
    "BodyError",
    "PlatformAnswer",
    "Request",
    "platform_answer",
]

#: The largest request body a server reads (bytes); larger ones get 413. A message of
#: the platform, every field at its limit, is well under 100 KB.
DEFAULT_MAX_BODY = 1024 * 1024
#: Bytes of a body over the limit read (and thrown away) before answering 413.
DISCARDED = 16 * 1024 * 1024
#: Seconds a client has to send a request's head, and then its body.
DEFAULT_READ_TIMEOUT = 15.0
#: Seconds a stopping server has to answer the requests in flight.
DEFAULT_DRAIN_TIMEOUT = 30.0

_A = TypeVar("_A", bound="App")


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        msg = f"{name} must be a number of seconds above 0, got {value!r}"
        raise ValueError(msg)
    return float(value)


_JSON = {"Content-Type": "application/json; charset=UTF-8"}


class BodyError(Exception):
    """A request body that cannot be read: the HTTP status to answer with, and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def answer(self) -> Answer:
        """The plain-text answer; the connection is closed after it."""
        return Answer(
            self.status,
            self.message.encode("utf-8") + b"\n",
            {"Content-Type": "text/plain; charset=utf-8", "Connection": "close"},
        )


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


@attrs.frozen
class Request:
    """One HTTP request, its body read whole."""

    method: str
    #: the path, without the query.
    path: str
    query: str
    #: header names in lower case; a repeated header keeps its last value.
    headers: Mapping[str, str]
    #: the client's address.
    client: str
    body: bytes
    #: when the request's headers were read (``time.monotonic()``).
    started: float

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@attrs.frozen
class Answer:
    """What a server answers: a status, a body and its headers."""

    status: int
    body: bytes
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: close the connection after the headers, without the body (a lost answer).
    drop: bool = False

    @classmethod
    def json(cls, status: int, payload: object) -> Answer:
        return cls(status, _json.dumps(payload), _JSON)


def platform_answer(
    payload: Mapping[str, Any],
    path: str,
    *,
    signer: Optional[RsaSigner],
    client_id: str,
    headers: Optional[Mapping[str, str]] = None,
) -> Answer:
    """The platform's JSON answer to a POST to ``path``, signed by ``signer`` (the
    ``Client-Id``, ``Response-Time`` and ``Signature`` headers) when there is one."""
    body = _json.dumps(payload)
    out = dict(_JSON)
    if signer is not None:
        when = request_time()
        content = content_to_sign("POST", path, client_id, when, body)
        out.update(
            {
                "Client-Id": client_id,
                "Response-Time": when,
                "Signature": signer.signature_header(content),
            }
        )
    if headers:
        out.update(headers)
    return Answer(200, body, out)


class _Dropped(Exception):
    """Raised after an answer's headers, so that the server closes the connection."""


class _QuietDrops(logging.Filter):
    """Keeps the server's error log free of answers dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _Dropped))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class App(abc.ABC):
    """An ASGI application and its server: subclasses answer :class:`Request` objects in
    :meth:`handle`. Use it as a context manager, or :meth:`start` and :meth:`stop`
    (served in a thread of this process); :meth:`listen` gives the server for the
    foreground or for several processes (:mod:`compat._serve`).

    :param max_body: the largest body read, in bytes (larger: HTTP 413).
    :param read_timeout: seconds a client has to send a request's head, and again its
        body (then: the connection is closed, or HTTP 408).
    :param drain_timeout: seconds a stopping server has to answer the requests in
        flight.
    """

    #: the logger errors go to.
    log = logging.getLogger("compat")

    def __init__(
        self,
        host: str,
        port: int,
        *,
        max_body: int,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.max_body = at_least_one("max_body", max_body, "bytes")
        self.read_timeout = _positive("read_timeout", read_timeout)
        self.drain_timeout = _positive("drain_timeout", drain_timeout)
        self._server: Optional[Server] = None

    # -- lifecycle ------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def listen(self, *, fast: bool = False) -> Server:
        """Bind the listening socket (``port`` 0: a free one, then set); the server to
        run. ``fast``: on uvloop when installed, for a process of its own (the command
        line); :meth:`start` serves on the standard event loop of its thread."""
        from ._serve import Server, listen

        sock = listen(self.host, self.port)
        server = Server(self, sock, drain_timeout=self.drain_timeout, fast=fast)
        self.port = server.port
        return server

    def start(self: _A) -> _A:
        """Serve in a thread of this process; return once serving."""
        server = self.listen()
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop accepting, answer the requests in flight, and close."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self: _A) -> _A:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what subclasses do ---------------------------------------------------------

    @abc.abstractmethod
    async def handle(self, request: Request) -> Answer:
        """The answer to one request whose body was read."""

    # the hooks below do nothing unless a subclass says otherwise
    def refused(  # noqa: B027
        self, error: BodyError, client: str, method: str, path: str, started: float
    ) -> None:
        """Called when a request's body could not be read (answered with ``error``)."""

    async def started(self) -> None:  # noqa: B027
        """Called in the server's event loop when it starts serving."""

    async def stopped(self) -> None:  # noqa: B027
        """Called in the server's event loop when it has stopped serving."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        # websockets are not served: the server answers 403 when the app returns

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.started()
                await send({"type": "lifespan.startup.complete"})
            else:  # lifespan.shutdown, the only other message
                await self.stopped()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        client = scope.get("client")
        address = client[0] if client else ""
        try:
            body = await self._read(headers, receive, started)
        except BodyError as err:
            answer = err.answer()
            self.refused(err, address, scope["method"], scope["path"], started)
        else:
            request = Request(
                scope["method"],
                scope["path"],
                scope["query_string"].decode("latin-1"),
                headers,
                address,
                body,
                started,
            )
            answer = await self.handle(request)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in answer.headers.items()
                ]
                + [(b"content-length", str(len(answer.body)).encode())],
            }
        )
        if answer.drop:
            raise _Dropped
        await send({"type": "http.response.body", "body": answer.body})

    async def _read(self, headers: Mapping[str, str], receive: Receive, started: float) -> bytes:
        """The body, at most ``max_body`` bytes. A larger one is read through and thrown
        away, up to :data:`DISCARDED` bytes more, before the 413: a client still sending
        when the connection closed could lose the answer (as nginx's lingering close)."""
        length = headers.get("content-length")
        if length is not None and "transfer-encoding" in headers:  # one of them is a lie
            raise BodyError(400, "both Content-Length and Transfer-Encoding are given")
        if length is not None and length.isdigit() and int(length) > self.max_body + DISCARDED:
            raise BodyError(413, f"the body is {int(length)} bytes; the limit is {self.max_body}")
        import asyncio  # here: the command line builds its parser from this module's limits

        parts: list[bytes] = []
        size = 0
        deadline = started + self.read_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                msg = f"the body was not sent within {self.read_timeout:g} s"
                raise BodyError(408, msg) from None
            if message["type"] == "http.disconnect":
                raise BodyError(400, "the client went away before the body ended")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.max_body:
                parts.append(chunk)
            elif size > self.max_body + DISCARDED:
                raise BodyError(413, f"the body is over the limit of {self.max_body} bytes")
            if not message.get("more_body", False):
                if size > self.max_body:
                    msg = f"the body is {size} bytes; the limit is {self.max_body}"
                    raise BodyError(413, msg)
                return b"".join(parts)
