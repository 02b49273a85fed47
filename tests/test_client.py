"""MessageClient through real sockets: retries, idempotency, signing, errors."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import urllib3

from compat import (
    ContentTemplate,
    MessageClient,
    RequestFailed,
    Result,
    ResultUnknown,
    Retries,
    RsaSigner,
    RsaVerifier,
    SendRequest,
    SignatureError,
    TransportError,
    ValidationError,
    to_wire,
)
from compat._spec import RESULT_CODES

from .conftest import public_pem
from .payloads import TOKEN
from .servers import Close, Json, Raw, ScriptedServer, Sleep, free_port, result

if TYPE_CHECKING:
    from compat.sandbox import Sandbox

FAST = Retries(total=3, backoff=0.001, cap=0.002, retry_after_cap=0.01)


def request(**changes: Any) -> SendRequest:
    fields: dict[str, Any] = {
        "app_id": "2021004125637654",
        "access_token": TOKEN,
        "request_id": "order-42",
        "template_code": "TP_1",
        "templates": [ContentTemplate({"who": "Ana"}, "en-US")],
        "redirect_url": "/pages/orders/42",
    }
    fields.update(changes)
    return SendRequest(**fields)


def client(url: str, **options: Any) -> MessageClient:
    options.setdefault("retries", FAST)
    return MessageClient(url, "client-1", **options)


# -- the happy path ------------------------------------------------------------


def test_send_posts_the_wire_body_with_headers(compat_sandbox: Sandbox) -> None:
    with client(compat_sandbox.url) as c:
        response = c.send(request())
    assert response.result == Result("S", "SUCCESS", "success")
    assert response.message_id
    [message] = compat_sandbox.messages()
    assert message["body"]["requestId"] == "order-42"
    assert message["body"]["accessToken"] == "20…xx"


def test_a_closed_client_sends_again_on_fresh_connections(compat_sandbox: Sandbox) -> None:
    c = client(compat_sandbox.url)
    c.send(request())
    c.close()
    c.send(attrs.evolve(request(), request_id="order-43"))
    c.close()
    assert [m["body"]["requestId"] for m in compat_sandbox.messages()] == ["order-42", "order-43"]


def test_the_body_sent_is_the_wire_body_byte_for_byte() -> None:
    with ScriptedServer(result()) as server, client(server.url) as c:
        c.send(request())
    [received] = server.received
    assert received.json() == to_wire(request())
    assert received.path == "/v2/miniprogram/message/send"
    assert received.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert received.headers["Client-Id"] == "client-1"
    assert "Signature" not in received.headers  # signer=None: unsigned


def test_mappings_are_checked_and_get_the_default_app_id(compat_sandbox: Sandbox) -> None:
    body = to_wire(request())
    del body["appId"]
    with client(compat_sandbox.url, app_id="APP-DEFAULT") as c:
        c.send(body)
    assert compat_sandbox.messages()[0]["body"]["appId"] == "APP-DEFAULT"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"requestId": "r" * 65}, "requestId"),
        ({"appId": None}, "appId"),
        ({"actionUrl": "/p"}, "actionUrl"),
        ({"templates": []}, "templates"),
    ],
)
def test_invalid_requests_are_refused_before_anything_is_sent(
    bad: dict[str, Any], field: str
) -> None:
    body = {**to_wire(request()), **bad}
    with ScriptedServer() as server, client(server.url) as c:
        with pytest.raises(ValidationError) as info:
            c.send(body)
    assert info.value.field == field
    assert info.value.endpoint == "send"
    assert server.received == []


def test_a_request_that_is_not_a_mapping_is_refused() -> None:
    with ScriptedServer() as server, client(server.url) as c, pytest.raises(ValidationError):
        c.send(["not", "a", "body"])  # type: ignore[arg-type]


def test_a_wallet_prefix_is_part_of_the_url_and_of_the_signed_path(
    compat_sandbox_factory: Any, merchant_key: bytes
) -> None:
    sandbox = compat_sandbox_factory(
        prefix="/api/open", merchant_public_key=public_pem(merchant_key)
    )
    assert sandbox.url.endswith("/api/open")
    with client(sandbox.url + "/", signer=RsaSigner(merchant_key)) as c:
        assert c.send(request()).result.result_status == "S"
    assert sandbox.requests()[0]["path"] == "/api/open/v2/miniprogram/message/send"


def test_unknown_response_fields_are_kept() -> None:
    with ScriptedServer(result(messageId="m-1", walletTrace="t-9")) as server:
        with client(server.url) as c:
            response = c.send(request())
    assert response.message_id == "m-1"
    assert response.extra == {"walletTrace": "t-9"}


# -- signing -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["urlencoded", "base64", "base64url"])
def test_the_sandbox_verifies_signed_requests(
    compat_sandbox_factory: Any, merchant_key: bytes, encoding: str
) -> None:
    sandbox = compat_sandbox_factory(merchant_public_key=public_pem(merchant_key))
    with client(sandbox.url, signer=RsaSigner(merchant_key, encoding=encoding)) as c:
        assert c.send(request()).result.result_code == "SUCCESS"


def test_every_attempt_is_signed_afresh_with_the_same_body(merchant_key: bytes) -> None:
    script = [result("U", "UNKNOWN_EXCEPTION"), Raw(503), result()]
    spaced = Retries(total=3, backoff=0.005, jitter=False)  # a new millisecond each time
    signer = RsaSigner(merchant_key)
    with ScriptedServer(*script) as server, client(server.url, signer=signer, retries=spaced) as c:
        c.send(request())
    first, second, third = server.received
    assert first.body == second.body == third.body
    verifier = RsaVerifier(public_pem(merchant_key))
    from compat.signing import content_to_sign, parse_signature_header

    times = set()
    for attempt in server.received:
        header = parse_signature_header(attempt.headers["Signature"])
        content = content_to_sign(
            "POST", attempt.path, "client-1", attempt.headers["Request-Time"], attempt.body
        )
        assert verifier.verify(content, header["signature"])
        times.add(attempt.headers["Request-Time"])
    assert len(times) == 3


def test_a_wrong_key_is_answered_invalid_signature(
    compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes
) -> None:
    sandbox = compat_sandbox_factory(merchant_public_key=public_pem(merchant_key))
    with client(sandbox.url, signer=RsaSigner(platform_key)) as c:
        with pytest.raises(RequestFailed) as info:
            c.send(request())
    assert info.value.result.result_code == "INVALID_SIGNATURE"
    assert info.value.request_id == "order-42"
    assert sandbox.messages() == []


def test_response_signatures_are_verified(
    compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes
) -> None:
    sandbox = compat_sandbox_factory(platform_private_key=platform_key)
    good = RsaVerifier(public_pem(platform_key))
    with client(sandbox.url, verifier=good) as c:
        assert c.send(request()).result.result_status == "S"
    wrong = RsaVerifier(public_pem(merchant_key))
    with client(sandbox.url, verifier=wrong) as c:
        with pytest.raises(SignatureError, match="does not verify") as info:
            c.send(request(request_id="order-43"))
    assert info.value.request_id == "order-43"


def test_an_unsigned_response_fails_when_a_platform_key_is_set(platform_key: bytes) -> None:
    verifier = RsaVerifier(public_pem(platform_key))
    with ScriptedServer(result()) as server, client(server.url, verifier=verifier) as c:
        with pytest.raises(SignatureError, match="not signed"):
            c.send(request())


# -- retries -------------------------------------------------------------------


def sleeps_of(c: MessageClient) -> list[float]:
    delays: list[float] = []
    c._sleep = delays.append
    return delays


@pytest.mark.parametrize(
    "failure",
    [
        result("U", "UNKNOWN_EXCEPTION"),
        Raw(500),
        Raw(502, b"Bad Gateway"),
        Raw(429),
        Close(),
        Raw(200, b"<html>not json</html>"),
        Json({"noResult": True}),
    ],
    ids=["U", "500", "502", "429", "closed", "not-json", "no-result"],
)
def test_unknown_outcomes_are_retried_with_the_same_request(failure: Any) -> None:
    with ScriptedServer(failure, failure, result(messageId="m-9")) as server:
        with client(server.url) as c:
            response = c.send(request())
    assert response.message_id == "m-9"
    assert len(server.received) == 3
    assert len({r.body for r in server.received}) == 1


def test_read_timeouts_are_retried() -> None:
    script = [Sleep(0.5, result()), result(messageId="m-2")]
    with ScriptedServer(*script) as server, client(server.url, timeout=0.1) as c:
        assert c.send(request()).message_id == "m-2"
    assert len(server.received) == 2


def test_f_is_raised_at_once_with_the_result() -> None:
    failed = Json(
        {"result": {"resultStatus": "F", "resultCode": "PARAM_ILLEGAL", "resultMessage": "x"}}
    )
    with ScriptedServer(failed) as server, client(server.url) as c:
        with pytest.raises(RequestFailed) as info:
            c.send(request())
    assert len(server.received) == 1
    assert info.value.result == Result("F", "PARAM_ILLEGAL", "x")
    assert info.value.request_id == "order-42"
    assert "PARAM_ILLEGAL" in str(info.value)


def test_u_on_every_attempt_raises_result_unknown() -> None:
    with ScriptedServer(result("U", "UNKNOWN_EXCEPTION")) as server:
        with client(server.url) as c:
            with pytest.raises(ResultUnknown) as info:
                c.send(request())
    assert len(server.received) == 4
    assert info.value.result.result_code == "UNKNOWN_EXCEPTION"
    assert info.value.request_id == "order-42"
    assert "same requestId" in str(info.value)


def test_server_errors_on_every_attempt_raise_transport_error() -> None:
    with ScriptedServer(Raw(503)) as server, client(server.url) as c:
        with pytest.raises(TransportError, match="HTTP 503") as info:
            c.send(request())
    assert len(server.received) == 4
    assert info.value.request_id == "order-42"


def test_connection_refused_raises_transport_error_with_the_request_id() -> None:
    with client(f"http://127.0.0.1:{free_port()}") as c:
        with pytest.raises(TransportError) as info:
            c.send(request())
    assert info.value.request_id == "order-42"
    assert TOKEN not in str(info.value)


def test_retries_zero_sends_once() -> None:
    with ScriptedServer(Raw(500)) as server, client(server.url, retries=0) as c:
        with pytest.raises(TransportError, match="after 1 attempt:"):
            c.send(request())
    assert len(server.received) == 1


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    retries = Retries(total=5, backoff=0.25, cap=1.0)
    with ScriptedServer(Raw(500)) as server, client(server.url, retries=retries) as c:
        delays = sleeps_of(c)
        with pytest.raises(TransportError):
            c.send(request())
    bases = [0.25, 0.5, 1.0, 1.0, 1.0]
    assert len(delays) == 5
    for delay, base in zip(delays, bases):
        assert base / 2 <= delay <= base


def test_backoff_without_jitter_is_exact() -> None:
    retries = Retries(total=3, backoff=0.25, cap=4.0, jitter=False)
    with ScriptedServer(Raw(500)) as server, client(server.url, retries=retries) as c:
        delays = sleeps_of(c)
        with pytest.raises(TransportError):
            c.send(request())
    assert delays == [0.25, 0.5, 1.0]


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("120", 30.0), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_honoured_up_to_its_cap(retry_after: str, expected: Any) -> None:
    busy = Raw(429, b"", {"Retry-After": retry_after})
    with ScriptedServer(busy, result()) as server, client(server.url, retries=Retries()) as c:
        delays = sleeps_of(c)
        c.send(request())
    if expected is None:  # unreadable: the usual backoff
        assert 0.125 <= delays[0] <= 0.25
    else:
        assert delays == [expected]


def test_retries_validates_its_numbers() -> None:
    with pytest.raises(ValueError, match=r"Retries\.total"):
        Retries(total=-1)
    with pytest.raises(ValueError, match=r"Retries\.backoff"):
        Retries(backoff="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", sorted(RESULT_CODES))
def test_every_platform_code_maps_to_its_outcome(code: str) -> None:
    status = RESULT_CODES[code][0]
    with ScriptedServer(result(status, code)) as server, client(server.url) as c:
        if status in ("S", "A"):
            assert c.send(request()).result.result_code == code
            return
        expected = RequestFailed if status == "F" else ResultUnknown
        with pytest.raises(expected) as info:
            c.send(request())
    assert info.value.result == Result(status, code)
    assert info.value.request_id == "order-42"


def test_a_4xx_without_a_result_is_a_failure_not_a_retry() -> None:
    with ScriptedServer(Raw(404, b"not found")) as server, client(server.url) as c:
        with pytest.raises(RequestFailed) as info:
            c.send(request())
    assert info.value.result.result_code == "HTTP_404"
    assert len(server.received) == 1


def test_a_4xx_with_a_result_uses_the_result() -> None:
    denied = Json({"result": {"resultStatus": "F", "resultCode": "ACCESS_DENIED"}}, status=403)
    with ScriptedServer(denied) as server, client(server.url) as c:
        with pytest.raises(RequestFailed) as info:
            c.send(request())
    assert info.value.result.result_code == "ACCESS_DENIED"


def test_each_attempt_is_logged_without_secrets(
    caplog: pytest.LogCaptureFixture, merchant_key: bytes
) -> None:
    caplog.set_level(logging.DEBUG, logger="compat")
    with ScriptedServer(Raw(500), result()) as server:
        with client(server.url, signer=RsaSigner(merchant_key)) as c:
            c.send(request())
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "retry 1/3" in text
    assert "order-42" in text
    assert "S SUCCESS" in text
    assert TOKEN not in text
    assert "signature" not in text.lower()


# -- configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://host", "not a url", "http://", "http://[::1", "http://host:99999"]
)
def test_bad_base_urls(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        MessageClient(url, "client-1")


def test_client_id_is_required() -> None:
    with pytest.raises(ValueError, match="client_id"):
        MessageClient("http://127.0.0.1:1", "")


def test_an_injected_pool_manager_is_used_and_not_closed(compat_sandbox: Sandbox) -> None:
    pool = urllib3.PoolManager()
    with client(compat_sandbox.url, pool_manager=pool) as c:
        c.send(request())
    assert len(pool.pools) == 1  # still there: the caller owns it
    pool.clear()


def test_repr_shows_no_secret(merchant_key: bytes) -> None:
    c = MessageClient("http://127.0.0.1:1", "client-1", signer=RsaSigner(merchant_key))
    assert repr(c) == "MessageClient('http://127.0.0.1:1', client_id='client-1', signed)"


def test_responses_parse_with_the_wire_converter() -> None:
    body = {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "extendInfo": "e"}
    with ScriptedServer(Json(body)) as server, client(server.url) as c:
        assert c.send(request()).extend_info == "e"
    assert json.loads(server.received[0].body)["templates"][0]["language"] == "en-US"
