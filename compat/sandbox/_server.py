"""The embedded platform: a real HTTP server on 127.0.0.1 that speaks the message APIs."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import itertools
import json
import logging
import random
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Optional, Union

import attrs

from .. import _json, _spec, _trace
from .._http import DEFAULT_MAX_BODY, Answer, App, PlatformAnswer, Request, platform_answer
from .._validate import Validator, at_least_one
from ..errors import ValidationError
from ..models import mask_body
from ..signing import parse_signature_header, request_time
from . import _inbox
from ._inbox import TemplateRegistry

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

__all__ = ["DEFAULT_MAX_MESSAGES", "Faults", "Sandbox", "mask_body"]

#: Messages a sandbox keeps (about 4 KB each); the oldest go first.
DEFAULT_MAX_MESSAGES = 10_000

log = logging.getLogger("compat.sandbox")

_INSPECT = "/_sandbox/"


def _rate(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        msg = f"Faults.{attribute.name} must be a rate between 0 and 1, got {value!r}"
        raise ValueError(msg)


@attrs.frozen
class Faults:
    """Failures to inject, each a rate between 0 and 1 (drawn from the sandbox's seed)."""

    #: answer U (UNKNOWN_EXCEPTION) *after* storing the message: the acknowledgement is lost.
    unknown_after_store: float = attrs.field(default=0.0, validator=_rate)
    #: answer HTTP 500 *before* storing anything.
    error_before_store: float = attrs.field(default=0.0, validator=_rate)
    #: close the connection without an answer *after* storing the message.
    drop_after_store: float = attrs.field(default=0.0, validator=_rate)
    #: seconds to wait before every answer.
    delay: float = attrs.field(default=0.0)


@attrs.define
class _Message:
    endpoint: str
    path: str
    request_id: Optional[str]
    message_id: Optional[str]
    canonical: str
    body: dict[str, Any]
    answer: dict[str, Any]
    count: int = 1
    first: str = ""
    last: str = ""
    #: the legacy original, when a shim sent it along (:mod:`compat._trace`).
    legacy: Optional[dict[str, Any]] = None
    #: its place in the store (1, 2, ...): the cursor of ``?after=``
    seq: int = 0
    key: tuple[str, str] = ("", "")

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "endpoint": self.endpoint,
            "path": self.path,
            "requestId": self.request_id,
            "messageId": self.message_id,
            "body": mask_body(self.body),
            "count": self.count,
            "firstReceived": self.first,
            "lastReceived": self.last,
            "legacy": self.legacy,
        }


