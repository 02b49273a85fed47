"""The sandbox platform through raw HTTP, as any client in any language sees it."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from typing import Any

import pytest
import urllib3

from compat import MessageClient, RsaSigner, TransportError
from compat.sandbox import Faults, Sandbox, mask_body
from compat.signing import content_to_sign, parse_signature_header, request_time

from .conftest import public_pem
from .payloads import SEND_BY_ACCESS_TOKEN_SAMPLE, SEND_INBOX_SAMPLE, TOKEN, new_body
from .servers import Command

SEND = "/v2/miniprogram/message/send"
HTTP = urllib3.PoolManager(retries=False)


def post(
    sandbox: Sandbox,
    path: str,
    body: Any,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json; charset=UTF-8", "Client-Id": "c-1"}
    all_headers.update(headers or {})
    base = f"http://{sandbox.host}:{sandbox.port}"
    answer = HTTP.request(method, base + path, body=data, headers=all_headers)
    return answer.status, json.loads(answer.data) if answer.data.startswith(b"{") else answer.data


def code_of(answer: tuple[int, Any]) -> str:
    status, body = answer
    assert status == 200
    return str(body["result"]["resultCode"])


def test_the_new_endpoint_accepts_a_valid_body(compat_sandbox: Sandbox) -> None:
    status, body = post(compat_sandbox, SEND, new_body())
    assert status == 200
    assert body["result"] == {
        "resultStatus": "S",
        "resultCode": "SUCCESS",
        "resultMessage": "success",
    }
    assert body["messageId"]
    [message] = compat_sandbox.messages()
    assert message["body"] == mask_body(new_body())
    assert message["messageId"] == body["messageId"]
    assert message["endpoint"] == "send"
    assert TOKEN not in json.dumps(compat_sandbox.messages() + compat_sandbox.requests())


def test_the_legacy_endpoints_behave_as_documented(compat_sandbox: Sandbox) -> None:
    status, body = post(compat_sandbox, "/v2/messages/sendInbox", SEND_INBOX_SAMPLE)
    assert (status, body["result"]["resultCode"]) == (200, "SUCCESS")
    assert "messageId" in body  # sendInbox returns one
    status, body = post(
        compat_sandbox, "/v2/customers/message/sendByAccessToken", SEND_BY_ACCESS_TOKEN_SAMPLE
    )
    assert (status, body["result"]["resultCode"]) == (200, "SUCCESS")
    assert "messageId" not in body  # sendByAccessToken never did
    assert [m["endpoint"] for m in compat_sandbox.messages()] == ["sendInbox", "sendByAccessToken"]


def test_the_same_request_id_and_body_is_stored_once(compat_sandbox: Sandbox) -> None:
    first = post(compat_sandbox, SEND, new_body())
    second = post(compat_sandbox, SEND, new_body())
    assert first == second
    [message] = compat_sandbox.messages()
    assert message["count"] == 2


def test_a_reused_request_id_with_another_body_is_inconsistent(compat_sandbox: Sandbox) -> None:
    post(compat_sandbox, SEND, new_body())
    assert code_of(post(compat_sandbox, SEND, new_body(templateCode="OTHER"))) == (
        "REPEAT_REQ_INCONSISTENT"
    )
    assert len(compat_sandbox.messages()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (new_body(requestId="r" * 65), "requestId"),
        (new_body(appId=None), "appId"),
        (new_body(templates=[]), "templates"),
        (new_body(actionUrl="/p"), "actionUrl"),
        (new_body(extendInfo=5), "extendInfo"),
    ],
)
def test_param_illegal_names_the_field(
    compat_sandbox: Sandbox, body: dict[str, Any], field: str
) -> None:
    _status, answer = post(compat_sandbox, SEND, body)
    assert answer["result"]["resultCode"] == "PARAM_ILLEGAL"
    assert answer["result"]["resultStatus"] == "F"
    assert field in answer["result"]["resultMessage"]
    assert compat_sandbox.messages() == []


def test_lenient_sandbox_accepts_unknown_fields(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(strict=False)
    assert code_of(post(sandbox, SEND, new_body(actionUrl="/p"))) == "SUCCESS"


@pytest.mark.parametrize(
    ("body", "message"), [(b"{not json", "not valid JSON"), (b"[1]", "JSON object")]
)
def test_bodies_that_are_not_objects(compat_sandbox: Sandbox, body: bytes, message: str) -> None:
    _, answer = post(compat_sandbox, SEND, body)
    assert answer["result"]["resultCode"] == "PARAM_ILLEGAL"
    assert message in answer["result"]["resultMessage"]


@pytest.mark.parametrize("path", ["/v2/messages/sendInboxes", "/v2/other", "/"])
def test_unknown_paths_are_invalid_api(compat_sandbox: Sandbox, path: str) -> None:
    assert code_of(post(compat_sandbox, path, new_body())) == "INVALID_API"


def test_other_methods_are_not_supported(compat_sandbox: Sandbox) -> None:
    assert code_of(post(compat_sandbox, SEND, b"", method="GET")) == "METHOD_NOT_SUPPORTED"
    assert code_of(post(compat_sandbox, SEND, b"", method="PUT")) == "METHOD_NOT_SUPPORTED"


def test_other_media_types_are_not_acceptable(compat_sandbox: Sandbox) -> None:
    answer = post(compat_sandbox, SEND, new_body(), headers={"Content-Type": "text/plain"})
    assert code_of(answer) == "MEDIA_TYPE_NOT_ACCEPTABLE"


def test_a_prefix_is_required_when_configured(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(prefix="/acl/api")
    assert code_of(post(sandbox, SEND, new_body())) == "INVALID_API"
    assert code_of(post(sandbox, "/acl/api" + SEND, new_body())) == "SUCCESS"


def test_stop_before_start_and_repr() -> None:
    sandbox = Sandbox(port=0)
    sandbox.stop()
    assert repr(sandbox) == "Sandbox('http://127.0.0.1:0')"


def test_compat_sandbox_on_a_port_in_use_exits_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "compat", "sandbox", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 2
    assert "cannot listen" in done.stderr


def test_bad_prefixes_are_refused() -> None:
    with pytest.raises(ValueError, match="prefix"):
        Sandbox(prefix="api/")


def test_client_id_and_access_token_registries(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(client_id="c-1", access_tokens={TOKEN})
    assert code_of(post(sandbox, SEND, new_body(), headers={"Client-Id": "c-2"})) == (
        "INVALID_CLIENT"
    )
    assert code_of(post(sandbox, SEND, new_body(accessToken="other-token"))) == (
        "INVALID_ACCESS_TOKEN"
    )
    assert code_of(post(sandbox, SEND, new_body())) == "SUCCESS"


def _signed_headers(key: bytes, path: str, body: bytes, client_id: str = "c-1") -> dict[str, str]:
    when = request_time()
    content = content_to_sign("POST", path, client_id, when, body)
    return {"Request-Time": when, "Signature": RsaSigner(key).signature_header(content)}


def test_request_signatures(compat_sandbox_factory: Any, merchant_key: bytes) -> None:
    sandbox = compat_sandbox_factory(merchant_public_key=public_pem(merchant_key))
    raw = json.dumps(new_body()).encode()
    assert code_of(post(sandbox, SEND, raw)) == "INVALID_SIGNATURE"  # unsigned
    good = _signed_headers(merchant_key, SEND, raw)
    assert code_of(post(sandbox, SEND, raw, headers=good)) == "SUCCESS"
    tampered = raw.replace(b"TP_5800000001xxxx", b"TP_5800000002xxxx")
    assert code_of(post(sandbox, SEND, tampered, headers=good)) == "INVALID_SIGNATURE"
    other_client = _signed_headers(merchant_key, SEND, raw, client_id="c-9")
    assert code_of(post(sandbox, SEND, raw, headers=other_client)) == "INVALID_SIGNATURE"


def test_responses_are_signed_with_the_platform_key(
    compat_sandbox_factory: Any, platform_key: bytes
) -> None:
    from compat import RsaVerifier

    sandbox = compat_sandbox_factory(platform_private_key=platform_key, client_id="c-1")
    answer = HTTP.request(
        "POST",
        sandbox.url + SEND,
        body=json.dumps(new_body()).encode(),
        headers={"Content-Type": "application/json", "Client-Id": "c-1"},
    )
    signature = parse_signature_header(answer.headers["Signature"])["signature"]
    content = content_to_sign(
        "POST", SEND, answer.headers["Client-Id"], answer.headers["Response-Time"], answer.data
    )
    assert RsaVerifier(public_pem(platform_key)).verify(content, signature)


def test_inspection_api(compat_sandbox: Sandbox) -> None:
    post(compat_sandbox, SEND, new_body())
    post(compat_sandbox, SEND, new_body(appId=None))  # rejected
    base = f"http://{compat_sandbox.host}:{compat_sandbox.port}/_sandbox"
    messages = json.loads(HTTP.request("GET", base + "/messages").data)["messages"]
    assert len(messages) == 1
    assert messages[0]["body"]["accessToken"] == "20…xx"
    requests = json.loads(HTTP.request("GET", base + "/requests").data)["requests"]
    assert [r["resultCode"] for r in requests] == ["SUCCESS", "PARAM_ILLEGAL"]
    assert requests[0]["requestId"] == "20191127190741010007013213123xxxx"
    deleted = json.loads(HTTP.request("DELETE", base + "/messages").data)
    assert deleted == {"deleted": 1}
    assert compat_sandbox.messages() == []
    assert compat_sandbox.requests() == []
    assert HTTP.request("GET", base + "/nothing").status == 404


def _fault_trace(seed: int) -> list[Any]:
    faults = Faults(unknown_after_store=0.3, error_before_store=0.2, drop_after_store=0.2)
    with Sandbox(faults=faults, seed=seed) as sandbox:
        for n in range(30):
            with contextlib.suppress(urllib3.exceptions.ProtocolError):
                post(sandbox, SEND, new_body(requestId=f"r-{n}"))
        return [(r["requestId"], r.get("fault")) for r in sandbox.requests()]


def test_faults_are_repeatable_with_a_seed() -> None:
    first, second, other = _fault_trace(7), _fault_trace(7), _fault_trace(8)
    assert first == second
    assert first != other
    kinds = {fault for _, fault in first}
    assert kinds == {None, "unknown_after_store", "error_before_store", "drop_after_store"}


def test_error_before_store_stores_nothing_and_unknown_after_store_stores(
    compat_sandbox_factory: Any,
) -> None:
    failing = compat_sandbox_factory(faults=Faults(error_before_store=1.0))
    status, _ = post(failing, SEND, new_body())
    assert status == 500
    assert failing.messages() == []
    lossy = compat_sandbox_factory(faults=Faults(unknown_after_store=1.0))
    assert code_of(post(lossy, SEND, new_body())) == "UNKNOWN_EXCEPTION"
    assert len(lossy.messages()) == 1


def test_drop_after_store_closes_without_an_answer(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(faults=Faults(drop_after_store=1.0))
    with pytest.raises(urllib3.exceptions.ProtocolError):
        post(sandbox, SEND, new_body())
    assert len(sandbox.messages()) == 1


def test_fault_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown_after_store"):
        Faults(unknown_after_store=1.5)


def test_delay(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(faults=Faults(delay=0.2))
    with MessageClient(sandbox.url, "c-1", timeout=0.05, retries=0) as client:
        with pytest.raises(TransportError, match="ReadTimeoutError"):
            client.send(new_body())


def test_mask_body_leaves_other_values_alone() -> None:
    body = copy.deepcopy(new_body())
    masked = mask_body(body)
    assert masked["accessToken"] == "20…xx"
    assert body["accessToken"] == TOKEN
    assert mask_body([1]) == [1]


def test_compat_sandbox_command(tmp_path: Any, platform_key: bytes) -> None:
    key = tmp_path / "platform.pem"
    key.write_bytes(platform_key)
    options = ["--prefix", "/api/open", "--platform-private-key", str(key), "--seed", "3"]
    with Command("sandbox", "--port", "0", *options) as sandbox:
        first = sandbox.line()
        assert first.startswith("compat sandbox serving on http://127.0.0.1:")
        url = first.split()[-1]
        assert url.endswith("/api/open")
        with MessageClient(url, "c-1") as client:
            assert client.send(new_body()).result.result_code == "SUCCESS"
    assert "1 message(s) received" in sandbox.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unknown-rate", "2"], "argument --unknown-rate: expected a rate from 0 to 1, got '2'"),
        (["--prefix", "api"], "prefix"),
        (["--merchant-public-key", "/nonexistent.pem"], "cannot read"),
    ],
)
def test_compat_sandbox_usage_errors(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "sandbox", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr


# -- a bounded store, paged ------------------------------------------------------------


def test_the_store_keeps_the_newest_messages_and_exact_counts(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(max_messages=3)
    for n in range(5):
        token = f"{TOKEN}-{n % 2}"
        assert (
            code_of(post(sandbox, SEND, new_body(requestId=f"r{n}", accessToken=token)))
            == "SUCCESS"
        )
    kept = sandbox.messages()
    assert [m["requestId"] for m in kept] == ["r2", "r3", "r4"]
    assert [m["seq"] for m in kept] == [3, 4, 5]
    assert sandbox.total == 5
    assert len(sandbox.requests()) == 3
    status, listing = post(sandbox, "/_sandbox/messages", b"", method="GET")
    assert (status, listing["total"], listing["kept"], listing["next"]) == (200, 5, 3, None)
    page = sandbox.inbox_page()
    assert "5 message" in page
    # a kept message is still recognised; a forgotten one is stored anew
    assert (
        code_of(post(sandbox, SEND, new_body(requestId="r4", accessToken=f"{TOKEN}-0")))
        == "SUCCESS"
    )
    assert sandbox.total == 5
    assert (
        code_of(post(sandbox, SEND, new_body(requestId="r0", accessToken=f"{TOKEN}-0")))
        == "SUCCESS"
    )
    assert sandbox.total == 6
    assert sandbox.reset() == 6
    assert sandbox.total == 0


def test_the_messages_api_pages(compat_sandbox: Sandbox) -> None:
    for n in range(5):
        post(compat_sandbox, SEND, new_body(requestId=f"r{n}"))
    seen, after = [], 0
    while True:
        status, listing = post(
            compat_sandbox, f"/_sandbox/messages?limit=2&after={after}", b"", method="GET"
        )
        assert status == 200
        seen += [m["requestId"] for m in listing["messages"]]
        if listing["next"] is None:
            break
        after = listing["next"]
    assert seen == ["r0", "r1", "r2", "r3", "r4"]
    assert compat_sandbox.messages(after=4) == compat_sandbox.messages()[4:]
    for query in ("limit=0", "after=-1", "limit=x"):
        status, error = post(compat_sandbox, f"/_sandbox/messages?{query}", b"", method="GET")
        assert status == 400
        assert "must be a whole number" in error["error"]


@pytest.mark.parametrize("value", [0, -1, 2.0])
def test_max_messages_is_a_number_of_messages(value: Any) -> None:
    with pytest.raises(ValueError, match="max_messages must be a number of messages"):
        Sandbox(max_messages=value)
