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

import email.utils
import logging
import socket
import threading
import time
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Optional

import attrs

from . import _json, _spec, _trace
from ._http import DEFAULT_MAX_BODY, BodyError, Handler, PlatformAnswer
from ._validate import at_least_one
from ._wire import to_wire
from .auditlog import audit_log, outcome
from .client import MessageClient, Retries
from .errors import ApiError, CompatError, TranslationError, ValidationError
from .models import SendResponse
from .signing import (
    RsaSigner,
    RsaVerifier,
    content_to_sign,
    request_time,
)
from .translate import (
    TRANSLATORS,
    Policy,
    translate_response,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Gateway"]

log = logging.getLogger("compat.gateway")

_TRANSLATORS: Mapping[str, Callable[[Any, Policy], Any]] = TRANSLATORS


#: Paths of the operations endpoints, outside the legacy API's.
_OPERATIONS = ("/healthz", "/readyz")
#: ``/readyz`` is 200 when the upstream answered a call this recently (seconds), or
#: accepts a connection.
READY_WITHIN = 60.0


@attrs.frozen
class _Caller:
    """An audit call site for a gateway caller: its address."""

    address: str

    def __str__(self) -> str:
        return f"gateway caller {self.address}"


class _BoundedServer(ThreadingHTTPServer):
    """A threaded HTTP server that serves at most ``workers`` requests at once."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any, workers: int) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(workers)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.slots.acquire()  # when all workers are busy, the next accept waits
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class Gateway:
    """The translating gateway. Use it as a context manager, or :meth:`start` / :meth:`stop`.

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
    :param workers: requests served at once (the upstream pool has as many).
    :param max_body: the largest request body read, in bytes (larger: HTTP 413).
    :param trace: send each call's legacy original along upstream for a
        sandbox's inbox page (``Compat-Legacy-Request``); by default only to a
        loopback upstream, which no wallet is.
    """

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
    ) -> None:
        at_least_one("workers", workers, "requests")
        self.client_id = client_id
        self.policy = policy if policy is not None else Policy()
        self.host, self.port = host, port
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
            maxsize=workers,
        )
        self.successor = self.upstream.base_url + _spec.SEND.path
        self.deprecation = (
            f"@{deprecated_since if deprecated_since is not None else int(time.time())}"
        )
        self.sunset = _http_date(sunset) if sunset else None
        self.workers = workers
        self.max_body = at_least_one("max_body", max_body, "bytes")
        self.trace = _trace.enabled(trace, self.upstream._origin[0])
        self._answered = -float("inf")  # when the upstream last answered (monotonic)
        self._server: Optional[_BoundedServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Gateway:
        gateway = self

        class Handler(_Handler):
            pass

        Handler.gateway = gateway
        server = _BoundedServer((self.host, self.port), Handler, self.workers)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
        self.upstream._pool.clear()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Gateway({self.url!r} -> {self.successor!r})"

    # -- one call -----------------------------------------------------------------------

    def handle(self, handler: _Handler, method: str) -> None:
        path = handler.path.split("?", 1)[0]
        try:
            raw = handler.read_body(self.max_body)
        except BodyError as err:
            handler.send_error_body(err)
            return
        if path in _OPERATIONS:
            self._operations(handler, method, path)
            return
        endpoint = _spec.endpoint_for_path(path)
        caller = _Caller(handler.client_address[0])
        try:
            if endpoint is None or not endpoint.deprecated:
                raise PlatformAnswer("INVALID_API", f"no legacy API at {path}")
            if method != "POST":
                raise PlatformAnswer("METHOD_NOT_SUPPORTED", f"{method} is not supported; use POST")
            answer = self._call(endpoint, handler, path, raw, caller)
        except PlatformAnswer as err:
            answer = err.body()
        self._reply(handler, path, answer, deprecated=endpoint is not None and endpoint.deprecated)

    # -- operations -------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether the upstream answered a call in the last :data:`READY_WITHIN` seconds,
        or, failing that, accepts a TCP connection now."""
        if time.monotonic() - self._answered <= READY_WITHIN:
            return True
        host, port, scheme = self.upstream._origin
        try:
            with socket.create_connection(
                (host, port or (443 if scheme == "https" else 80)), timeout=2
            ):
                return True
        except OSError:
            return False

    def _operations(self, handler: _Handler, method: str, path: str) -> None:
        if method != "GET":
            status, state = 405, "use GET"
        elif path == "/healthz":  # serving; the upstream is not asked
            status, state = 200, "ok"
        else:
            status, state = (200, "ready") if self.ready() else (503, "upstream unreachable")
        body = _json.dumps({"status": state})
        handler.send_body(status, body, {"Content-Type": "application/json"})

    def _call(
        self,
        endpoint: _spec.Endpoint,
        handler: _Handler,
        path: str,
        raw: bytes,
        caller: _Caller,
    ) -> dict[str, Any]:
        if self.caller_verifier is not None:
            signed = self.caller_verifier.verify_signed(
                "POST",
                path,
                handler.headers.get("Client-Id", ""),
                handler.headers.get("Request-Time"),
                handler.headers.get("Signature"),
                raw,
            )
            if not signed:
                audit_log().record(endpoint.name, caller, (), "F INVALID_SIGNATURE")
                raise PlatformAnswer("INVALID_SIGNATURE", "the request signature does not verify")
        try:
            payload = _json.loads(raw)
        except _json.BadJSON as err:
            audit_log().record(endpoint.name, caller, (), f"invalid: {err.field or '<body>'}")
            raise PlatformAnswer("PARAM_ILLEGAL", f"{endpoint.name}: {err}") from None
        changes: tuple[Any, ...] = ()
        try:
            translation = _TRANSLATORS[endpoint.name](payload, self.policy)
            changes = translation.changes
            headers = None
            if self.trace:
                headers = _trace.headers(path, "compat gateway", payload, changes)
            response = self.upstream._send_body(translation.to_wire(), headers)
        except (ValidationError, TranslationError) as err:
            audit_log().record(endpoint.name, caller, changes, outcome(err))
            raise PlatformAnswer("PARAM_ILLEGAL", str(err)) from None
        except ApiError as err:
            # F, or U after the retries: the caller gets the platform's result as it came
            self._answered = time.monotonic()
            result = err.result
        except CompatError as err:  # TransportError, SignatureError
            audit_log().record(endpoint.name, caller, changes, outcome(err))
            request_id = getattr(err, "request_id", None)
            log.warning("upstream failed: %s (requestId %r)", type(err).__name__, request_id)
            raise PlatformAnswer(
                "UNKNOWN_EXCEPTION",
                "the platform did not answer; call again with the same requestId",
            ) from None
        else:
            self._answered = time.monotonic()
            result = response.result
        audit_log().record(endpoint.name, caller, changes, outcome(result))
        if not result.succeeded:
            response = SendResponse(result)
        return to_wire(translate_response(endpoint.name, response))

    def _reply(
        self, handler: _Handler, path: str, answer: dict[str, Any], *, deprecated: bool
    ) -> None:
        body = _json.dumps(answer)
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if self.signer is not None:
            when = request_time()
            content = content_to_sign("POST", path, self.client_id, when, body)
            headers.update(
                {
                    "Client-Id": self.client_id,
                    "Response-Time": when,
                    "Signature": self.signer.signature_header(content),
                }
            )
        if deprecated:
            headers["Deprecation"] = self.deprecation
            headers["Link"] = f'<{self.successor}>; rel="successor-version"'
            if self.sunset:
                headers["Sunset"] = self.sunset
        handler.send_body(200, body, headers)


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


class _Handler(Handler):
    gateway: Gateway
    log = log

    def do_POST(self) -> None:
        self.gateway.handle(self, "POST")

    def do_GET(self) -> None:
        self.gateway.handle(self, "GET")
