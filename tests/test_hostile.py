"""Hostile input never escapes: a CompatError (or the platform's answer), nothing lost.

One test per reproducer: lone surrogates, deep JSON, odd endpoints, malformed and
oversized HTTP bodies, chunked bodies, against real servers on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
from typing import Any

import pytest
import urllib3
from hypothesis import given
from hypothesis import strategies as st

from compat import (
    LegacyClient,
    LegacyEndpointWarning,
    MessageClient,
    Policy,
    TranslatingPoolManager,
    TranslationError,
    TranslationWarning,
    ValidationError,
    audit_log,
    translate_response,
    translate_send_by_access_token,
    translate_send_inbox,
)
from compat.gateway import Gateway
from compat.models import mask_body, mask_secret
from compat.sandbox import Sandbox

from .payloads import by_token, inbox
from .servers import ScriptedServer

LONE = "\ud83d"
INBOX = "/v2/messages/sendInbox"
SEND = "/v2/miniprogram/message/send"
DEEP = b"[" * 100_000 + b"]" * 100_000
PARAMETERS = "templates[0].templateParameters"


@pytest.fixture(autouse=True)
def _fresh_audit_log() -> None:
    audit_log().clear()


def send_body(**changes: Any) -> dict[str, Any]:
    return translate_send_by_access_token(by_token(**changes), Policy()).to_wire()


# -- the validator: text with a lone surrogate is no text ------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"templateCode": "TP" + LONE}, "templateCode"),
        ({"requestId": LONE * 100}, "requestId"),  # under digest: refused, not hashed
        ({"extendInfo": "x" + LONE}, "extendInfo"),
        ({"accessToken": LONE}, "accessToken"),
        (
            {"templates": [{"templateParameters": {"who": LONE}}]},
            "templates[0].templateParameters.who",
        ),
        (
            {"templates": [{"templateParameters": {LONE: "x"}}]},
            "templates[0].templateParameters key",
        ),
        ({"templates": [{"templateParameters": {}, "language": LONE}]}, "templates[0].language"),
    ],
)
def test_a_lone_surrogate_is_a_validation_error_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        translate_send_inbox(inbox(**changes), Policy(overlong_request_id="digest"))
    assert caught.value.field == field
    assert "lone surrogate (U+D83D" in str(caught.value)


def test_a_lone_surrogate_in_a_key_is_escaped_in_the_message() -> None:
    with pytest.raises(ValidationError) as caught:
        translate_send_inbox(inbox(**{"x" + LONE: "1"}), Policy())
    assert caught.value.field == "x\\ud83d"
    str(caught.value).encode("utf-8")  # writable anywhere
    with pytest.warns(TranslationWarning, match=r"dropped x\\ud83d"):
        dropped = translate_send_inbox(inbox(**{"x" + LONE: "1"}), Policy(unknown_fields="drop"))
    assert [c.field for c in dropped.changes if c.kind == "dropped"] == ["x\\ud83d"]


def test_paired_surrogates_are_one_character_and_fine() -> None:
    translation = translate_send_inbox(inbox(templateCode="TP\U0001f600"), Policy())
    assert translation.request.template_code == "TP\U0001f600"


def test_aliases_with_equal_values_too_deep_to_compare_are_refused() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    payload = inbox(templateCode=None)
    payload["templateCode"] = payload["template_code"] = deep
    with pytest.raises(ValidationError) as caught:
        translate_send_inbox(payload, Policy())
    assert caught.value.field == "templateCode"


@pytest.mark.parametrize("endpoint", [None, [], b"", 3, "\ud800"])
def test_translate_response_of_no_endpoint_is_a_translation_error(endpoint: Any) -> None:
    with pytest.raises(TranslationError, match="takes 'sendInbox' or 'sendByAccessToken'"):
        translate_response(endpoint, {})


# -- the clients: refused before anything is sent, and recorded --------------------------


def test_message_client_refuses_a_lone_surrogate_before_sending() -> None:
    body = send_body()
    body["templates"][0]["templateParameters"]["who"] = "x" + LONE
    with ScriptedServer() as server, MessageClient(server.url, "c", retries=0) as client:
        with pytest.raises(ValidationError) as caught:
            client.send(body)
        assert caught.value.field == "templates[0].templateParameters.who"
        assert server.received == []


def test_legacy_client_refuses_a_lone_surrogate_and_records_the_call() -> None:
    with ScriptedServer() as server, LegacyClient(server.url, "c", retries=0) as client:
        with pytest.warns(LegacyEndpointWarning), pytest.raises(ValidationError):
            client.send_inbox(inbox(templateCode=LONE))
        assert server.received == []
    [entry] = audit_log().entries()
    assert dict(entry.outcomes) == {"invalid: templateCode": 1}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (json.dumps(inbox(templateCode=LONE)).encode(), "lone surrogate"),
        (DEEP, "nests deeper than"),
        (b'{"a": "\\ud83d"}', "lone surrogate"),
        (b"\xff{}", "the body is not valid JSON"),
        # a surrogate encoded as UTF-8 bytes: not UTF-8, though json.loads lets it through
        (
            json.dumps(inbox(templateCode=LONE), ensure_ascii=False).encode(
                "utf-8", "surrogatepass"
            ),
            "not valid JSON ('utf-8' codec can't decode byte 0xed",
        ),
    ],
)
def test_pool_manager_answers_param_illegal_for_bodies_it_cannot_send(
    body: bytes, says: str
) -> None:
    with ScriptedServer() as server:
        pool = TranslatingPoolManager(policy=Policy(unknown_fields="drop"))
        with pytest.warns(LegacyEndpointWarning):
            answer = pool.request("POST", server.url + INBOX, body=body)
        assert server.received == []
    result = answer.json()["result"]
    assert (result["resultStatus"], result["resultCode"]) == ("F", "PARAM_ILLEGAL")
    assert says in result["resultMessage"]
    assert audit_log().total == 1


# -- the servers: an answer for every request, and the store stays readable -------------


def post(url: str, body: bytes, **headers: str) -> urllib3.BaseHTTPResponse:
    headers.setdefault("Content-Type", "application/json")
    return urllib3.request("POST", url, body=body, headers=headers, retries=False)


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        json.dumps(send_body()).replace("2021", "\\ud83d", 1).encode(),
        b'{"x":"\\udc00"}',
        json.dumps(send_body()).replace("2021", "\ud83d", 1).encode("utf-8", "surrogatepass"),
    ],
)
def test_the_sandbox_refuses_what_it_could_not_store(compat_sandbox: Sandbox, body: bytes) -> None:
    answer = post(compat_sandbox.url + SEND, body)
    assert answer.status == 200
    assert answer.json()["result"]["resultCode"] == "PARAM_ILLEGAL"
    assert compat_sandbox.messages() == []
    for page in ("/_sandbox/messages", "/_sandbox/"):
        assert urllib3.request("GET", compat_sandbox.url + page).status == 200


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` as it is; everything the server says until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


@pytest.fixture
def gateway(compat_sandbox: Sandbox) -> Any:
    with Gateway(compat_sandbox.url, "c", verify_callers=False, retries=0, max_body=4096) as g:
        yield g


@pytest.mark.parametrize("server", ["sandbox", "gateway"])
@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"Content-Length: abc\r\n", b"400"),
        (b"Content-Length: -1\r\n", b"400"),
        (b"Content-Length: 999999999\r\n", b"413"),
        (b"Transfer-Encoding: gzip\r\n", b"400"),  # RFC 9112 6.1: chunked must be last
        (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", b"400"),
    ],
)
def test_a_body_that_cannot_be_read_gets_an_http_error_and_the_connection_closes(
    compat_sandbox: Sandbox, gateway: Gateway, server: str, head: bytes, status: bytes
) -> None:
    port = compat_sandbox.port if server == "sandbox" else gateway.port
    path = (SEND if server == "sandbox" else INBOX).encode()
    answer = raw_exchange(port, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n{}")
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:80]
    assert b"\r\nconnection: close\r\n" in answer.lower()


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\nX-T: 1\r\n\r\n"


@pytest.mark.parametrize("server", ["sandbox", "gateway"])
def test_chunked_bodies_are_read_and_the_next_request_is_not_desynchronised(
    compat_sandbox: Sandbox, gateway: Gateway, server: str
) -> None:
    if server == "sandbox":
        port, path, body = compat_sandbox.port, SEND, json.dumps(send_body()).encode()
    else:
        port, path, body = gateway.port, INBOX, json.dumps(inbox()).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection.request("POST", path, body=chunked(body), headers=headers)
    first = json.loads(connection.getresponse().read())
    # the same connection serves the next request: the chunks were not taken for one
    connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
    second = json.loads(connection.getresponse().read())
    connection.close()
    assert first["result"]["resultStatus"] == "S"
    assert second["result"]["resultCode"] == "PARAM_ILLEGAL"
    assert len(compat_sandbox.messages()) == 1


@pytest.mark.parametrize("server", ["sandbox", "gateway"])
def test_a_chunked_body_over_the_limit_gets_413(
    compat_sandbox_factory: Any, server: str, compat_sandbox: Sandbox
) -> None:
    small = compat_sandbox_factory(max_body=100)
    with Gateway(small.url, "c", verify_callers=False, retries=0, max_body=100) as gateway:
        port = small.port if server == "sandbox" else gateway.port
        request = (
            b"POST " + (SEND if server == "sandbox" else INBOX).encode() + b" HTTP/1.1\r\n"
            b"Host: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 300, 50)
        )
        assert raw_exchange(port, request).startswith(b"HTTP/1.1 413")
        bad = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        assert raw_exchange(port, bad).startswith(b"HTTP/1.1 400")


def test_the_gateway_answers_deep_json_and_lone_surrogates(gateway: Gateway) -> None:
    for body in (DEEP[:2000], json.dumps(inbox(templateCode=LONE)).encode()):
        answer = post(gateway.url + INBOX, body)
        assert answer.status == 200
        assert answer.json()["result"]["resultCode"] == "PARAM_ILLEGAL"


# -- masking: at most 4 characters of a secret, never more than a third -----------------


@given(st.text(min_size=0, max_size=80))
def test_a_masked_secret_shows_at_most_four_characters_and_a_third(secret: str) -> None:
    masked = mask_secret(secret)[1:-1]
    if masked == secret:  # only what already has the masked shape is left as it is
        assert len(secret) <= 5
        assert secret.count("…") == 1
        return
    head, _, tail = masked.partition("…")
    assert len(head) + len(tail) <= min(4, len(secret) // 3)
    assert secret.startswith(head)
    assert secret.endswith(tail)
    assert mask_secret(masked) == f"'{masked}'"  # masking twice changes nothing


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        ("2019112719074101000700000077771xxxx", "20…xx"),
        ("abcdefghijkl", "ab…kl"),  # 12 characters: 4 shown, a third
        ("abcdef", "a…f"),
        ("ab", "…"),
        ("tok…en-with-an-ellipsis-inside", "to…de"),
    ],
)
def test_tokens_are_masked_in_reprs_and_bodies(token: str, shown: str) -> None:
    assert mask_secret(token) == f"'{shown}'"
    assert mask_body({"accessToken": token})["accessToken"] == shown
    request = translate_send_inbox(inbox(accessToken=token), Policy()).request
    assert token not in repr(request)


def test_dropped_fields_reach_neither_the_trace_nor_the_inbox(compat_sandbox: Sandbox) -> None:
    payload = inbox(internalNote="secret-note")
    payload["templates"][0]["debug"] = "secret-debug"
    with (
        LegacyClient(
            compat_sandbox.url, "c", retries=0, policy=Policy(unknown_fields="drop")
        ) as client,
        pytest.warns(LegacyEndpointWarning),
        pytest.warns(TranslationWarning),
    ):
        client.send_inbox(payload)
    [message] = compat_sandbox.messages()
    assert "secret" not in json.dumps(message)
    assert message["legacy"]["changes"]  # the drops are listed, by field
    page = urllib3.request("GET", compat_sandbox.url + "/_sandbox/inbox/messages").data
    assert b"secret" not in page


def test_request_lines_are_logged_without_query_values(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="compat"):
        post(gateway.url + INBOX + "?access_token=SECRET-TOKEN&x=1", b"{}")
    [line] = [r for r in caplog.records if r.name == "compat.gateway.access"]
    assert line.getMessage().startswith(f"127.0.0.1 POST {INBOX} 200 F PARAM_ILLEGAL requestId=- ")
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert "SECRET" not in logged


# -- one client, many threads ---------------------------------------------------------


def test_threads_beyond_the_pool_wait_for_a_connection_and_nothing_is_discarded(
    compat_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    import concurrent.futures

    client = MessageClient(compat_sandbox.url, "c", retries=0, maxsize=4)
    bodies = [send_body(requestId=f"thread-{n}") for n in range(64)]
    with caplog.at_level(logging.WARNING, logger="urllib3"), client:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(client.send, bodies))
    assert all(r.result.result_status == "S" for r in results)
    assert len(compat_sandbox.messages()) == 64
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


@pytest.mark.parametrize("maxsize", [0, -1, True, 2.5])
def test_maxsize_is_a_number_of_connections(maxsize: Any) -> None:
    with pytest.raises(ValueError, match="maxsize must be a number of connections"):
        MessageClient("http://127.0.0.1:1", "c", maxsize=maxsize)


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_servers_refuse_limits_that_serve_nothing(value: Any) -> None:
    with pytest.raises(ValueError, match="max_body must be a number of bytes"):
        Sandbox(max_body=value)
    with pytest.raises(ValueError, match="max_body must be a number of bytes"):
        Gateway("http://127.0.0.1:1", "c", verify_callers=False, max_body=value)
    with pytest.raises(ValueError, match="workers must be a number of requests"):
        Gateway("http://127.0.0.1:1", "c", verify_callers=False, workers=value)


def test_aliases_with_different_values_too_deep_to_compare_are_refused() -> None:
    def deep() -> list[Any]:
        value: list[Any] = []
        for _ in range(100_000):
            value = [value]
        return value

    payload = inbox(templateCode=None)
    payload["templateCode"], payload["template_code"] = deep(), deep()
    with pytest.raises(ValidationError, match="name the same field"):
        translate_send_inbox(payload, Policy())


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 100 + b"]" * 100, "nests deeper than 64 levels"),
        (b'{"\\ud800": 1}', "a key of <body> has a lone surrogate"),
    ],
)
def test_json_the_platform_would_not_read(compat_sandbox: Sandbox, body: bytes, says: str) -> None:
    answer = post(compat_sandbox.url + SEND, body).json()["result"]
    assert answer["resultCode"] == "PARAM_ILLEGAL"
    assert says in answer["resultMessage"]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"Content-Length: 10\r\n\r\n{}", b"400"),  # ends early
        (b"Transfer-Encoding: chunked\r\n\r\n2", b"400"),  # size line cut short
        (b"Transfer-Encoding: chunked\r\n\r\n5\r\nab", b"400"),  # chunk cut short
        (b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1", b"400"),  # no blank line
    ],
)
def test_bodies_cut_short_are_not_taken_and_the_connection_closes(
    compat_sandbox: Sandbox, request_bytes: bytes, status: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", compat_sandbox.port), timeout=10) as sock:
        sock.sendall(b"POST " + SEND.encode() + b" HTTP/1.1\r\nHost: x\r\n" + request_bytes)
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(65536)
    # the client has gone: the server closes at once (or says 400 first), stores nothing
    assert answer == b"" or answer.startswith(b"HTTP/1.1 " + status), answer[:60]
    assert compat_sandbox.requests() == []
    assert urllib3.request("GET", compat_sandbox.url + "/_sandbox/messages").status == 200


def test_the_trace_writes_models_and_other_mappings_as_json() -> None:
    from types import MappingProxyType

    from compat import ContentTemplate, _trace

    body = {"templates": [ContentTemplate({"who": "Ana"})], "extra": MappingProxyType({"a": 1})}
    body["odd"] = object()
    trace = _trace.decode(_trace.encode(INBOX, "test", body, []))
    assert trace is not None
    assert trace["body"]["templates"] == [{"templateParameters": {"who": "Ana"}}]
    assert trace["body"]["extra"] == {"a": 1}
    assert trace["body"]["odd"].startswith("<object object")
