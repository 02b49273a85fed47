"""compat gateway: legacy callers in any language, served by the new endpoint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import urllib3

from compat import RsaSigner, RsaVerifier, audit_log, translate_send_inbox
from compat.gateway import Gateway
from compat.sandbox import Sandbox, mask_body
from compat.signing import content_to_sign, parse_signature_header, request_time

from .conftest import public_pem
from .payloads import TOKEN, inbox
from .servers import Command, free_port

CLIENT = "2022091910020000"
LEGACY = "/api/open/v2/messages/sendInbox"
HTTP = urllib3.PoolManager(retries=False)


@pytest.fixture
def upstream(compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes) -> Sandbox:
    sandbox: Sandbox = compat_sandbox_factory(
        prefix="/api/open",
        merchant_public_key=public_pem(merchant_key),
        platform_private_key=platform_key,
    )
    return sandbox


@pytest.fixture
def gateway(upstream: Sandbox, merchant_key: bytes, platform_key: bytes) -> Any:
    audit_log().clear()
    with Gateway(
        upstream.url,
        CLIENT,
        private_key=merchant_key,
        platform_public_key=public_pem(platform_key),
        sunset="2027-06-30",
        deprecated_since=1767225600,
        retries=0,
    ) as running:
        yield running


def call(
    target: Gateway | str, path: str, payload: Any, key: bytes | None, method: str = "POST"
) -> urllib3.BaseHTTPResponse:
    """POST a legacy body to the gateway (or its URL), signed with ``key`` when given."""
    url = target if isinstance(target, str) else target.url
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Client-Id": CLIENT}
    if key is not None:
        when = request_time()
        content = content_to_sign("POST", path, CLIENT, when, raw)
        headers["Request-Time"] = when
        headers["Signature"] = RsaSigner(key).signature_header(content)
    return HTTP.request(method, url + path, body=raw, headers=headers)


def test_a_signed_legacy_call_is_translated_and_answered_signed(
    gateway: Gateway, upstream: Sandbox, merchant_key: bytes
) -> None:
    answer = call(gateway, LEGACY, inbox(), merchant_key)
    body = json.loads(answer.data)
    assert answer.status == 200
    assert list(body) == ["result", "messageId"]
    assert body["result"]["resultCode"] == "SUCCESS"
    [message] = upstream.messages()
    assert message["path"] == "/api/open/v2/miniprogram/message/send"
    assert message["body"] == mask_body(translate_send_inbox(inbox()).to_wire())
    signature = parse_signature_header(answer.headers["Signature"])["signature"]
    content = content_to_sign(
        "POST", LEGACY, answer.headers["Client-Id"], answer.headers["Response-Time"], answer.data
    )
    assert RsaVerifier(public_pem(merchant_key)).verify(content, signature)
    assert answer.headers["Deprecation"] == "@1767225600"
    assert answer.headers["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert answer.headers["Link"] == (
        f'<{upstream.url}/v2/miniprogram/message/send>; rel="successor-version"'
    )
    [entry] = audit_log().entries()
    assert (entry.site, entry.outcomes) == ("gateway caller 127.0.0.1", {"S SUCCESS": 1})
    assert TOKEN not in audit_log().to_json()


@pytest.mark.parametrize(
    ("path", "method", "code"),
    [
        ("/v2/miniprogram/message/send", "POST", "INVALID_API"),
        ("/v2/messages/sendInboxes", "POST", "INVALID_API"),
        ("/", "GET", "INVALID_API"),
        (LEGACY, "GET", "METHOD_NOT_SUPPORTED"),
    ],
)
def test_everything_else_is_refused_like_the_platform(
    gateway: Gateway, upstream: Sandbox, merchant_key: bytes, path: str, method: str, code: str
) -> None:
    answer = call(gateway, path, inbox(), merchant_key, method=method)
    assert (answer.status, json.loads(answer.data)["result"]["resultCode"]) == (200, code)
    assert "Deprecation" not in answer.headers or path == LEGACY
    assert upstream.requests() == []


def test_bad_calls_get_platform_answers_never_500(
    gateway: Gateway, upstream: Sandbox, merchant_key: bytes, platform_key: bytes
) -> None:
    unsigned = json.loads(call(gateway, LEGACY, inbox(), None).data)
    assert unsigned["result"]["resultCode"] == "INVALID_SIGNATURE"
    wrong_key = json.loads(call(gateway, LEGACY, inbox(), platform_key).data)
    assert wrong_key["result"]["resultCode"] == "INVALID_SIGNATURE"
    too_long = json.loads(call(gateway, LEGACY, inbox(requestId="r" * 130), merchant_key).data)
    assert too_long["result"]["resultCode"] == "PARAM_ILLEGAL"
    assert "requestId is 130 characters long" in too_long["result"]["resultMessage"]
    garbage = json.loads(call(gateway, LEGACY, b"{oops", merchant_key).data)
    assert garbage["result"]["resultMessage"].startswith("sendInbox: the body is not valid JSON (")
    assert upstream.requests() == []
    outcomes = audit_log().entries()[0].outcomes
    assert outcomes == {"F INVALID_SIGNATURE": 2, "invalid: requestId": 1, "invalid: <body>": 1}


def test_upstream_failures_come_back_in_the_legacy_shape(
    compat_sandbox_factory: Any, merchant_key: bytes
) -> None:
    strict = compat_sandbox_factory(access_tokens={"someone-else"})
    with Gateway(strict.url, CLIENT, private_key=merchant_key, retries=0) as gateway:
        failed = json.loads(call(gateway, "/v2/messages/sendInbox", inbox(), merchant_key).data)
    assert failed == {
        "result": {
            "resultStatus": "F",
            "resultCode": "INVALID_ACCESS_TOKEN",
            "resultMessage": "the access token is invalid",
        }
    }
    down = f"http://127.0.0.1:{free_port()}"
    with Gateway(down, CLIENT, private_key=merchant_key, retries=0) as gateway:
        unknown = json.loads(call(gateway, "/v2/messages/sendInbox", inbox(), merchant_key).data)
    assert unknown["result"]["resultStatus"] == "U"
    assert unknown["result"]["resultCode"] == "UNKNOWN_EXCEPTION"


def test_unsigned_callers_when_asked(compat_sandbox: Sandbox) -> None:
    with Gateway(compat_sandbox.url, CLIENT, verify_callers=False, retries=0) as gateway:
        answer = call(gateway, "/v2/messages/sendInbox", inbox(), None)
    assert json.loads(answer.data)["result"]["resultCode"] == "SUCCESS"
    assert "Signature" not in answer.headers
    with pytest.raises(ValueError, match="needs a key"):
        Gateway(compat_sandbox.url, CLIENT)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_a_node_client(
    gateway: Gateway, upstream: Sandbox, merchant_key: bytes, tmp_path: Path
) -> None:
    key = tmp_path / "merchant.pem"
    key.write_bytes(merchant_key)
    public = tmp_path / "merchant.pub.pem"
    public.write_bytes(public_pem(merchant_key))
    script = Path(__file__).with_name("clients") / "send_inbox.js"
    done = subprocess.run(
        ["node", str(script), gateway.url, CLIENT, str(key), str(public)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == 200
    assert answer["body"]["result"]["resultCode"] == "SUCCESS"
    assert answer["verified"] is True
    assert answer["deprecation"] == "@1767225600"
    assert answer["link"].endswith('/v2/miniprogram/message/send>; rel="successor-version"')
    [message] = upstream.messages()
    assert message["body"]["redirectUrl"] == "/pages/orders/42"
    assert message["body"]["requestId"] == "node-order-42"
    assert message["body"]["appId"] == "2021004125637654"


@pytest.mark.parametrize(("trace", "traced"), [([], True), (["--no-trace"], False)])
def test_compat_gateway_command(
    upstream: Sandbox, merchant_key: bytes, tmp_path: Path, trace: list[str], traced: bool
) -> None:
    key = tmp_path / "merchant.pem"
    key.write_bytes(merchant_key)
    sunset = "Wed, 30 Jun 2027 00:00:00 GMT"
    options = ["--client-id", CLIENT, "--private-key", str(key), "--sunset", sunset, *trace]
    with Command(
        "gateway", "--upstream", upstream.url, "--listen", "127.0.0.1:0", *options
    ) as gateway:
        line = gateway.line()
        assert line.startswith("compat gateway serving on http://127.0.0.1:")
        answer = call(line.split()[4], LEGACY, inbox(), merchant_key)
        assert json.loads(answer.data)["result"]["resultCode"] == "SUCCESS"
        assert answer.headers["Sunset"] == sunset
    # the upstream is a sandbox on loopback: the legacy original goes along unless told not to
    assert (upstream.messages()[0]["legacy"] is not None) is traced


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nowhere"], "HOST:PORT"),
        (["--private-key", "/nonexistent.pem"], "cannot read"),
        ([], "needs a key"),
    ],
)
def test_gateway_usage_errors(args: list[str], message: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "compat",
            "gateway",
            "--upstream",
            "http://127.0.0.1:9",
            "--client-id",
            CLIENT,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr


# -- operations endpoints ---------------------------------------------------------------


def test_healthz_and_readyz(compat_sandbox_factory: Any) -> None:
    upstream = compat_sandbox_factory()
    with Gateway(upstream.url, "c", verify_callers=False, retries=0) as gateway:
        for path in ("/healthz", "/readyz"):
            answer = urllib3.request("GET", gateway.url + path, retries=False)
            assert (answer.status, answer.json()) == (
                200,
                {"status": "ok" if path == "/healthz" else "ready"},
            )
        assert urllib3.request("POST", gateway.url + "/healthz", retries=False).status == 405
        # a call answered: ready without a probe, even once the upstream is gone
        answer = urllib3.request("POST", gateway.url + LEGACY, json=inbox(), retries=False)
        assert answer.json()["result"]["resultStatus"] == "S"
        upstream.stop()
        assert urllib3.request("GET", gateway.url + "/readyz", retries=False).status == 200
        gateway._answered -= 61  # a minute later: the probe finds no upstream
        answer = urllib3.request("GET", gateway.url + "/readyz", retries=False)
        assert (answer.status, answer.json()) == (503, {"status": "upstream unreachable"})
        assert urllib3.request("GET", gateway.url + "/healthz", retries=False).status == 200
