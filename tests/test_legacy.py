"""The drop-in shim: LegacyClient, TranslatingPoolManager, their warnings and their audit."""

from __future__ import annotations

import copy
import inspect
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Callable

import pytest
import urllib3

import compat
from compat import (
    ContentTemplate,
    FieldTooLongError,
    LegacyClient,
    LegacyEndpointWarning,
    MissingFieldError,
    Policy,
    RequestFailed,
    RsaSigner,
    RsaVerifier,
    SendByAccessTokenRequest,
    SendByAccessTokenResponse,
    SendInboxRequest,
    SendInboxResponse,
    SignatureError,
    TranslatingPoolManager,
    TranslationError,
    TranslationWarning,
    audit_log,
    translate_send_by_access_token,
    translate_send_inbox,
)
from compat.legacy import deprecation_message
from compat.sandbox import Sandbox, mask_body

from .conftest import public_pem
from .payloads import SEND_BY_ACCESS_TOKEN_SAMPLE, TOKEN, by_token, inbox
from .servers import Raw, ScriptedServer

SEND_INBOX_PATH = "/v2/messages/sendInbox"
BY_TOKEN_PATH = "/v2/customers/message/sendByAccessToken"
NEW_PATH = "/v2/miniprogram/message/send"


@pytest.fixture(autouse=True)
def _fresh_audit_log() -> None:
    audit_log().clear()


def legacy(sandbox: Sandbox, **options: Any) -> LegacyClient:
    options.setdefault("retries", 0)
    return LegacyClient(sandbox.url, "client-1", **options)


def line_of(marker: str) -> int:
    """The line number, in this file, of the line that ends with ``# <marker>``."""
    source = Path(__file__).read_text().splitlines()
    return next(n for n, text in enumerate(source, 1) if text.endswith(f"# {marker}"))


# -- wire-level equivalence -------------------------------------------------------

INBOX_CASES = [
    inbox(),
    inbox(actionUrl="/pages/action"),
    inbox(authClientId=None),
    inbox(extendInfo=None, templates=[{"templateParameters": {"pushContentUrl": "/x"}}] * 2),
    {
        "access_token": TOKEN,
        "auth_client_id": "APP",
        "request_id": "snake-1",
        "template_code": "TP",
        "templates": [{"template_parameters": {"pushContentUrl": "/s"}, "language": "th-TH"}],
    },
]
BY_TOKEN_CASES = [
    by_token(),
    by_token(redirectUrl="http://redirecturl"),
    by_token(templates=[{"templateParameters": {"who": "Ana"}}]),
    by_token(extendInfo="x", templateCode="OLD"),
]
POLICY = Policy(app_id="APP-DEFAULT", template_codes={"OLD": "TP_NEW"})


@pytest.mark.parametrize("payload", INBOX_CASES)
def test_send_inbox_sends_exactly_the_translation(
    compat_sandbox: Sandbox, payload: dict[str, Any]
) -> None:
    with pytest.warns(LegacyEndpointWarning), legacy(compat_sandbox, policy=POLICY) as client:
        response = client.send_inbox(copy.deepcopy(payload))
    [message] = compat_sandbox.messages()
    assert message["path"] == NEW_PATH
    assert message["body"] == mask_body(translate_send_inbox(payload, POLICY).to_wire())
    assert isinstance(response, SendInboxResponse)
    assert response.result.result_status == "S"
    assert response.message_id == message["messageId"]


@pytest.mark.parametrize("payload", BY_TOKEN_CASES)
def test_send_by_access_token_sends_exactly_the_translation(
    compat_sandbox: Sandbox, payload: dict[str, Any]
) -> None:
    with pytest.warns(LegacyEndpointWarning), legacy(compat_sandbox, policy=POLICY) as client:
        response = client.send_by_access_token(payload)
    [message] = compat_sandbox.messages()
    assert message["body"] == mask_body(translate_send_by_access_token(payload, POLICY).to_wire())
    assert isinstance(response, SendByAccessTokenResponse)
    assert response.result.result_code == "SUCCESS"


