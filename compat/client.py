"""``MessageClient``: sends ``POST /v2/miniprogram/message/send`` over urllib3.

Every request is checked against the spec before it is sent, signed afresh on
each attempt (new ``Request-Time``), and retried with the *same* requestId and
body when the outcome is unknown: a ``U`` result, a connection error, a
timeout, HTTP 5xx or 429. urllib3 never retries a POST by default; here it is
safe because the platform delivers a requestId at most once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Generator, Mapping
from typing import Any, Callable, Optional, Union

import attrs
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from . import _json, _spec
from ._validate import Validator, at_least_one, json_type
from ._wire import from_wire, to_wire
from .errors import (
    RequestFailed,
    ResultUnknown,
    SignatureError,
    TransportError,
    ValidationError,
)
from .models import Result, SendRequest, SendResponse
from .signing import content_to_sign, request_time

__all__ = ["DEFAULT_TIMEOUT", "MessageClient", "Retries"]

log = logging.getLogger("compat")

#: Connect within 5 s, answer within 15 s.
DEFAULT_TIMEOUT = urllib3.Timeout(connect=5.0, read=15.0)
#: Connections kept open to the platform by a client (and the threads served at once).
DEFAULT_MAXSIZE = 16

_SEND = _spec.SEND
#: the headers the client sets itself; extra headers cannot replace them.
_OWN = frozenset({"content-type", "client-id", "request-time", "signature"})

_validate_send = Validator(_SEND.name, _SEND.request, extra_keys="error")


def _non_negative(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        msg = f"Retries.{attribute.name} must be a non-negative number, got {value!r}"
        raise ValueError(msg)


@attrs.frozen
class Retries:
    """When and how long to wait before sending the same request again (immutable).

    The n-th retry waits ``min(cap, backoff * 2 ** (n - 1))``, or with jitter a
    random time between half of that and all of it; a ``Retry-After`` header
    (429, 503) is honoured up to ``retry_after_cap``. ``Retries(0)`` or
    ``retries=0`` sends once.
    """

    #: retries after the first attempt (3: four attempts in all).
    total: int = attrs.field(default=3, validator=_non_negative)
    #: the first delay, in seconds.
    backoff: float = attrs.field(default=0.25, validator=_non_negative)
    #: the longest delay between attempts, in seconds.
    cap: float = attrs.field(default=4.0, validator=_non_negative)
    #: the longest ``Retry-After`` honoured, in seconds.
    retry_after_cap: float = attrs.field(default=30.0, validator=_non_negative)
    jitter: bool = True

    def delay(self, retry: int, retry_after: Optional[float], rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first)."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        base = min(self.cap, self.backoff * 2.0 ** (retry - 1))
        return base * (0.5 + rng.random() / 2) if self.jitter else base


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


class _Retry(Exception):
    """One attempt ended without a usable answer; another may be tried."""

    def __init__(
        self,
        reason: str,
        kind: str,
        *,
        retry_after: Optional[float] = None,
        result: Any = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        #: a word for metrics: ``network``, ``HTTP 503``, ``bad answer``, ``U``.
        self.kind = kind
        self.retry_after = retry_after
        self.result = result


def network_failure(err: BaseException) -> _Retry:
    """A failed attempt that got no answer (to throw into :meth:`MessageClient.exchange`)."""
    return _Retry(_describe(err), "network")


@attrs.frozen
class Attempt:
    """One attempt of a POST: the path (prefix included), the body and the headers."""

    path: str
    payload: bytes
    headers: Mapping[str, str]


@attrs.frozen
class PlatformReply:
    """What the platform answered an attempt: status, headers (looked up without regard
    to case) and body."""

    status: int
    headers: Mapping[str, str]
    data: bytes


#: :meth:`MessageClient.exchange`: yields attempts and delays, returns the response.
Exchange = Generator[Union[Attempt, float], Optional[PlatformReply], SendResponse]


class MessageClient:
    """Sends messages to ``/v2/miniprogram/message/send``.

    :param base_url: the wallet's base URL, with its path prefix if it has one
        (``https://open.example.com/api/open``); the path signed is the full
        path requested.
    :param client_id: the ``Client-Id`` header.
    :param app_id: the appId filled into mappings that have none.
    :param signer: an :class:`~compat.RsaSigner`; ``None`` sends unsigned
        requests (for the sandbox).
    :param verifier: an :class:`~compat.RsaVerifier` with the platform's public
        key: every response's signature is then checked.
    :param timeout: seconds, or a ``urllib3.Timeout``.
    :param retries: retries after the first attempt, or a :class:`Retries`.
    :param maxsize: connections kept open to the platform (default 16). Threads
        sharing the client beyond that wait for a free connection (blocking), rather
        than opening one more and throwing it away; size it for the threads that send
        at once.
    :param pool_manager: a ``urllib3.PoolManager`` to use (not closed by
        :meth:`close`; ``maxsize`` is then its own); by default the client makes and
        owns one.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        *,
        app_id: Optional[str] = None,
        signer: Any = None,
        verifier: Any = None,
        timeout: Union[float, urllib3.Timeout] = DEFAULT_TIMEOUT,
        retries: Union[int, Retries] = 3,
        maxsize: int = DEFAULT_MAXSIZE,
        pool_manager: Optional[urllib3.PoolManager] = None,
    ) -> None:
        at_least_one("maxsize", maxsize, "connections")
        msg = f"base_url must be an http(s) URL with a host, got {base_url!r}"
        try:
            url = urllib3.util.parse_url(base_url)
        except ValueError as err:  # urllib3's LocationParseError
            raise ValueError(msg) from err
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(msg)
        if not client_id or not isinstance(client_id, str):
            msg = "client_id must be a non-empty string"
            raise ValueError(msg)
        self.base_url = base_url.rstrip("/")
        self.prefix = (url.path or "").rstrip("/")
        self.client_id = client_id
        self.app_id = app_id
        self.signer = signer
        self.verifier = verifier
        self.timeout = timeout if isinstance(timeout, urllib3.Timeout) else urllib3.Timeout(timeout)
        self.retries = retries if isinstance(retries, Retries) else Retries(total=retries)
        self._owns_pool = pool_manager is None
        self._pool = pool_manager or urllib3.PoolManager(
            num_pools=4, maxsize=maxsize, block=True, retries=False
        )
        self._origin = (url.host, url.port, url.scheme)
        #: the host's connection pool, once looked up, when the pool manager is the
        #: client's own (nothing else clears it; one host never leaves it)
        self._host_pool: Optional[urllib3.HTTPConnectionPool] = None
        self._random = random.Random()
        self._sleep: Callable[[float], None] = time.sleep
        #: called with the kind of each failed attempt that is retried (for metrics).
        self.on_retry: Optional[Callable[[str], None]] = None

    def __repr__(self) -> str:
        signed = "signed" if self.signer is not None else "unsigned"
        return f"MessageClient({self.base_url!r}, client_id={self.client_id!r}, {signed})"

    def __enter__(self) -> MessageClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections (only of a pool manager the client made)."""
        if self._owns_pool:
            self._pool.clear()
            self._host_pool = None

    # -- sending ---------------------------------------------------------------

    def body(self, request: object) -> dict[str, Any]:
        """The checked wire body of ``request`` (a model, or a mapping with wire keys)."""
        if isinstance(request, SendRequest):
            body = to_wire(request)
        elif isinstance(request, Mapping):
            body = dict(request)
            if body.get("appId") is None and self.app_id is not None:
                body["appId"] = self.app_id
        else:
            msg = f"send: the request must be a SendRequest or a mapping, got {json_type(request)}"
            raise ValidationError(msg, endpoint=_SEND.name, field="<body>")
        _validate_send(body)
        return body

    def send(
        self,
        request: Union[SendRequest, Mapping[str, Any]],
        *,
        headers: Optional[Mapping[str, str]] = None,
    ) -> SendResponse:
        """Send one message; return the platform's response when it says ``S``.

        ``headers`` are sent with every attempt, below the client's own
        (``Content-Type``, ``Client-Id``, ``Request-Time``, ``Signature``).

        Raises :class:`~compat.ValidationError` before anything is sent,
        :class:`~compat.RequestFailed` for ``F`` (at once),
        :class:`~compat.ResultUnknown` for ``U`` and
        :class:`~compat.TransportError` for network failures once the retries
        are spent. The last two carry the requestId: sending the same request
        again later is safe.
        """
        return self._send_body(self.body(request), headers)

    def _send_body(
        self, body: dict[str, Any], headers: Optional[Mapping[str, str]]
    ) -> SendResponse:
        """Send a checked wire body (:meth:`send`'s, or a translation's: checked already)."""
        payload = _json.dumps(body)  # checked: no field the table lacks, no lone surrogate
        return self.post(_SEND.path, payload, request_id=body["requestId"], headers=headers)

    def post(
        self,
        path: str,
        payload: bytes,
        *,
        request_id: str,
        headers: Optional[Mapping[str, str]] = None,
    ) -> SendResponse:
        """POST already-checked JSON bytes to ``path`` (below the prefix), with retries."""
        signed_path = self.prefix + path
        try:  # the first attempt straight; the exchange takes over if it is to be retried
            reply = self._transfer(self._attempt(signed_path, payload, headers))
            return self._answered(reply, signed_path, request_id, 1)
        except _Retry as failed:
            steps = self.exchange(
                path, payload, request_id=request_id, headers=headers, failed=failed
            )
        try:
            step = next(steps)
            while True:
                if isinstance(step, Attempt):
                    try:
                        answer = self._transfer(step)
                    except _Retry as err:
                        step = steps.throw(err)
                        continue
                    step = steps.send(answer)
                else:
                    self._sleep(step)
                    step = next(steps)
        except StopIteration as done:
            response: SendResponse = done.value
            return response

    def exchange(
        self,
        path: str,
        payload: bytes,
        *,
        request_id: str,
        headers: Optional[Mapping[str, str]] = None,
        failed: Optional[_Retry] = None,
    ) -> Exchange:
        """One POST with its retries, the input and output left to the caller (the
        synchronous :meth:`post`, or the gateway's event loop): yields an :class:`Attempt`
        to send, to be answered with its :class:`PlatformReply` (``send``) or with a
        network failure (``throw`` of :func:`network_failure`), or seconds to wait;
        returns the final response or raises as :meth:`send` does. ``failed``: how the
        first attempt, made by the caller, ended (the exchange starts at the retry)."""
        signed_path = self.prefix + path
        attempts = self.retries.total + 1
        retry = failed
        for attempt in range(1 if failed is None else 2, attempts + 1):
            if retry is not None:
                delay = self.retries.delay(attempt - 1, retry.retry_after, self._random)
                log.debug(
                    "POST %s requestId=%r: %s; retry %d/%d in %.3fs",
                    signed_path,
                    request_id,
                    retry.reason,
                    attempt - 1,
                    attempts - 1,
                    delay,
                )
                if self.on_retry is not None:
                    self.on_retry(retry.kind)
                yield delay
            try:
                reply = yield self._attempt(signed_path, payload, headers)
                assert reply is not None, "an attempt is answered with its reply"
                return self._answered(reply, signed_path, request_id, attempt)
            except _Retry as err:
                retry = err
        assert retry is not None
        return self._give_up(retry, signed_path, request_id, attempts)

    def _attempt(self, path: str, payload: bytes, headers: Optional[Mapping[str, str]]) -> Attempt:
        return Attempt(path, payload, self._headers(path, payload, headers))

    def _answered(
        self, reply: PlatformReply, path: str, request_id: str, attempt: int
    ) -> SendResponse:
        """The final response to an attempt, else :class:`_Retry`."""
        response = self._judge_reply(reply, path, request_id)
        log.debug(
            "POST %s requestId=%r attempt %d: %s %s",
            path,
            request_id,
            attempt,
            response.result.result_status,
            response.result.result_code,
        )
        return response

    def _give_up(self, retry: _Retry, path: str, request_id: str, attempts: int) -> SendResponse:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(retry.result, Result):
            msg = (
                f"send: the outcome is unknown after {tries} ({retry.reason}); send again "
                f"later with the same requestId {request_id!r}"
            )
            raise ResultUnknown(msg, result=retry.result, request_id=request_id)
        msg = (
            f"send: POST {path} failed after {tries}: {retry.reason}; the message may or may "
            f"not have been delivered: send again later with the same requestId {request_id!r}"
        )
        raise TransportError(msg, request_id=request_id)

    def _headers(
        self, path: str, payload: bytes, extra: Optional[Mapping[str, str]]
    ) -> dict[str, str]:
        own = {
            "Content-Type": "application/json; charset=UTF-8",
            "Client-Id": self.client_id,
            "Request-Time": request_time(),
        }
        if extra:
            headers = {k: v for k, v in extra.items() if k.lower() not in _OWN}
            headers.update(own)
        else:
            headers = own
        if self.signer is not None:
            content = content_to_sign(
                "POST", path, self.client_id, headers["Request-Time"], payload
            )
            headers["Signature"] = self.signer.signature_header(content)
        return headers

    def _transfer(self, attempt: Attempt) -> PlatformReply:
        """Send one attempt over urllib3."""
        connections = self._host_pool
        try:
            if connections is None:
                connections = self._pool.connection_from_host(*self._origin)
                if self._owns_pool:
                    self._host_pool = connections
            # straight to the host's connection pool: the URL is known to be this host's
            answer = connections.urlopen(
                "POST",
                attempt.path,
                body=attempt.payload,
                headers=attempt.headers,
                timeout=self.timeout,
                retries=False,
                redirect=False,
                assert_same_host=False,
            )
        except Urllib3Error as err:
            raise network_failure(err) from err
        return PlatformReply(answer.status, answer.headers, answer.data)

    def _judge_reply(self, reply: PlatformReply, path: str, request_id: str) -> SendResponse:
        """The response when final, else :class:`_Retry`."""
        status = reply.status
        if status == 429 or status >= 500:
            raise _Retry(
                f"HTTP {status}",
                f"HTTP {status}",
                retry_after=_retry_after(reply.headers.get("Retry-After")),
            )
        raw = reply.data
        try:
            data = _json.loads(raw)
        except ValueError as err:
            if status != 200:
                result = Result("F", f"HTTP_{status}", f"HTTP {status} without a JSON body")
                msg = f"send: POST {path} answered HTTP {status} without a result"
                raise RequestFailed(msg, result=result, request_id=request_id) from err
            raise _Retry("an answer that is not JSON", "bad answer") from err
        if self.verifier is not None:
            self._verify(reply.headers, path, raw, request_id)
        try:
            response = from_wire(data, SendResponse)
        except ValidationError as err:
            raise _Retry(f"an answer without a valid result ({err})", "bad answer") from err
        return self._judge(response, path, request_id)

    def _judge(self, response: SendResponse, path: str, request_id: str) -> SendResponse:
        result = response.result
        status = result.result_status
        if status in ("S", "A"):
            return response
        detail = f"{result.result_code}" + (
            f": {result.result_message}" if result.result_message else ""
        )
        if status == "U":
            raise _Retry(f"U {detail}", "U", result=result)
        msg = f"send: the platform answered F {detail} (requestId {request_id!r})"
        raise RequestFailed(msg, result=result, request_id=request_id)

    def _verify(self, headers: Mapping[str, str], path: str, raw: bytes, request_id: str) -> None:
        header = headers.get("Signature")
        time_ = headers.get("Response-Time")
        client_id = headers.get("Client-Id", self.client_id)
        if not header or not time_:
            msg = (
                f"send: the response to POST {path} is not signed (no Signature or "
                f"Response-Time header) but a platform key is configured; requestId {request_id!r}"
            )
            raise SignatureError(msg, request_id=request_id)
        if not self.verifier.verify_signed("POST", path, client_id, time_, header, raw):
            msg = (
                f"send: the response signature to POST {path} does not verify with the "
                f"platform public key; requestId {request_id!r}"
            )
            raise SignatureError(msg, request_id=request_id)


def _describe(err: BaseException) -> str:
    """A short reason for a network failure, without anything from the request."""
    cause = err.args[1] if len(err.args) > 1 and isinstance(err.args[1], Exception) else None
    return f"{type(err).__name__} ({type(cause).__name__})" if cause else type(err).__name__
