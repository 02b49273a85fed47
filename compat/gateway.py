"""``compat gateway``: the legacy endpoints, for callers in any language.

An HTTP server that accepts ``POST .../v2/messages/sendInbox`` and
``POST .../v2/customers/message/sendByAccessToken`` (any wallet prefix),
checks the caller's signature with the merchant public key, translates the
body, sends it upstream to ``/v2/miniprogram/message/send`` through
:class:`~compat.MessageClient` (signed afresh, retried with the same
requestId, the platform's response signature checked when its key is given),
and answers in the legacy shape, signed for the caller, with ``Deprecation``
(RFC 9745), ``Sunset`` (RFC 8594) and ``Link: <...>; rel="successor-version"``
headers. Every other path gets the platform's ``INVALID_API``; every error is
answered as the platform would, never as a 500.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Optional

import attrs

from . import _json, _spec, _trace
from ._http import (
    DEFAULT_DRAIN_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_READ_TIMEOUT,
    Answer,
    App,
    BodyError,
    PlatformAnswer,
    Request,
    platform_answer,
)
from ._metrics import Metrics
from ._validate import at_least_one
from ._wire import to_wire
from .auditlog import audit_log, outcome
from .client import MessageClient, Retries
from .errors import (
    ApiError,
    CompatError,
    FieldTooLongError,
    MissingFieldError,
    TranslationError,
    ValidationError,
)
from .models import SendResponse
from .signing import RsaSigner, RsaVerifier
from .translate import TRANSLATORS, Policy, translate_response

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["READY_WITHIN", "Gateway"]

log = logging.getLogger("compat.gateway")
#: one line per call: method, path, status, result, requestId, milliseconds.
access_log = logging.getLogger("compat.gateway.access")

_TRANSLATORS: Mapping[str, Callable[[Any, Policy], Any]] = TRANSLATORS

#: ``/readyz`` is 200 when the upstream answered a call this recently (seconds), or
#: accepts a connection.
READY_WITHIN = 60.0
#: the longest requestId written to the access log (the legacy limit).
_LOGGED_ID = 128


@attrs.frozen
class _Caller:
    """An audit call site for a gateway caller: its address."""

    address: str

    def __str__(self) -> str:
        return f"gateway caller {self.address}"


@attrs.define
class _Call:
    """What one call did, for its access log line and its metrics."""

    endpoint: str = "none"
    request_id: Optional[str] = None
    #: the ``outcome`` label: ``S SUCCESS``, ``F <code>``, ``U <code>`` (the platform's
    #: answer), ``rejected`` (before sending), ``no answer``.
    outcome: str = ""
    #: the result the caller got.
    result: str = "-"
    #: seconds spent sending upstream (all attempts).
    upstream: float = 0.0


class Gateway(App):
    """The translating gateway, an ASGI application. Use it as a context manager, or
    :meth:`start` / :meth:`stop` (served by uvicorn in a thread of this process);
    ``compat gateway`` serves it in the foreground or from several processes; any ASGI
    server can serve it too (``uvicorn myapp:gateway`` for ``gateway = Gateway(...)``
    in ``myapp.py``).

    :param upstream: the new endpoint's base URL (with the wallet prefix).
    :param client_id: the merchant's Client-Id, upstream and for callers.
    :param private_key: the merchant private key (PEM): signs upstream requests
        and, unless ``response_signer`` is given, the answers to callers.
    :param caller_public_key: checks callers' signatures; by default the public
        half of ``private_key``. ``verify_callers=False`` accepts unsigned calls.
    :param platform_public_key: checks the upstream's response signatures.
    :param sunset: the ``Sunset`` date (HTTP-date or ISO 8601), if announced.
    :param deprecated_since: when the legacy endpoints were deprecated (a Unix
        time); by default when the gateway started.
    :param workers: calls sent upstream at once (the connections kept to it); more
        wait their turn. Idle and slow connections take none.
    :param max_body: the largest request body read, in bytes (larger: HTTP 413).
    :param read_timeout: seconds a caller has to send a request's head, and again its
        body.
    :param drain_timeout: seconds a stopping gateway has to answer the calls in flight.
    :param trace: send each call's legacy original along upstream for a
        sandbox's inbox page (``Compat-Legacy-Request``); by default only to a
        loopback upstream, which no wallet is.
    """

    log = log

    def __init__(
        self,
        upstream: str,
        client_id: str,
        *,
        private_key: Any = None,
        caller_public_key: Any = None,
        platform_public_key: Any = None,
        verify_callers: bool = True,
        policy: Optional[Policy] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        sunset: Optional[str] = None,
        deprecated_since: Optional[int] = None,
        workers: int = 16,
        retries: Any = 3,
        timeout: float = 15.0,
        trace: Optional[bool] = None,
        max_body: int = DEFAULT_MAX_BODY,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
    ) -> None:
        super().__init__(
            host, port, max_body=max_body, read_timeout=read_timeout, drain_timeout=drain_timeout
        )
        self.workers = at_least_one("workers", workers, "requests")
        self.client_id = client_id
        self.policy = policy if policy is not None else Policy()
        self.signer = RsaSigner(private_key) if private_key is not None else None
        verifier_key = caller_public_key
        if verifier_key is None and self.signer is not None:
            verifier_key = self.signer.public_key_pem()
        self.caller_verifier = (
            RsaVerifier(verifier_key) if verify_callers and verifier_key is not None else None
        )
        if verify_callers and self.caller_verifier is None:
            msg = "checking callers' signatures needs a key: give private_key or caller_public_key"
            raise ValueError(msg)
        self.upstream = MessageClient(
            upstream,
            client_id,
            signer=self.signer,
            verifier=RsaVerifier(platform_public_key) if platform_public_key is not None else None,
            retries=retries if isinstance(retries, Retries) else Retries(total=retries),
            timeout=timeout,
        )
        self.successor = self.upstream.base_url + _spec.SEND.path
        self.deprecation = (
            f"@{deprecated_since if deprecated_since is not None else int(time.time())}"
        )
        self.sunset = _http_date(sunset) if sunset else None
        self.trace = _trace.enabled(trace, self.upstream._origin[0])
        #: the Prometheus metrics ``GET /metrics`` serves.
        self.metrics = Metrics()
        self.upstream.on_retry = self.metrics.retried
        try:
            from ._upstream import Upstream
        except ImportError as err:
            msg = "compat gateway needs aiohttp: pip install 'compat[gateway]'"
            raise ImportError(msg, name="aiohttp") from err
        self._sender = Upstream(self.upstream, workers)
        self._answered = -float("inf")  # when the upstream last answered (monotonic)
        self._calls = 0

    @property
    def url(self) -> str:
        return self.origin

    def __repr__(self) -> str:
        return f"Gateway({self.url!r} -> {self.successor!r})"

    # -- lifecycle --------------------------------------------------------------------

    async def started(self) -> None:
        log.info(
            "compat gateway started (pid %d, %d workers) -> %s",
            os.getpid(),
            self.workers,
            self.successor,
        )

    async def stopped(self) -> None:
        await self._sender.close()
        log.info("compat gateway stopped (pid %d): %d call(s) answered", os.getpid(), self._calls)

    # -- one call -----------------------------------------------------------------------

    async def handle(self, request: Request) -> Answer:
        if request.path in _OPERATIONS:
            return await _OPERATIONS[request.path](self, request)
        call = _Call()
        answer = await self._answer(request, call)
        self._calls += 1
        self._finish(
            request.client, request.method, request.path, answer.status, call, request.started
        )
        return answer

    def refused(
        self, error: BodyError, client: str, method: str, path: str, started: float
    ) -> None:
        endpoint = _spec.endpoint_for_path(path)
        call = _Call(
            endpoint.name if endpoint is not None else "none",
            outcome="rejected",
            result=f"HTTP {error.status}",
        )
        self.metrics.rejected(call.endpoint, "body")
        self._finish(client, method, path, error.status, call, started)

    async def _answer(self, request: Request, call: _Call) -> Answer:
        """The answer to a call to a legacy path."""
        path = request.path
        endpoint = _spec.endpoint_for_path(path)
        deprecated = endpoint is not None and endpoint.deprecated
        try:
            if endpoint is None or not endpoint.deprecated:
                self.metrics.rejected("none", "no legacy API")
                raise PlatformAnswer("INVALID_API", f"no legacy API at {path}")
            call.endpoint = endpoint.name
            if request.method != "POST":
                self.metrics.rejected(endpoint.name, "method")
                raise PlatformAnswer(
                    "METHOD_NOT_SUPPORTED", f"{request.method} is not supported; use POST"
                )
            body = await self._call(endpoint, request, call)
        except PlatformAnswer as err:
            call.outcome = call.outcome or "rejected"
            body = err.body()
        call.result = f"{body['result']['resultStatus']} {body['result']['resultCode']}"
        headers = {}
        if deprecated:
            headers["Deprecation"] = self.deprecation
            headers["Link"] = f'<{self.successor}>; rel="successor-version"'
            if self.sunset:
                headers["Sunset"] = self.sunset
        return platform_answer(
            body, path, signer=self.signer, client_id=self.client_id, headers=headers
        )

    async def _call(
        self, endpoint: _spec.Endpoint, request: Request, call: _Call
    ) -> dict[str, Any]:
        caller = _Caller(request.client)
        raw = request.body
        if self.caller_verifier is not None:
            signed = self.caller_verifier.verify_signed(
                "POST",
                request.path,
                request.header("Client-Id"),
                request.headers.get("request-time"),
                request.headers.get("signature"),
                raw,
            )
            if not signed:
                audit_log().record(endpoint.name, caller, (), "F INVALID_SIGNATURE")
                self.metrics.rejected(endpoint.name, "signature")
                raise PlatformAnswer("INVALID_SIGNATURE", "the request signature does not verify")
        try:
            payload = _json.loads(raw)
        except _json.BadJSON as err:
            audit_log().record(endpoint.name, caller, (), f"invalid: {err.field or '<body>'}")
            self.metrics.rejected(endpoint.name, "json")
            raise PlatformAnswer("PARAM_ILLEGAL", f"{endpoint.name}: {err}") from None
        if isinstance(payload, dict) and isinstance(payload.get("requestId"), str):
            call.request_id = payload["requestId"]
        changes: tuple[Any, ...] = ()
        try:
            translation = _TRANSLATORS[endpoint.name](payload, self.policy)
            changes = translation.changes
            body = translation.to_wire()
            call.request_id = body["requestId"]
            headers = None
            if self.trace:
                headers = _trace.headers(request.path, "compat gateway", payload, changes)
            self.metrics.translated(endpoint.name, changes)
            sent = time.monotonic()
            try:
                response = await self._sender.send_body(body, headers)
            finally:
                call.upstream = time.monotonic() - sent
        except (ValidationError, TranslationError) as err:
            audit_log().record(endpoint.name, caller, changes, outcome(err))
            self.metrics.rejected(endpoint.name, _reason(err))
            raise PlatformAnswer("PARAM_ILLEGAL", str(err)) from None
        except ApiError as err:
            # F, or U after the retries: the caller gets the platform's result as it came
            self._answered = time.monotonic()
            result = err.result
        except CompatError as err:  # TransportError, SignatureError
            audit_log().record(endpoint.name, caller, changes, outcome(err))
            call.outcome = "no answer"
            log.warning(
                "upstream failed: %s (requestId %r): %s",
                type(err).__name__,
                call.request_id,
                err,
            )
            raise PlatformAnswer(
                "UNKNOWN_EXCEPTION",
                "the platform did not answer; call again with the same requestId",
            ) from None
        else:
            self._answered = time.monotonic()
            result = response.result
        call.outcome = outcome(result)
        audit_log().record(endpoint.name, caller, changes, call.outcome)
        if not result.succeeded:
            response = SendResponse(result)
        return to_wire(translate_response(endpoint.name, response))

    def _finish(
        self, client: str, method: str, path: str, status: int, call: _Call, started: float
    ) -> None:
        """Count an answered call and write its access log line."""
        elapsed = time.monotonic() - started
        if call.endpoint != "none":  # a legacy call, not a stray path
            self.metrics.called(call.endpoint, call.outcome, elapsed, call.upstream)
        if not access_log.isEnabledFor(logging.INFO):
            return
        ms = elapsed * 1000
        request_id = call.request_id
        if request_id is not None and len(request_id) > _LOGGED_ID:
            request_id = request_id[:_LOGGED_ID] + "…"
        access_log.info(
            "%s %s %s %d %s requestId=%s %.1fms",
            client or "-",
            method,
            path,
            status,
            call.result,
            request_id if request_id is not None else "-",
            ms,
            extra={
                "client": client,
                "method": method,
                "path": path,
                "status": status,
                "result": call.result,
                "requestId": request_id,
                "ms": round(ms, 3),
            },
        )

    # -- operations -------------------------------------------------------------------

    async def ready(self) -> bool:
        """Whether the upstream answered a call in the last :data:`READY_WITHIN` seconds,
        or, failing that, accepts a TCP connection now."""
        if time.monotonic() - self._answered <= READY_WITHIN:
            return True
        host, port, scheme = self.upstream._origin
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port or (443 if scheme == "https" else 80)), 2
            )
        except (OSError, asyncio.TimeoutError):
            return False
        writer.close()
        return True

    async def _healthz(self, request: Request) -> Answer:
        if request.method != "GET":
            return Answer.json(405, {"status": "use GET"})
        return Answer.json(200, {"status": "ok"})  # serving; the upstream is not asked

    async def _readyz(self, request: Request) -> Answer:
        if request.method != "GET":
            return Answer.json(405, {"status": "use GET"})
        if await self.ready():
            return Answer.json(200, {"status": "ready"})
        return Answer.json(503, {"status": "upstream unreachable"})

    async def _metrics(self, request: Request) -> Answer:
        if request.method != "GET":
            return Answer.json(405, {"status": "use GET"})
        content_type, text = self.metrics.exposition(request.header("Accept"))
        return Answer(200, text, {"Content-Type": content_type})


#: the operations endpoints, outside the legacy API's paths.
_OPERATIONS = {
    "/healthz": Gateway._healthz,
    "/readyz": Gateway._readyz,
    "/metrics": Gateway._metrics,
}


def _reason(err: CompatError) -> str:
    """The ``reason`` label of a call refused before sending."""
    if isinstance(err, MissingFieldError):
        return "missing field"
    if isinstance(err, FieldTooLongError):
        return "too long"
    if isinstance(err, ValidationError):
        return "invalid field"
    return "untranslatable"


def _http_date(value: str) -> str:
    """An HTTP-date from an HTTP-date or an ISO 8601 date/time."""
    import datetime

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            msg = f"sunset must be an HTTP-date or an ISO 8601 date, got {value!r}"
            raise ValueError(msg) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
    return email.utils.format_datetime(when.astimezone(datetime.timezone.utc), usegmt=True)