def test_the_published_sample_without_request_id_goes_through(compat_sandbox: Sandbox) -> None:
    with pytest.warns(LegacyEndpointWarning), pytest.warns(TranslationWarning, match="generated"):
        with legacy(compat_sandbox) as client:
            client.send_by_access_token(SEND_BY_ACCESS_TOKEN_SAMPLE)
    body = compat_sandbox.messages()[0]["body"]
    assert len(body["requestId"]) == 32
    assert body["redirectUrl"] == "http://redirecturl"


def test_keyword_fields_and_models_are_the_same_call(compat_sandbox: Sandbox) -> None:
    templates = [ContentTemplate({"who": "Ana", "pushContentUrl": "/p"}, "en-US")]
    with pytest.warns(LegacyEndpointWarning), legacy(compat_sandbox) as client:
        client.send_inbox(
            access_token=TOKEN,
            auth_client_id="APP",
            request_id="kw-1",
            template_code="TP",
            templates=templates,
        )
        client.send_inbox(SendInboxRequest(TOKEN, "model-1", "TP", templates, "APP"))
        client.send_by_access_token(
            app_id="APP",
            access_token=TOKEN,
            request_id="kw-2",
            template_code="TP",
            templates=templates,
        )
        client.send_by_access_token(
            SendByAccessTokenRequest("APP", TOKEN, "TP", templates, request_id="model-2")
        )
    bodies = [m["body"] for m in compat_sandbox.messages()]
    assert [b["requestId"] for b in bodies] == ["kw-1", "model-1", "kw-2", "model-2"]
    assert {b["redirectUrl"] for b in bodies} == {"/p"}


def test_keyword_fields_are_exactly_the_legacy_fields() -> None:
    for method, endpoint in (
        (LegacyClient.send_inbox, compat._spec.SEND_INBOX),
        (LegacyClient.send_by_access_token, compat._spec.SEND_BY_ACCESS_TOKEN),
    ):
        keywords = [
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        assert set(keywords) == {spec.attr for spec in endpoint.request}


def test_payload_and_keywords_are_not_both_allowed(compat_sandbox: Sandbox) -> None:
    with legacy(compat_sandbox) as client:
        with pytest.raises(TypeError, match="not both"):
            client.send_inbox(inbox(), request_id="x")
        with pytest.raises(TypeError, match="needs a payload"):
            client.send_by_access_token()
        with pytest.raises(TypeError):
            client.send_inbox(colour="red")  # type: ignore[call-arg]
    assert compat_sandbox.requests() == []


# -- post ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "payload", "keys"),
    [
        (SEND_INBOX_PATH, inbox(), ["result", "messageId"]),
        ("/api/open" + SEND_INBOX_PATH, inbox(), ["result", "messageId"]),
        (BY_TOKEN_PATH, by_token(), ["result"]),
        ("/acl/api" + BY_TOKEN_PATH + "/", by_token(), ["result"]),
    ],
)
def test_post_routes_legacy_paths_and_answers_a_legacy_wire_body(
    compat_sandbox: Sandbox, path: str, payload: dict[str, Any], keys: list[str]
) -> None:
    with pytest.warns(LegacyEndpointWarning), legacy(compat_sandbox) as client:
        answer = client.post(path, payload)
    assert list(answer) == keys
    assert answer["result"]["resultStatus"] == "S"
    assert compat_sandbox.messages()[0]["path"] == NEW_PATH


@pytest.mark.parametrize("path", [NEW_PATH, "/v2/messages/sendInboxes", "", "/v2/other"])
def test_post_refuses_other_paths(compat_sandbox: Sandbox, path: str) -> None:
    with legacy(compat_sandbox) as client, pytest.raises(TranslationError, match="deprecated path"):
        client.post(path, inbox())


# -- errors ---------------------------------------------------------------------------