class Sandbox(App):
    """A local Mini Program message platform.

    Serves ``POST /v2/miniprogram/message/send`` and the two legacy endpoints
    under ``prefix``, validating each body against the spec and answering as
    the platform does; stores each accepted message once per requestId. Use it
    as a context manager, or :meth:`start` and :meth:`stop`.

    :param port: 0 picks a free port.
    :param prefix: a wallet path prefix, e.g. ``"/api/open"``.
    :param client_id: when set, other ``Client-Id`` headers get ``INVALID_CLIENT``.
    :param merchant_public_key: when set, request signatures are verified
        (``INVALID_SIGNATURE`` otherwise).
    :param platform_private_key: when set, responses are signed.
    :param access_tokens: when set, other tokens get ``INVALID_ACCESS_TOKEN``.
    :param faults: failures to inject; :param seed: makes them repeatable.
    :param strict: unknown body fields are ``PARAM_ILLEGAL`` (default).
    :param max_body: the largest request body read, in bytes (larger: HTTP 413).
    :param max_messages: messages (and requests) kept; beyond, the oldest go first
        (a requestId is then recognised only while its message is kept). Counts
        stay exact.
    :param templates: texts to show messages with on the inbox page
        (``GET /_sandbox/``): a mapping of templateCode -> language -> text with
        ``${name}`` placeholders, or the path of such a JSON file.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        prefix: str = "",
        client_id: Optional[str] = None,
        merchant_public_key: Any = None,
        platform_private_key: Any = None,
        access_tokens: Optional[set[str]] = None,
        faults: Faults = Faults(),
        seed: int = 0,
        strict: bool = True,
        templates: Union[TemplateRegistry, Mapping[str, Any], str, os.PathLike[str], None] = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_messages: int = DEFAULT_MAX_MESSAGES,
    ) -> None:
        super().__init__(host, port, max_body=max_body)
        at_least_one("max_messages", max_messages, "messages")
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            msg = f"prefix must start with / and not end with one, got {prefix!r}"
            raise ValueError(msg)
        self.prefix = prefix
        self.client_id = client_id
        self.faults = faults
        self.seed = seed
        self.access_tokens = set(access_tokens) if access_tokens is not None else None
        self.templates = TemplateRegistry.load(templates)
        self._verifier = None
        self._signer = None
        if merchant_public_key is not None:
            from ..signing import RsaVerifier

            self._verifier = RsaVerifier(merchant_public_key)
        if platform_private_key is not None:
            from ..signing import RsaSigner

            self._signer = RsaSigner(platform_private_key)
        extra = "error" if strict else "allow"
        self._validators = {
            e.path: Validator(e.name, e.request, extra_keys=extra) for e in _spec.ENDPOINTS.values()
        }
        self._endpoints = {e.path: e for e in _spec.ENDPOINTS.values()}
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._messages: dict[tuple[str, str], _Message] = {}
        self.max_messages = max_messages
        self._log: collections.deque[_Message] = collections.deque()
        self._requests: collections.deque[dict[str, Any]] = collections.deque(maxlen=max_messages)
        self._accepted = 0  # messages stored since the last reset, kept or not
        self._recipients: set[bytes] = set()  # digests: exact counts, no tokens kept
        self._sequence = 0
        self._version = 0  # moves whenever the inbox page would change

    # -- lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give a client, prefix included."""
        return self.origin + self.prefix

    def __repr__(self) -> str:
        return f"Sandbox({self.url!r})"

    # -- inspection --------------------------------------------------------------

    def messages(self, *, after: int = 0, limit: Optional[int] = None) -> list[dict[str, Any]]:
        """The accepted messages kept, oldest first, tokens masked: those after the
        ``seq`` ``after``, at most ``limit`` of them."""
        with self._lock:
            start = max(0, after - self._log[0].seq + 1) if self._log else 0
            end = len(self._log) if limit is None else start + limit
            return [m.to_json() for m in itertools.islice(self._log, start, end)]

    @property
    def total(self) -> int:
        """Messages accepted since the start (or the last reset), the forgotten included."""
        return self._accepted

    def requests(self) -> list[dict[str, Any]]:
        """Every request received, rejected ones included, oldest first."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def reset(self) -> int:
        """Forget every message and request; returns how many messages there were."""
        with self._lock:
            count = self._accepted
            self._messages.clear()
            self._log.clear()
            self._requests.clear()
            self._accepted = 0
            self._recipients.clear()
            self._version += 1
            return count

    # -- handling ----------------------------------------------------------------

    def _draw(self) -> float:
        with self._lock:
            return self._random.random()

    async def handle(self, request: Request) -> Answer:
        method, path = request.method, request.path
        if path.startswith(_INSPECT):
            return self._inspect(request, method, path)
        if path in ("/", _INSPECT.rstrip("/")) and method == "GET":  # to the inbox page
            return Answer(302 if path == "/" else 301, b"", {"Location": _INSPECT})
        record: dict[str, Any] = {
            "method": method,
            "path": path,
            "endpoint": None,
            "requestId": None,
            "time": request_time(),
        }
        try:
            answer, message = await self._process(request, record)
        except PlatformAnswer as err:
            if err.status != 200:
                record.update(httpStatus=err.status, fault="error_before_store")
                self._record(record)
                return Answer(err.status, b"Internal Server Error", {"Content-Type": "text/plain"})
            answer = err.body()
            message = None
        drop = False
        if message is not None:
            if self._draw() < self.faults.drop_after_store:
                drop = True
            elif self._draw() < self.faults.unknown_after_store:
                record["fault"] = "unknown_after_store"
                answer = {"result": _spec.result("UNKNOWN_EXCEPTION", "unknown exception")}
        client_id = self.client_id or request.header("Client-Id")
        reply = platform_answer(answer, path, signer=self._signer, client_id=client_id)
        if drop:  # the head goes out, then the connection closes before the body
            record.update(httpStatus=None, fault="drop_after_store")
            self._record(record)
            return attrs.evolve(reply, drop=True)
        result = answer["result"]
        record.update(
            httpStatus=200, resultStatus=result["resultStatus"], resultCode=result["resultCode"]
        )
        self._record(record)
        return reply

    def _record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(record)

    async def _process(
        self, request: Request, record: dict[str, Any]
    ) -> tuple[dict[str, Any], Optional[_Message]]:
        method, path, raw = request.method, request.path, request.body
        if not path.startswith(self.prefix + "/"):
            raise PlatformAnswer("INVALID_API", f"no API at {path}")
        relative = path[len(self.prefix) :]
        endpoint = self._endpoints.get(relative)
        if endpoint is None:
            raise PlatformAnswer("INVALID_API", f"no API at {path}")
        record["endpoint"] = endpoint.name
        if method != "POST":
            raise PlatformAnswer("METHOD_NOT_SUPPORTED", f"{method} is not supported; use POST")
        if self.faults.delay:
            await asyncio.sleep(self.faults.delay)
        if self._draw() < self.faults.error_before_store:
            raise PlatformAnswer("", "injected server error", status=500)
        content_type = request.header("Content-Type")
        if "application/json" not in content_type.lower():
            raise PlatformAnswer(
                "MEDIA_TYPE_NOT_ACCEPTABLE", "Content-Type must be application/json"
            )
        client_id = request.header("Client-Id")
        if self.client_id is not None and client_id != self.client_id:
            raise PlatformAnswer("INVALID_CLIENT", "unknown Client-Id")
        if self._verifier is not None:
            self._check_signature(request, client_id)
        try:
            body = _json.loads(raw)
        except _json.BadJSON as err:
            raise PlatformAnswer("PARAM_ILLEGAL", f"{endpoint.name}: {err}") from None
        if not isinstance(body, dict):
            raise PlatformAnswer("PARAM_ILLEGAL", "the body must be a JSON object")
        record["requestId"] = body.get("requestId")
        try:
            self._validators[endpoint.path](body)
        except ValidationError as err:
            raise PlatformAnswer("PARAM_ILLEGAL", str(err)) from None
        if self.access_tokens is not None and body["accessToken"] not in self.access_tokens:
            raise PlatformAnswer("INVALID_ACCESS_TOKEN", "the access token is invalid")
        legacy = _trace.decode(request.headers.get(_trace.HEADER.lower()))
        return self._store(endpoint, path, body, legacy)

    def _check_signature(self, request: Request, client_id: str) -> None:
        assert self._verifier is not None
        path, raw = request.path, request.body
        header = request.header("Signature")
        when = request.header("Request-Time")
        if not header or not when or parse_signature_header(header).get("algorithm") != "RSA256":
            raise PlatformAnswer("INVALID_SIGNATURE", "missing Signature or Request-Time header")
        if not self._verifier.verify_signed("POST", path, client_id, when, header, raw):
            raise PlatformAnswer("INVALID_SIGNATURE", "the signature does not verify")

    def _store(
        self,
        endpoint: _spec.Endpoint,
        path: str,
        body: dict[str, Any],
        legacy: Optional[dict[str, Any]],
    ) -> tuple[dict[str, Any], Optional[_Message]]:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        request_id = body.get("requestId")
        now = request_time()
        with self._lock:
            self._sequence += 1
            key = (endpoint.name, request_id if request_id is not None else f"#{self._sequence}")
            message = self._messages.get(key)
            if message is not None:
                if message.canonical != canonical:
                    raise PlatformAnswer(
                        "REPEAT_REQ_INCONSISTENT",
                        f"requestId {request_id!r} was used before with a different request",
                    )
                message.count += 1
                message.last = now
                self._version += 1
                return message.answer, message
            message_id = None
            answer: dict[str, Any] = {"result": _spec.result("SUCCESS", "success")}
            if "messageId" in endpoint.response.by_wire:
                message_id = f"{self.seed:04d}{self._sequence:016d}"
                answer["messageId"] = message_id
            message = _Message(
                endpoint.name, path, request_id, message_id, canonical, body, answer, 1, now, now
            )
            message.legacy = legacy
            self._accepted += 1
            message.seq, message.key = self._accepted, key
            self._messages[key] = message
            self._version += 1
            self._log.append(message)
            token = str(body.get("accessToken")).encode("utf-8")
            self._recipients.add(hashlib.blake2b(token, digest_size=16).digest())
            if len(self._log) > self.max_messages:
                del self._messages[self._log.popleft().key]
            return answer, message

    def inbox_page(self) -> str:
        """The inbox page's HTML, as ``GET /_sandbox/`` serves it."""
        return _inbox.page(self._inbox(), self.templates)

    def _inbox(self) -> _inbox.Inbox:
        with self._lock:
            return _inbox.Inbox(
                [
                    (m.body.get("accessToken"), m.to_json())
                    for m in itertools.islice(
                        self._log, max(0, len(self._log) - _inbox.SHOWN), None
                    )
                ],
                self._accepted,
                len(self._recipients),
                self._version,
            )

    def _inspect(self, request: Request, method: str, path: str) -> Answer:
        name = path[len(_INSPECT) :].strip("/")
        if method == "GET" and name in _PAGES:
            return self._page(name)
        if name == "messages" and method == "GET":
            try:
                after, limit = _paging(request.query)
            except ValueError as err:
                return Answer.json(400, {"error": str(err)})
            page = self.messages(after=after, limit=None if limit is None else limit + 1)
            more = limit is not None and len(page) > limit
            page = page[:limit] if more else page
            payload: dict[str, Any] = {
                "messages": page,
                "total": self.total,
                "kept": len(self._log),
                "next": page[-1]["seq"] if more else None,
            }
        elif name == "requests" and method == "GET":
            payload = {"requests": self.requests()}
        elif name == "messages" and method == "DELETE":
            payload = {"deleted": self.reset()}
        else:
            return Answer.json(404, {"error": "not found"})
        return Answer.json(200, payload)

    def _page(self, name: str) -> Answer:
        headers = dict(_inbox.PAGE_HEADERS)
        static = _PAGES[name]
        if static is not None:  # the script, the style
            headers["Content-Type"], text = static
        elif name == "inbox/version":  # polled every second: no snapshot
            with self._lock:
                text = json.dumps({"version": self._version})
            headers["Content-Type"] = "application/json"
        else:
            inbox = self._inbox()
            headers["Content-Type"] = "text/html; charset=utf-8"
            if name == "inbox/messages":
                text = _inbox.fragment(inbox, self.templates)
                headers["Compat-Inbox-Version"] = str(inbox.version)
            else:
                text = _inbox.page(inbox, self.templates)
        return Answer(200, text.encode("utf-8"), headers)


#: what ``GET /_sandbox/NAME`` serves: the page, its script and style, and its live state.
_PAGES: dict[str, Optional[tuple[str, str]]] = {
    "": None,
    "inbox.js": ("text/javascript; charset=utf-8", _inbox.SCRIPT),
    "inbox.css": ("text/css; charset=utf-8", _inbox.STYLE),
    "inbox/version": None,
    "inbox/messages": None,
}


def _paging(query_string: str) -> tuple[int, Optional[int]]:
    """``?after=SEQ&limit=N`` of an inspection request."""
    query = urllib.parse.parse_qs(query_string)
    values = {}
    for name, low in (("after", 0), ("limit", 1)):
        if name in query:
            text = query[name][-1]
            if not text.isdigit() or int(text) < low:
                msg = f"{name} must be a whole number, {low} or more, got {text!r}"
                raise ValueError(msg)
            values[name] = int(text)
    return values.get("after", 0), values.get("limit")
