"""The sandbox's inbox page, and the legacy originals the shims send along to it."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
import urllib3

from compat import ContentTemplate, LegacyClient, SendInboxRequest, TranslatingPoolManager
from compat.gateway import Gateway
from compat.sandbox import Sandbox
from compat.sandbox._inbox import SHOWN, TemplateRegistry

from .payloads import TOKEN, by_token, inbox, new_body
from .servers import Command, ScriptedServer, result

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.filterwarnings("ignore::compat.LegacyEndpointWarning")

HTTP = urllib3.PoolManager(retries=False)
HEADER = "Compat-Legacy-Request"
TEMPLATES = {
    "TP_5800000001xxxx": {"en-US": "Hello ${who}, your parcel is on its way (${missing})"},
    "PLAIN": "Same text in ${lang} for all",
}


def get(sandbox: Sandbox, path: str) -> urllib3.BaseHTTPResponse:
    return HTTP.request("GET", f"http://{sandbox.host}:{sandbox.port}{path}", redirect=False)


def accepted(url: str, body: Any, headers: dict[str, str] | None = None, http: Any = HTTP) -> None:
    """POST a JSON body to ``url``; the answer must be ``S``."""
    answer = http.request(
        "POST",
        url,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Client-Id": "c-1", **(headers or {})},
    )
    assert json.loads(answer.data)["result"]["resultStatus"] == "S"


def post_new(sandbox: Sandbox, body: Any, headers: dict[str, str] | None = None) -> None:
    """POST a new endpoint body straight to the sandbox; it must be accepted."""
    accepted(sandbox.url + "/v2/miniprogram/message/send", body, headers)


def page(sandbox: Sandbox) -> str:
    answer = get(sandbox, "/_sandbox/")
    assert answer.status == 200
    return answer.data.decode()


def articles(html: str) -> list[str]:
    return re.findall(r"<article .*?</article>", html, re.DOTALL)


def decode(value: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(value))


# -- the originals the shims send along -------------------------------------------


def test_the_shim_sends_the_legacy_original_to_a_sandbox(compat_sandbox: Sandbox) -> None:
    with LegacyClient(compat_sandbox.url, "c-1") as client:
        client.send_inbox(inbox(requestId="r-1"))
    (message,) = compat_sandbox.messages()
    legacy = message["legacy"]
    assert legacy["via"] == "LegacyClient"
    assert legacy["path"] == "/v2/messages/sendInbox"
    assert legacy["body"]["authClientId"] == inbox()["authClientId"]
    assert legacy["body"]["accessToken"] == "20…xx"
    assert legacy["body"]["templates"][0]["templateParameters"]["pushContentUrl"] == "/pages/inbox"
    kinds = {kind for kind, _, _ in legacy["changes"]}
    assert {"renamed", "moved"} <= kinds
    assert message["body"]["redirectUrl"] == "/pages/inbox"


def test_keyword_calls_are_traced_with_wire_names(compat_sandbox: Sandbox) -> None:
    sample = by_token()
    with LegacyClient(compat_sandbox.url, "c-1") as client:
        client.send_by_access_token(
            app_id=sample["appId"],
            access_token=TOKEN,
            request_id="kw-1",
            template_code=sample["templateCode"],
            templates=sample["templates"],
        )
    body = compat_sandbox.messages()[0]["legacy"]["body"]
    assert body["appId"] == sample["appId"]
    assert body["templateCode"] == sample["templateCode"]
    assert body["accessToken"] == "20…xx"


def test_the_header_never_holds_the_token() -> None:
    with ScriptedServer(result()) as server, LegacyClient(server.url, "c-1") as client:
        client.send_inbox(inbox())
    (received,) = server.received
    value = received.headers[HEADER]
    assert TOKEN not in value
    assert TOKEN not in json.dumps(decode(value), ensure_ascii=False)
    assert decode(value)["body"]["accessToken"] == "20…xx"


def test_trace_false_sends_nothing_extra() -> None:
    with ScriptedServer(result()) as server, LegacyClient(server.url, "c", trace=False) as client:
        client.send_inbox(inbox())
    assert HEADER not in server.received[0].headers


def test_only_loopback_hosts_get_a_trace_by_default() -> None:
    assert LegacyClient("http://127.0.0.1:1", "c").trace
    assert LegacyClient("http://localhost:1", "c").trace
    assert LegacyClient("http://[::1]:1", "c").trace
    assert not LegacyClient("https://open.wallet.example/api", "c").trace
    assert not LegacyClient("https://10.0.0.7/api", "c").trace
    assert LegacyClient("https://open.wallet.example/api", "c", trace=True).trace
    wallet = Gateway("https://open.wallet.example", "c", verify_callers=False)
    assert not wallet.trace


def test_a_trace_too_long_for_a_header_is_left_out() -> None:
    payload = inbox()
    payload["templates"][0]["templateParameters"]["who"] = "x" * 20_000
    with ScriptedServer(result()) as server, LegacyClient(server.url, "c-1") as client:
        client.send_inbox(payload)
    assert HEADER not in server.received[0].headers


def test_the_raw_http_shim_sends_the_original(compat_sandbox: Sandbox) -> None:
    url = compat_sandbox.url + "/v2/messages/sendInbox"
    accepted(url, inbox(requestId="raw-1"), http=TranslatingPoolManager())
    legacy = compat_sandbox.messages()[0]["legacy"]
    assert legacy["via"] == "TranslatingPoolManager"
    assert legacy["path"] == "/v2/messages/sendInbox"


def test_the_gateway_sends_the_original(compat_sandbox_factory: Any) -> None:
    upstream: Sandbox = compat_sandbox_factory(prefix="/api/open")
    with Gateway(upstream.url, "c-1", verify_callers=False, retries=0) as gateway:
        accepted(gateway.url + "/api/open/v2/messages/sendInbox", inbox(requestId="gw-1"))
    legacy = upstream.messages()[0]["legacy"]
    assert legacy["via"] == "compat gateway"
    assert legacy["path"] == "/api/open/v2/messages/sendInbox"
    assert "(via compat gateway)" not in page(upstream)
    assert "via compat gateway from" in page(upstream)


@pytest.mark.parametrize(
    "value",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"path": "/x", "via": "v", "changes": [[1]]}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_header_that_is_not_a_trace_is_ignored(compat_sandbox: Sandbox, value: str) -> None:
    post_new(compat_sandbox, new_body(), {HEADER: value})
    assert compat_sandbox.messages()[0]["legacy"] is None


def test_a_trace_with_a_token_in_clear_is_masked(compat_sandbox: Sandbox) -> None:
    trace = {"path": "/v2/messages/sendInbox", "via": "a script", "body": inbox(), "changes": []}
    value = base64.urlsafe_b64encode(json.dumps(trace).encode()).decode()
    post_new(compat_sandbox, new_body(), {HEADER: value})
    assert compat_sandbox.messages()[0]["legacy"]["body"]["accessToken"] == "20…xx"
    assert TOKEN not in page(compat_sandbox)


# -- the page ------------------------------------------------------------------------


def test_the_page_and_its_parts_are_served_with_a_strict_policy(compat_sandbox: Sandbox) -> None:
    for path, kind in [
        ("/_sandbox/", "text/html"),
        ("/_sandbox/inbox.js", "text/javascript"),
        ("/_sandbox/inbox.css", "text/css"),
        ("/_sandbox/inbox/version", "application/json"),
        ("/_sandbox/inbox/messages", "text/html"),
    ]:
        answer = get(compat_sandbox, path)
        assert answer.status == 200, path
        assert answer.headers["Content-Type"].startswith(kind), path
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "default-src 'none'" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    moved = get(compat_sandbox, "/_sandbox")
    assert moved.status == 301
    assert moved.headers["Location"] == "/_sandbox/"
    home = get(compat_sandbox, "/")  # the sandbox's address, as printed, leads to its inbox
    assert (home.status, home.headers["Location"]) == (302, "/_sandbox/")
    assert get(compat_sandbox, "/_sandbox/nothing").status == 404


def test_an_empty_inbox_says_so(compat_sandbox: Sandbox) -> None:
    html = page(compat_sandbox)
    assert "No messages yet" in html
    assert articles(html) == []


def test_messages_are_grouped_by_recipient_newest_first(compat_sandbox_factory: Any) -> None:
    sandbox: Sandbox = compat_sandbox_factory(templates=TEMPLATES)
    other = "2020000000000000000000000000000zzzz"
    with LegacyClient(sandbox.url, "c-1") as client:
        client.send_inbox(inbox(requestId="a-1"))
        client.send_inbox(inbox(requestId="b-1", accessToken=other))
        client.send_inbox(inbox(requestId="a-2"))
    html = page(sandbox)
    sections = re.findall(r'<section class="recipient" data-recipient="([^"]*)"', html)
    assert sections == ["20…xx", "20…zz"]  # the newest message's recipient first
    order = re.findall(r'data-request-id="([^"]*)"', html)
    assert order == ["a-2", "a-1", "b-1"]
    assert "3 messages to 2 recipients" in html
    assert TOKEN not in html
    assert other not in html


def test_a_message_is_rendered_from_the_registry(compat_sandbox_factory: Any) -> None:
    sandbox: Sandbox = compat_sandbox_factory(templates=TEMPLATES)
    with LegacyClient(sandbox.url, "c-1") as client:
        client.send_inbox(inbox(requestId="r-1"))
    (article,) = articles(page(sandbox))
    text = re.search(r'<p class="text">(.*?)</p>', article)
    assert text is not None
    assert re.sub(r"<[^>]+>", "", text.group(1)) == (
        "Hello string to represent a name, your parcel is on its way (${missing})"
    )
    assert '<span class="missing">${missing}</span>' in article
    assert '<a href="/pages/inbox"' in article
    assert "arrived on <code>POST /v2/miniprogram/message/send</code>" in article
    assert "via LegacyClient from <code>POST /v2/messages/sendInbox</code>" in article


def test_the_diff_sets_the_legacy_request_beside_what_was_sent(compat_sandbox: Sandbox) -> None:
    with LegacyClient(compat_sandbox.url, "c-1") as client:
        client.send_inbox(inbox(requestId="r-1"))
    (article,) = articles(page(compat_sandbox))
    rows = re.findall(r'<tr class="(\w+)">(.*?)</tr>', article)
    removed = " ".join(cells for kind, cells in rows if kind in ("removed", "changed"))
    added = " ".join(cells for kind, cells in rows if kind in ("added", "changed"))
    assert "&quot;authClientId&quot;" in removed
    assert "&quot;pushContentUrl&quot;" in removed
    assert "&quot;appId&quot;" in added
    assert "&quot;redirectUrl&quot;" in added
    same = " ".join(cells for kind, cells in rows if kind == "same")
    assert "&quot;templateCode&quot;" in same
    assert '<span class="kind">renamed</span> <code>authClientId</code>' in article


def test_unknown_templates_and_languages_are_shown_raw(compat_sandbox_factory: Any) -> None:
    sandbox: Sandbox = compat_sandbox_factory(templates=TEMPLATES)
    with LegacyClient(sandbox.url, "c-1") as client:
        client.send_by_access_token(by_token(requestId="u-1"))
        payload = inbox(requestId="l-1")
        payload["templates"][0]["language"] = "fr-FR"
        client.send_inbox(payload)
    french, unknown = articles(page(sandbox))
    assert "TP_5800000001xxxx: no fr-FR text; shown raw" in french
    assert "not in the registry; shown raw" in unknown
    assert "<dt>who</dt><dd>string to represent a name, e.g. XiaoMing</dd>" in unknown
    assert '<a href="http://redirecturl"' in unknown


def test_a_message_sent_to_a_legacy_endpoint_shows_where_it_arrived(
    compat_sandbox_factory: Any,
) -> None:
    sandbox: Sandbox = compat_sandbox_factory(templates=TEMPLATES)
    accepted(sandbox.url + "/v2/messages/sendInbox", inbox())
    (article,) = articles(page(sandbox))
    assert "arrived on <code>POST /v2/messages/sendInbox (deprecated)</code>" in article
    assert '<a href="/pages/inbox"' in article  # the link still in its template parameter
    assert 'class="translation"' not in article


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_everything_shown_is_escaped(compat_sandbox_factory: Any) -> None:
    sandbox: Sandbox = compat_sandbox_factory(
        templates={HOSTILE: {HOSTILE: "<b>${who}</b>" + HOSTILE}}
    )
    body = new_body(requestId="x" + HOSTILE[:40], templateCode=HOSTILE[:64])
    body["templates"] = [{"templateParameters": {HOSTILE: HOSTILE, "who": HOSTILE}}]
    body["redirectUrl"] = "https://shop.example/?q=" + HOSTILE
    post_new(sandbox, body)
    html = page(sandbox)
    assert html.count("<script") == 1  # the page's own script
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://shop.example/?q=&lt;script&gt;' in html


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x"],
)
def test_links_that_would_run_code_are_not_links(compat_sandbox: Sandbox, url: str) -> None:
    body = new_body()
    body["redirectUrl"] = url
    post_new(compat_sandbox, body)
    (article,) = articles(page(compat_sandbox))
    assert "<a " not in article
    assert "(not a web link)" in article


def test_the_version_moves_with_the_inbox(compat_sandbox: Sandbox) -> None:
    def version() -> int:
        return int(json.loads(get(compat_sandbox, "/_sandbox/inbox/version").data)["version"])

    start = version()
    for _ in range(2):  # the same request twice: one message, received twice
        post_new(compat_sandbox, new_body(requestId="v-1"))
    assert version() == start + 2
    fragment = get(compat_sandbox, "/_sandbox/inbox/messages")
    assert fragment.headers["Compat-Inbox-Version"] == str(start + 2)
    assert "received 2 times" in fragment.data.decode()
    assert f'data-version="{start + 2}"' in page(compat_sandbox)
    HTTP.request("DELETE", compat_sandbox.url + "/_sandbox/messages")
    assert version() == start + 3
    assert "No messages yet" in get(compat_sandbox, "/_sandbox/inbox/messages").data.decode()


# -- the template registry -----------------------------------------------------------


def test_the_registry_matches_languages_loosely() -> None:
    registry = TemplateRegistry.load({"T": {"en_US": "hi ${name}", "zh-CN": "你好 ${name}"}})
    assert registry.text("T", "en-us") == "hi ${name}"
    assert registry.text("T", "ZH_cn") == "你好 ${name}"
    assert registry.text("T", None) == "hi ${name}"  # no language: the first text
    assert registry.text("T", "fr-FR") is None
    assert registry.text("U", "en-US") is None
    assert registry.render("T", "en-US", {"name": 7}) == [("text", "hi "), ("param", "7")]
    assert TemplateRegistry.load(registry) is registry
    assert len(TemplateRegistry.load(None)) == 0


def test_the_registry_loads_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    records = [
        {"templateCode": "T", "language": "en-US", "text": "Hi ${who}"},
        {"templateCode": "T", "language": "th-TH", "text": "สวัสดี ${who}"},
        {"templateCode": "T", "text": "${who}!"},
        {"templateCode": "U", "text": "any"},
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    registry = TemplateRegistry.load(path)
    assert registry.text("T", "th_TH") == "สวัสดี ${who}"
    assert registry.text("T", "en-US") == "Hi ${who}"
    assert registry.text("T", "fr-FR") == "${who}!"  # the record without a language
    assert registry.text("T", None) == "${who}!"
    assert registry.text("U", "en-US") == "any"


def test_the_registry_loads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    registry = TemplateRegistry.load(path)
    assert registry.text("PLAIN", "de-DE") == "Same text in ${lang} for all"
    assert len(registry) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('"hello"', "must be a JSON object of templateCode -> texts, or a list of records"),
        ("[1]", "record [0] must be an object with a templateCode and a text"),
        ('[{"templateCode": "T"}]', "record [0] must be an object with a templateCode"),
        ('{"T": 3}', "'T' must be a text or an object of language -> text, got number"),
        ('{"T": {}}', "'T' must be a text or an object of language -> text, got object"),
        ('{"T": {"en-US": null}}', "'T' 'en-US' must be a text, got null"),
    ],
)
def test_a_bad_registry_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "templates.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        Sandbox(templates=path)
    assert str(path) in str(info.value)


def test_a_missing_registry_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be read"):
        Sandbox(templates=str(tmp_path / "none.json"))


def test_compat_sandbox_templates_option(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    with Command("sandbox", "--port", "0", "--templates", str(path)) as sandbox:
        url = sandbox.line().split()[-1]
        assert sandbox.line().split() == ["inbox:", url + "/_sandbox/"]
        with LegacyClient(url, "c-1") as client:
            client.send_inbox(inbox())
        html = HTTP.request("GET", url + "/_sandbox/").data.decode()
    assert 'Hello <span class="param">string to represent a name</span>' in html


def test_compat_sandbox_names_a_bad_templates_file(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    path.write_text("[1]", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "compat", "sandbox", "--port", "0", "--templates", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert f"templates file {path}: record [0] must be" in done.stderr


def test_a_model_call_is_traced_as_its_wire_body(compat_sandbox: Sandbox) -> None:
    request = SendInboxRequest(
        access_token=TOKEN,
        request_id="m-1",
        template_code="TP_5800000001xxxx",
        templates=[ContentTemplate({"who": "Bo", "pushContentUrl": "/pages/a"}, "en-US")],
        auth_client_id="2021000000000001",
    )
    with LegacyClient(compat_sandbox.url, "c-1") as client:
        client.send_inbox(request)
    body = compat_sandbox.messages()[0]["legacy"]["body"]
    assert body["authClientId"] == "2021000000000001"
    assert body["templates"] == [
        {"templateParameters": {"who": "Bo", "pushContentUrl": "/pages/a"}, "language": "en-US"}
    ]


def test_a_message_without_a_link_says_so(compat_sandbox_factory: Any) -> None:
    sandbox: Sandbox = compat_sandbox_factory(templates={"T": "${who} wrote"})
    payload = by_token(templateCode="T")
    del payload["templates"][0]["templateParameters"]["pushContentUrl"]
    accepted(sandbox.url + "/v2/customers/message/sendByAccessToken", payload)
    (article,) = articles(sandbox.inbox_page())
    assert "No link: tapping it opens nothing." in article
    assert (
        '<p class="text"><span class="param">string to represent a name, e.g. XiaoMing' in article
    )
    html = page(sandbox)
    assert re.sub(r"<time>.*?</time>", "", html) == re.sub(
        r"<time>.*?</time>", "", sandbox.inbox_page()
    )


def test_a_long_inbox_shows_the_newest(compat_sandbox: Sandbox) -> None:
    for n in range(SHOWN + 5):
        post_new(compat_sandbox, new_body(requestId=f"many-{n}"))
    html = page(compat_sandbox)
    shown = articles(html)
    assert len(shown) == SHOWN
    assert f'data-request-id="many-{SHOWN + 4}"' in shown[0]
    assert 'data-request-id="many-4"' not in html
    assert f"{SHOWN + 5} messages to 1 recipient, newest first (the newest {SHOWN} here" in html
    assert len(compat_sandbox.messages()) == SHOWN + 5