def test_legacy_limits_come_first(compat_sandbox: Sandbox) -> None:
    with legacy(compat_sandbox) as client, pytest.warns(LegacyEndpointWarning):
        with pytest.raises(FieldTooLongError) as legacy_limit:
            client.send_inbox(inbox(requestId="r" * 129))
        with pytest.raises(FieldTooLongError) as new_limit:
            client.send_inbox(inbox(authClientId="a" * 33))
        with pytest.raises(MissingFieldError):
            client.send_inbox(inbox(templateCode=None))
    assert (legacy_limit.value.limit, legacy_limit.value.field) == (128, "requestId")
    assert (new_limit.value.limit, new_limit.value.field) == (32, "authClientId")
    assert compat_sandbox.requests() == []


def test_platform_failures_keep_their_types(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(access_tokens={"another-token"})
    with legacy(sandbox) as client, pytest.warns(LegacyEndpointWarning):
        with pytest.raises(RequestFailed) as info:
            client.send_inbox(inbox())
    assert info.value.result.result_code == "INVALID_ACCESS_TOKEN"
    assert info.value.request_id == "20191127190741010007013213123xxxx"


def test_signing_and_response_verification_pass_through(
    compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes
) -> None:
    sandbox = compat_sandbox_factory(
        merchant_public_key=public_pem(merchant_key), platform_private_key=platform_key
    )
    client = legacy(
        sandbox,
        signer=RsaSigner(merchant_key),
        verifier=RsaVerifier(public_pem(platform_key)),
    )
    with client, pytest.warns(LegacyEndpointWarning):
        assert client.send_inbox(inbox()).result.result_code == "SUCCESS"


# -- warnings -------------------------------------------------------------------------


def test_warnings_point_at_the_calling_line(compat_sandbox: Sandbox) -> None:
    with legacy(compat_sandbox) as client, pytest.warns(LegacyEndpointWarning) as seen:
        client.send_inbox(inbox())  # call: send_inbox
        client.send_by_access_token(by_token())  # call: send_by_access_token
        client.post(SEND_INBOX_PATH, inbox(requestId="post-1"))  # call: post
    assert [(w.filename, w.lineno) for w in seen] == [
        (__file__, line_of("call: send_inbox")),
        (__file__, line_of("call: send_by_access_token")),
        (__file__, line_of("call: post")),
    ]
    assert {w.category for w in seen} == {LegacyEndpointWarning}
    first = str(seen[0].message)
    assert "sendInbox (POST /v2/messages/sendInbox) is deprecated" in first
    assert "POST /v2/miniprogram/message/send" in first
    assert "compat migrate" in first
    assert str(seen[1].message) == deprecation_message("sendByAccessToken")


def test_lossy_translations_also_warn_at_the_calling_line(compat_sandbox: Sandbox) -> None:
    payload = inbox(requestId="r" * 100)
    with legacy(compat_sandbox, policy=Policy(overlong_request_id="digest")) as client:
        with pytest.warns((LegacyEndpointWarning, TranslationWarning)) as seen:
            client.send_inbox(payload)  # call: lossy
    lossy = [w for w in seen if w.category is TranslationWarning]
    assert [(w.filename, w.lineno) for w in lossy] == [(__file__, line_of("call: lossy"))]


SCRIPT = """
import compat
from compat.sandbox import Sandbox
import app

with Sandbox() as sandbox:
    client = compat.LegacyClient(sandbox.url, "c-1", retries=0)
    app.notify(client, 3)
    app.other(client)
    print(len(sandbox.messages()), "messages")
"""

APP = """
from tests_payload import inbox

def notify(client, times):
    for n in range(times):
        client.send_inbox(inbox(requestId=f"loop-{n}"))

def other(client):
    client.send_inbox(inbox(requestId="other"))
"""


def run_script(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "run.py").write_text(SCRIPT)
    payloads = Path(__file__).with_name("payloads.py").read_text()
    (tmp_path / "tests_payload.py").write_text(payloads)
    return subprocess.run(
        [sys.executable, *options, "run.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONWARNINGS"},
    )


def test_default_filters_show_each_call_site_once(tmp_path: Path) -> None:
    done = run_script(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 messages" in done.stdout
    shown = [line for line in done.stderr.splitlines() if "LegacyEndpointWarning" in line]
    assert len(shown) == 2
    assert "app.py:6:" in shown[0]
    assert "app.py:9:" in shown[1]


def test_warnings_become_errors_with_W_error(tmp_path: Path) -> None:
    done = run_script(tmp_path, "-W", "error::compat.LegacyEndpointWarning")
    assert done.returncode == 1
    assert "compat.errors.LegacyEndpointWarning: sendInbox" in done.stderr
    # Python itself drops the option at start-up (compat is not importable yet)
    # and says so; compat applies it on import.
    assert "Invalid -W option ignored" in done.stderr


def test_pythonwarnings_naming_compat_categories_applies(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PYTHONWARNINGS": "error::compat.LegacyEndpointWarning"}
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "run.py").write_text(SCRIPT)
    (tmp_path / "tests_payload.py").write_text(Path(__file__).with_name("payloads.py").read_text())
    done = subprocess.run(
        [sys.executable, "run.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "LegacyEndpointWarning: sendInbox" in done.stderr


def test_other_warning_options_are_left_to_python() -> None:
    import warnings

    from compat.errors import _apply_warning_options

    before = list(warnings.filters)
    saved = list(sys.warnoptions)
    try:
        sys.warnoptions[:] = [
            "error::DeprecationWarning",  # Python's own business
            "nonsense::compat.LegacyEndpointWarning",  # not an action
            "error::compat.TranslationWarning:app:x",  # bad line number
            "ignore:sendInbox:compat.errors.LegacyEndpointWarning:app:7",
        ]
        with warnings.catch_warnings():
            _apply_warning_options()
            added = warnings.filters[: len(warnings.filters) - len(before)]
        assert [(f[0], f[2], f[4]) for f in added] == [("ignore", LegacyEndpointWarning, 7)]
    finally:
        sys.warnoptions[:] = saved


def test_an_explicit_ignore_is_respected(tmp_path: Path) -> None:
    done = run_script(tmp_path, "-W", "ignore::DeprecationWarning")
    assert done.returncode == 0
    assert "LegacyEndpointWarning" not in done.stderr


def test_a_blanket_ignore_set_before_compat_is_imported_is_respected(tmp_path: Path) -> None:
    # warnings.simplefilter("ignore") in the program, before it imports compat: the
    # user decided for every warning, which is not Python's default ignore of
    # DeprecationWarning that compat steps in front of
    done = run_script(
        tmp_path,
        "-c",
        "import warnings; warnings.simplefilter('ignore'); exec(open('run.py').read())",
    )
    assert done.returncode == 0, done.stderr
    assert "4 messages" in done.stdout
    assert "LegacyEndpointWarning" not in done.stderr


def test_mypy_reports_the_deprecated_call_statically(tmp_path: Path) -> None:
    user = tmp_path / "user_code.py"
    user.write_text(
        textwrap.dedent(
            """
            import compat

            client = compat.LegacyClient("http://127.0.0.1:1", "client-1")
            client.send_inbox({"accessToken": "t"})
            client.send_by_access_token({"appId": "a"})
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--enable-error-code",
            "deprecated",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--no-error-summary",
            str(user),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**__import__("os").environ, "MYPYPATH": str(Path(compat.__file__).parent.parent)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any("user_code.py:5" in ln and "send_inbox" in ln and "deprecated" in ln for ln in lines)
    assert any("user_code.py:6" in ln and "send_by_access_token" in ln for ln in lines)
    assert "compat migrate" in done.stdout


# -- the run-time audit -----------------------------------------------------------------


def test_audit_log_counts_calls_by_site_across_threads(compat_sandbox: Sandbox) -> None:
    client = legacy(compat_sandbox)

    def inbox_worker(worker: int) -> None:
        for n in range(5):
            client.send_inbox(inbox(requestId=f"w{worker}-{n}"))  # site: inbox worker

    def token_worker(worker: int) -> None:
        for n in range(3):
            client.send_by_access_token(by_token(requestId=f"t{worker}-{n}"))  # site: token

    with pytest.warns(LegacyEndpointWarning):
        threads = [threading.Thread(target=inbox_worker, args=(w,)) for w in range(4)]
        threads += [threading.Thread(target=token_worker, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with pytest.raises(FieldTooLongError):
            client.send_inbox(inbox(requestId="r" * 200))  # site: invalid
    client.close()

    log = audit_log()
    assert log.total == 4 * 5 + 4 * 3 + 1
    assert log.summary() == {"sendInbox": 21, "sendByAccessToken": 12}
    entries = {e.site: e for e in log.entries()}
    inbox_site = f"{__file__}:{line_of('site: inbox worker')}:inbox_worker"
    token_site = f"{__file__}:{line_of('site: token')}:token_worker"
    invalid_site = (
        f"{__file__}:{line_of('site: invalid')}:test_audit_log_counts_calls_by_site_across_threads"
    )
    assert entries[inbox_site].count == 20
    assert entries[inbox_site].outcomes == {"S SUCCESS": 20}
    assert entries[inbox_site].changes == {
        "renamed authClientId": 20,
        "moved templates[0].templateParameters.pushContentUrl": 20,
    }
    assert entries[token_site].count == 12
    assert entries[invalid_site].outcomes == {"invalid: requestId": 1}
    assert entries[inbox_site].first <= entries[inbox_site].last
    document = json.loads(log.to_json())
    assert document["total"] == 33
    assert TOKEN not in log.to_json()
    assert TOKEN[:8] not in log.to_json()
    assert len(log) == 3
    assert "33 deprecated call(s) from 3 site(s)" in repr(log)


def test_audit_sink_writes_json_lines_without_secrets(tmp_path: Path) -> None:
    sink = tmp_path / "audit.jsonl"
    script = tmp_path / "sink.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import logging
            import compat
            from compat.sandbox import Sandbox
            logging.basicConfig()
            with Sandbox() as sandbox:
                client = compat.LegacyClient(sandbox.url, "c-1", retries=0)
                for n in range(3):
                    client.send_inbox({{
                        "accessToken": {TOKEN!r}, "authClientId": "APP",
                        "requestId": f"r-{{n}}", "templateCode": "T",
                        "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}],
                    }})
            """
        )
    )
    import os

    env = {**os.environ, "COMPAT_AUDIT_FILE": str(sink), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in sink.read_text().splitlines()]
    assert len(lines) == 3
    assert {line["endpoint"] for line in lines} == {"sendInbox"}
    assert lines[0]["site"].endswith("sink.py:9:<module>")
    assert lines[0]["outcome"] == "S SUCCESS"
    assert TOKEN not in sink.read_text()
    # logged once per call site on compat.deprecations
    assert done.stderr.count("deprecated sendInbox called from") == 1


def test_audit_log_sink_argument(tmp_path: Path, compat_sandbox: Sandbox) -> None:
    log = compat.AuditLog(sink=tmp_path / "a.jsonl")
    from compat._warn import CallSite

    log.record("sendInbox", CallSite("app.py", 3, "notify"), (), "S SUCCESS")
    log.record("sendInbox", CallSite("app.py", 3, "notify"))
    assert json.loads((tmp_path / "a.jsonl").read_text().splitlines()[1])["outcome"] == ""
    [entry] = log.entries()
    assert (entry.site, entry.count) == ("app.py:3:notify", 2)
    log.clear()
    assert log.entries() == []


# -- TranslatingPoolManager -------------------------------------------------------------


def raw_post(
    http: urllib3.PoolManager, url: str, payload: Any, **kw: Any
) -> urllib3.BaseHTTPResponse:
    headers = {"Content-Type": "application/json", "Client-Id": "client-1"}
    return http.request("POST", url, body=json.dumps(payload), headers=headers, **kw)  # raw post


def test_pool_manager_translates_legacy_posts(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(prefix="/api/open")
    http = TranslatingPoolManager()
    with pytest.warns(LegacyEndpointWarning) as seen:
        answer = raw_post(http, sandbox.url + SEND_INBOX_PATH, inbox())
        url = sandbox.url + BY_TOKEN_PATH
        second = http.request("POST", url, json=by_token())  # call: pool json
    # the first line outside compat and urllib3: the helper's http.request
    assert (seen[0].filename, seen[0].lineno) == (__file__, line_of("raw post"))
    assert (seen[1].filename, seen[1].lineno) == (__file__, line_of("call: pool json"))
    assert answer.status == 200
    body = answer.json()
    assert list(body) == ["result", "messageId"]
    assert body["result"]["resultCode"] == "SUCCESS"
    assert list(second.json()) == ["result"]
    messages = sandbox.messages()
    assert [m["path"] for m in messages] == ["/api/open" + NEW_PATH] * 2
    assert messages[0]["body"] == mask_body(translate_send_inbox(inbox()).to_wire())
    assert "Signature" not in answer.headers
    http.clear()


def test_pool_manager_passes_everything_else_through(compat_sandbox: Sandbox) -> None:
    http = TranslatingPoolManager()
    new = raw_post(http, compat_sandbox.url + NEW_PATH, translate_send_inbox(inbox()).to_wire())
    assert new.json()["result"]["resultCode"] == "SUCCESS"
    other = http.request("GET", compat_sandbox.url + SEND_INBOX_PATH)
    assert other.json()["result"]["resultCode"] == "METHOD_NOT_SUPPORTED"
    near = raw_post(http, compat_sandbox.url + "/v2/messages/sendInboxes", inbox())
    assert near.json()["result"]["resultCode"] == "INVALID_API"
    assert [r["path"] for r in compat_sandbox.requests()] == [
        NEW_PATH,
        SEND_INBOX_PATH,
        "/v2/messages/sendInboxes",
    ]
    assert audit_log().total == 0


def test_pool_manager_answers_untranslatable_bodies_like_the_platform(
    compat_sandbox: Sandbox,
) -> None:
    http = TranslatingPoolManager()
    with pytest.warns(LegacyEndpointWarning):
        missing = raw_post(http, compat_sandbox.url + SEND_INBOX_PATH, inbox(requestId=None))
        garbage = http.request("POST", compat_sandbox.url + SEND_INBOX_PATH, body=b"{oops")
        not_bytes = http.urlopen("POST", compat_sandbox.url + SEND_INBOX_PATH, body=iter([b"x"]))
    assert missing.json()["result"] == {
        "resultStatus": "F",
        "resultCode": "PARAM_ILLEGAL",
        "resultMessage": "sendInbox: requestId is missing (required)",
    }
    assert "not valid JSON" in garbage.json()["result"]["resultMessage"]
    assert "JSON bytes or text" in not_bytes.json()["result"]["resultMessage"]
    assert compat_sandbox.requests() == []
    [entry] = [e for e in audit_log().entries() if "requestId" in str(e.outcomes)]
    assert entry.outcomes == {"invalid: requestId": 1}


def test_pool_manager_re_signs_and_verifies(
    compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes
) -> None:
    sandbox = compat_sandbox_factory(
        merchant_public_key=public_pem(merchant_key), platform_private_key=platform_key
    )
    http = TranslatingPoolManager(
        signer=RsaSigner(merchant_key), verifier=RsaVerifier(public_pem(platform_key))
    )
    stale = {"Signature": "algorithm=RSA256, keyVersion=1, signature=stale", "Request-Time": "x"}
    with pytest.warns(LegacyEndpointWarning):
        answer = raw_post(http, sandbox.url + SEND_INBOX_PATH, inbox())
        assert answer.json()["result"]["resultCode"] == "SUCCESS"
        answer = http.request(
            "POST",
            sandbox.url + SEND_INBOX_PATH,
            body=json.dumps(inbox(requestId="r2")),
            headers={"Content-Type": "application/json", "Client-Id": "client-1", **stale},
        )
    assert answer.json()["result"]["resultCode"] == "SUCCESS"
    wrong = TranslatingPoolManager(verifier=RsaVerifier(public_pem(merchant_key)))
    with pytest.warns(LegacyEndpointWarning), pytest.raises(SignatureError):
        raw_post(wrong, sandbox.url + SEND_INBOX_PATH, inbox(requestId="r3"))


def test_pool_manager_hands_over_answers_that_are_not_results() -> None:
    with ScriptedServer(Raw(502, b"<html>bad gateway</html>")) as server:
        http = TranslatingPoolManager()
        with pytest.warns(LegacyEndpointWarning):
            answer = raw_post(http, server.url + SEND_INBOX_PATH, inbox())
    assert (answer.status, answer.data) == (502, b"<html>bad gateway</html>")
    assert server.received[0].path == NEW_PATH
    assert audit_log().entries()[0].outcomes == {"HTTP 502": 1}


def test_pool_manager_streams_when_asked(compat_sandbox: Sandbox) -> None:
    http = TranslatingPoolManager()
    with pytest.warns(LegacyEndpointWarning):
        answer = raw_post(
            http, compat_sandbox.url + SEND_INBOX_PATH, inbox(), preload_content=False
        )
    assert json.loads(answer.read())["result"]["resultStatus"] == "S"


def test_pool_manager_connection_errors_propagate_and_are_recorded() -> None:
    from .servers import free_port

    http = TranslatingPoolManager(retries=False)
    with pytest.warns(LegacyEndpointWarning), pytest.raises(urllib3.exceptions.HTTPError):
        raw_post(http, f"http://127.0.0.1:{free_port()}" + SEND_INBOX_PATH, inbox())
    assert audit_log().entries()[0].outcomes == {"transport error": 1}


def test_failed_calls_are_recorded_with_their_outcome(
    compat_sandbox_factory: Any, merchant_key: bytes, platform_key: bytes
) -> None:
    from .servers import free_port

    signed = compat_sandbox_factory(platform_private_key=platform_key)
    wrong_key = legacy(signed, verifier=RsaVerifier(public_pem(merchant_key)))
    unreachable = LegacyClient(f"http://127.0.0.1:{free_port()}", "client-1", retries=0)
    with pytest.warns(LegacyEndpointWarning):
        with pytest.raises(SignatureError):
            wrong_key.send_inbox(inbox())
        with pytest.raises(compat.TransportError):
            unreachable.send_by_access_token(by_token())
    outcomes = {e.endpoint: dict(e.outcomes) for e in audit_log().entries()}
    assert outcomes == {
        "sendInbox": {"bad response signature": 1},
        "sendByAccessToken": {"transport error": 1},
    }


def test_deprecation_messages_name_the_spec_paths() -> None:
    for name, endpoint in compat._spec.LEGACY_ENDPOINTS.items():
        message = deprecation_message(name)
        assert f"{name} (POST {endpoint.path}) is deprecated" in message
        assert f"use POST {compat._spec.SEND.path}" in message
        assert "`compat migrate`" in message
    post_message = LegacyClient.post.__deprecated__  # type: ignore[attr-defined]
    for endpoint in compat._spec.LEGACY_ENDPOINTS.values():
        assert endpoint.path in post_message


def test_repr(compat_sandbox: Sandbox) -> None:
    assert (
        repr(legacy(compat_sandbox))
        == f"LegacyClient({compat_sandbox.url!r}, client_id='client-1')"
    )


_: Callable[..., Any] = inspect.signature  # keep the import used by line_of helpers
