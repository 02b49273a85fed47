"""The drop-in shim: legacy calls keep working, on the new endpoint, and say so.

``LegacyClient`` has the legacy methods; ``TranslatingPoolManager`` is a
urllib3 ``PoolManager`` for code that posts to the legacy paths itself. Both
translate each call with a :class:`~compat.Policy`, send it to
``/v2/miniprogram/message/send``, answer in the legacy shape, warn with
:class:`~compat.LegacyEndpointWarning` at the caller's line, and record the call
in :func:`compat.audit_log`.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Union

import urllib3
from typing_extensions import deprecated
from urllib3.util import parse_url

from . import _json, _spec, _trace
from ._warn import CallSite, warn
from ._wire import from_wire, to_wire
from .auditlog import audit_log, outcome
from .client import MessageClient
from .errors import (
    CompatError,
    LegacyEndpointWarning,
    SignatureError,
    TranslationError,
    ValidationError,
)
from .models import (
    ContentTemplate,
    SendByAccessTokenRequest,
    SendByAccessTokenResponse,
    SendInboxRequest,
    SendInboxResponse,
    SendResponse,
)
from .signing import content_to_sign, request_time
from .translate import (
    TRANSLATORS,
    Policy,
    Translation,
    translate_response,
)

__all__ = ["LegacyClient", "TranslatingPoolManager", "deprecation_message"]

_NEW = _spec.SEND
_TRANSLATORS: Mapping[str, Callable[[Any, Policy], Translation]] = TRANSLATORS
_URLLIB3_DIR = os.path.dirname(os.path.abspath(urllib3.__file__)) + os.sep

Templates = Sequence[Union[ContentTemplate, Mapping[str, Any]]]


def deprecation_message(endpoint: str) -> str:
    """What a deprecated call is told: the endpoint, its replacement, what to run.

    The text is the one on the method's ``@deprecated`` (type checkers read it
    there, and only as a literal); tests check it against the spec's paths.
    """
    method = _spec.LEGACY_ENDPOINTS[endpoint].shim_method
    if method is None or not hasattr(LegacyClient, method):  # reached through post() only
        path = _spec.LEGACY_ENDPOINTS[endpoint].path
        return (
            f"{endpoint} (POST {path}) is deprecated; use POST {_NEW.path} "
            "(compat.MessageClient.send) instead. Run `compat migrate` to rewrite this call."
        )
    message: str = getattr(LegacyClient, method).__deprecated__
    return message


class LegacyClient:
    """The legacy message methods, served by ``/v2/miniprogram/message/send``.

    Takes the options of :class:`~compat.MessageClient` (``signer``,
    ``verifier``, ``timeout``, ``retries``, ``pool_manager``, ``app_id``) and
    a :class:`~compat.Policy` for the translation. Each call is checked against
    the legacy limits first (a legacy caller gets the error it would have got),
    translated, sent, and answered in the legacy shape. Errors are those of the
    contract: ``ValidationError``, ``TranslationError``, ``RequestFailed``,
    ``ResultUnknown``, ``TransportError``.

    ``trace``: send each call's legacy original along (the
    ``Compat-Legacy-Request`` header) for a sandbox's inbox page to show;
    by default only to a loopback host, which no wallet is.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        *,
        policy: Optional[Policy] = None,
        trace: Optional[bool] = None,
        **options: Any,
    ) -> None:
        self.policy = policy if policy is not None else Policy()
        self.client = MessageClient(base_url, client_id, **options)
        self.trace = _trace.enabled(trace, self.client._origin[0])

    def __enter__(self) -> LegacyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"LegacyClient({self.client.base_url!r}, client_id={self.client.client_id!r})"

    @deprecated(
        "sendInbox (POST /v2/messages/sendInbox) is deprecated; use POST "
        "/v2/miniprogram/message/send (compat.MessageClient.send) instead. "
        "Run `compat migrate` to rewrite this call.",
        category=None,
    )
    def send_inbox(
        self,
        payload: Union[SendInboxRequest, Mapping[str, Any], None] = None,
        /,
        *,
        access_token: Optional[str] = None,
        auth_client_id: Optional[str] = None,
        request_id: Optional[str] = None,
        template_code: Optional[str] = None,
        templates: Optional[Templates] = None,
        extend_info: Optional[str] = None,
    ) -> SendInboxResponse:
        """``POST /v2/messages/sendInbox``: a wire payload mapping, or its fields as keywords."""
        fields = {
            "access_token": access_token,
            "auth_client_id": auth_client_id,
            "request_id": request_id,
            "template_code": template_code,
            "templates": templates,
            "extend_info": extend_info,
        }
        response = self._call(_spec.SEND_INBOX, self._payload("send_inbox", payload, fields))
        assert isinstance(response, SendInboxResponse)
        return response

    @deprecated(
        "sendByAccessToken (POST /v2/customers/message/sendByAccessToken) is deprecated; "
        "use POST /v2/miniprogram/message/send (compat.MessageClient.send) instead. "
        "Run `compat migrate` to rewrite this call.",
        category=None,
    )
    def send_by_access_token(
        self,
        payload: Union[SendByAccessTokenRequest, Mapping[str, Any], None] = None,
        /,
        *,
        app_id: Optional[str] = None,
        access_token: Optional[str] = None,
        request_id: Optional[str] = None,
        template_code: Optional[str] = None,
        templates: Optional[Templates] = None,
        extend_info: Optional[str] = None,
    ) -> SendByAccessTokenResponse:
        """``POST /v2/customers/message/sendByAccessToken``: a payload, or its fields."""
        fields = {
            "app_id": app_id,
            "access_token": access_token,
            "request_id": request_id,
            "template_code": template_code,
            "templates": templates,
            "extend_info": extend_info,
        }
        payload = self._payload("send_by_access_token", payload, fields)
        response = self._call(_spec.SEND_BY_ACCESS_TOKEN, payload)
        assert isinstance(response, SendByAccessTokenResponse)
        return response

    @deprecated(
        "the legacy message paths (POST /v2/messages/sendInbox, "
        "/v2/customers/message/sendByAccessToken) are deprecated; use POST "
        "/v2/miniprogram/message/send (compat.MessageClient.send) instead. "
        "Run `compat migrate` to rewrite this call.",
        category=None,
    )
    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Send a raw legacy call: ``path`` is a legacy path (any wallet prefix).

        Returns the legacy response as its wire body.
        """
        endpoint = _spec.endpoint_for_path(str(path))
        if endpoint is None or not endpoint.deprecated:
            legacy = " or ".join(e.path for e in _spec.LEGACY_ENDPOINTS.values())
            msg = f"post() takes a deprecated path ({legacy}, after any prefix), got {path!r}"
            raise TranslationError(msg, endpoint=str(path))
        return to_wire(self._call(endpoint, body))

    @staticmethod
    def _payload(method: str, payload: Any, fields: dict[str, Any]) -> Any:
        given = {name: value for name, value in fields.items() if value is not None}
        if payload is not None and given:
            msg = f"{method}() takes a payload or keyword fields, not both"
            raise TypeError(msg)
        if payload is None and not given:
            msg = f"{method}() needs a payload or keyword fields"
            raise TypeError(msg)
        return payload if payload is not None else given

    def _call(
        self, endpoint: _spec.Endpoint, payload: Any
    ) -> Union[SendInboxResponse, SendByAccessTokenResponse]:
        site = warn(deprecation_message(endpoint.name), LegacyEndpointWarning)
        translation: Optional[Translation] = None
        try:
            translation = _TRANSLATORS[endpoint.name](payload, self.policy)
            headers = None
            if self.trace:
                path = self.client.prefix + endpoint.path
                headers = _trace.headers(path, "LegacyClient", payload, translation.changes)
            response = self.client._send_body(translation.to_wire(), headers)
        except CompatError as err:
            _record(endpoint, site, translation, outcome(err))
            raise
        _record(endpoint, site, translation, outcome(response.result))
        return translate_response(endpoint.name, response)


def _record(
    endpoint: _spec.Endpoint, site: CallSite, translation: Optional[Translation], outcome: str
) -> None:
    changes = translation.changes if translation is not None else ()
    audit_log().record(endpoint.name, site, changes, outcome)


_DROPPED_HEADERS = {"content-length", "signature", "request-time", _trace.HEADER.lower()}


class TranslatingPoolManager(urllib3.PoolManager):
    """A ``urllib3.PoolManager`` that serves the legacy paths with the new endpoint.

    Swap it in for the pool manager of code that posts legacy bodies itself.
    A ``POST`` to ``.../v2/messages/sendInbox`` or
    ``.../v2/customers/message/sendByAccessToken`` (any wallet prefix) is
    translated with ``policy``, signed afresh with ``signer`` (or sent
    unsigned), posted to ``.../v2/miniprogram/message/send`` on the same host,
    and answered with a legacy-shaped body. A body that cannot be translated
    is answered as the legacy platform would: ``F`` ``PARAM_ILLEGAL`` with the
    reason. Every other request passes through untouched.

    The platform's response signature covers the new body, not the legacy one
    you get back: pass ``verifier`` to check it here; the legacy response
    carries no signature headers.

    ``trace``: as for :class:`LegacyClient`, by default for loopback hosts only.
    """

    def __init__(
        self,
        num_pools: int = 10,
        headers: Optional[Mapping[str, str]] = None,
        *,
        signer: Any = None,
        verifier: Any = None,
        policy: Optional[Policy] = None,
        trace: Optional[bool] = None,
        **connection_pool_kw: Any,
    ) -> None:
        super().__init__(num_pools, headers, **connection_pool_kw)
        self.signer = signer
        self.verifier = verifier
        self.policy = policy if policy is not None else Policy()
        self.trace = trace

    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        if method.upper() == "POST":
            parsed = parse_url(url)
            endpoint = _spec.endpoint_for_path(parsed.path or "")
            if endpoint is not None and endpoint.deprecated:
                return self._translated(endpoint, parsed, url, kw)
        return super().urlopen(method, url, redirect=redirect, **kw)

    def _translated(
        self, endpoint: _spec.Endpoint, parsed: urllib3.util.Url, url: str, kw: dict[str, Any]
    ) -> urllib3.BaseHTTPResponse:
        site = warn(deprecation_message(endpoint.name), LegacyEndpointWarning, (_URLLIB3_DIR,))
        preload = kw.pop("preload_content", True)
        headers = {
            k: v
            for k, v in dict(kw.pop("headers", None) or self.headers).items()
            if k.lower() not in _DROPPED_HEADERS
        }
        body = kw.pop("body", None)
        translation: Optional[Translation] = None
        try:
            raw = body.encode("utf-8") if isinstance(body, str) else body
            if not isinstance(raw, (bytes, bytearray)):
                msg = f"{endpoint.name}: the body must be JSON bytes or text"
                raise ValidationError(msg, endpoint=endpoint.name, field="<body>")
            try:
                payload = _json.loads(raw)
            except _json.BadJSON as err:
                msg = f"{endpoint.name}: {err}"
                raise ValidationError(
                    msg, endpoint=endpoint.name, field=err.field or "<body>"
                ) from None
            translation = _TRANSLATORS[endpoint.name](payload, self.policy)
        except (ValidationError, TranslationError) as err:
            _record(endpoint, site, translation, outcome(err))
            result = {"resultStatus": "F", "resultCode": "PARAM_ILLEGAL", "resultMessage": str(err)}
            answer = {"result": result}
            return _response(answer, 200, "OK", {}, url, preload)

        path = (parsed.path or "").split("?", 1)[0].rstrip("/")
        new_path = path[: len(path) - len(endpoint.path)] + _NEW.path
        data = _json.dumps(translation.to_wire())
        client_id = next((v for k, v in headers.items() if k.lower() == "client-id"), "")
        headers["Content-Type"] = "application/json; charset=UTF-8"
        headers["Request-Time"] = request_time()
        if _trace.enabled(self.trace, parsed.host):
            headers.update(
                _trace.headers(path, "TranslatingPoolManager", payload, translation.changes)
            )
        if self.signer is not None:
            content = content_to_sign("POST", new_path, client_id, headers["Request-Time"], data)
            headers["Signature"] = self.signer.signature_header(content)
        new_url = parsed._replace(path=new_path, query=None).url
        try:
            upstream = super().urlopen(
                "POST", new_url, body=data, headers=headers, redirect=False, **kw
            )
        except urllib3.exceptions.HTTPError:
            _record(endpoint, site, translation, outcome(None))
            raise
        answer_bytes = upstream.data
        try:
            response = from_wire(_json.loads(answer_bytes), SendResponse)
        except (ValueError, CompatError):
            # not a platform answer (an HTML error page, ...): hand it over as it came
            _record(endpoint, site, translation, f"HTTP {upstream.status}")
            return _response(
                answer_bytes, upstream.status, upstream.reason, upstream.headers, url, preload
            )
        if self.verifier is not None:
            self._verify(upstream.headers, new_path, answer_bytes, translation)
        _record(endpoint, site, translation, outcome(response.result))
        legacy = to_wire(translate_response(endpoint.name, response))
        return _response(legacy, upstream.status, upstream.reason, upstream.headers, url, preload)

    def _verify(
        self, headers: Mapping[str, str], path: str, raw: bytes, translation: Translation
    ) -> None:
        signed = self.verifier.verify_signed(
            "POST",
            path,
            headers.get("Client-Id", ""),
            headers.get("Response-Time"),
            headers.get("Signature"),
            raw,
        )
        if not signed:
            msg = (
                f"the response to POST {path} is not signed with the platform key; "
                f"requestId {translation.request.request_id!r}"
            )
            raise SignatureError(msg, request_id=translation.request.request_id)


def _response(
    body: Union[bytes, dict[str, Any]],
    status: int,
    reason: Optional[str],
    upstream_headers: Mapping[str, str],
    url: str,
    preload: bool,
) -> urllib3.HTTPResponse:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = urllib3.HTTPHeaderDict(
        {
            k: v
            for k, v in upstream_headers.items()
            if k.lower() not in ("content-length", "signature", "response-time", "client-id")
        }
    )
    headers["Content-Type"] = "application/json; charset=UTF-8"
    headers["Content-Length"] = str(len(data))
    return urllib3.HTTPResponse(
        body=io.BytesIO(data),
        headers=headers,
        status=status,
        reason=reason,
        preload_content=preload,
        decode_content=False,
        request_method="POST",
        request_url=url,
    )
