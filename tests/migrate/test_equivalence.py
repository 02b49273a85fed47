"""The migrated code sends exactly what the legacy code sent through the shim."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest
import urllib3

import compat
from compat.migrate import Options, migrate_source

if TYPE_CHECKING:
    from compat.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "legacy_app"
TOKEN = "2019112719074101000700000077771xxxx"


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def bodies(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [m["body"] for m in sandbox.messages()]


def quietly(call: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def test_raw_example(compat_sandbox_factory: Any, fixed_uuids: Callable[[], None]) -> None:
    source = (EXAMPLES / "notifications.py").read_text()
    legacy = load(source, "legacy_raw")
    legacy.http = compat.TranslatingPoolManager()  # the shim
    before = compat_sandbox_factory()
    fixed_uuids()
    quietly(lambda: legacy.order_shipped(before.url, TOKEN, "000042", "Somchai"))
    quietly(lambda: legacy.flash_sale(before.url, TOKEN, "30%"))

    migrated = load(migrate_source(source).source, "migrated_raw")
    migrated.http = urllib3.PoolManager()  # no shim
    after = compat_sandbox_factory()
    fixed_uuids()
    assert migrated.order_shipped(after.url, TOKEN, "000042", "Somchai") == "00000000000000000001"
    assert migrated.flash_sale(after.url, TOKEN, "30%") is True
    assert bodies(after) == bodies(before)
    assert [m["path"] for m in after.requests()] == ["/v2/miniprogram/message/send"] * 2


def test_legacy_client_example(
    compat_sandbox_factory: Any, fixed_uuids: Callable[[], None]
) -> None:
    source = (EXAMPLES / "notifications_shim.py").read_text()
    migrated_source = migrate_source(source).source
    assert "LegacyClient(" not in migrated_source
    assert ".send_inbox(" not in migrated_source
    legacy, migrated = load(source, "legacy_shim"), load(migrated_source, "migrated_shim")
    before, after = compat_sandbox_factory(), compat_sandbox_factory()
    fixed_uuids()
    with compat.LegacyClient(before.url, "c-1") as client:
        quietly(lambda: legacy.order_shipped(client, TOKEN, "000042", "Somchai"))
        quietly(lambda: legacy.flash_sale(client, TOKEN, "30%"))
    fixed_uuids()
    with warnings.catch_warnings():
        warnings.simplefilter("error", compat.LegacyEndpointWarning)  # nothing legacy is left
        with compat.MessageClient(after.url, "c-1") as client:
            assert migrated.order_shipped(client, TOKEN, "000042", "Somchai")
            assert migrated.flash_sale(client, TOKEN, "30%") is True
    assert bodies(after) == bodies(before)


CASES = [
    # (legacy source defining send(url), options)
    (
        """\
        import json, urllib3
        http = urllib3.PoolManager()
        def send(url):
            payload = {"accessToken": "%s", "authClientId": "APP", "requestId": "case-1",
                       "templateCode": "TP", "actionUrl": "/pages/a",
                       "templates": [{"templateParameters": {"who": "Ana", "pushContentUrl": "/pages/a"}}]}
            return http.request("POST", url + "/v2/messages/sendInbox", body=json.dumps(payload),
                                headers={"Content-Type": "application/json"})
        """,
        {},
    ),
    (
        """\
        import urllib3
        http = urllib3.PoolManager()
        def send(url):
            return http.request("POST", f"{url}/v2/customers/message/sendByAccessToken", json={
                "appId": "APP", "accessToken": "%s", "templateCode": "OLD",
                "templates": [{"templateParameters": {"n": "1"}, "language": "en-US"},
                              {"templateParameters": {"n": "2"}, "language": "th-TH"}]})
        """,
        {"default_redirect_url": "/home", "template_codes": {"OLD": "NEW"}},
    ),
    (
        """\
        import urllib3
        http = urllib3.PoolManager()
        def send(url):
            return http.request("POST", url + "/v2/messages/sendInbox", json={
                "accessToken": "%s", "requestId": "LONG", "templateCode": "TP",
                "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """.replace("LONG", "r" * 80),
        {"app_id": "APP", "overlong_request_id": "digest"},
    ),
    (
        """\
        from urllib.parse import urljoin
        import urllib3
        http = urllib3.PoolManager()
        def _endpoint(base, path):
            return urljoin(base, path)
        def send(url):
            return http.request("POST", _endpoint(url + "/ignored", path="/v2/messages/sendInbox"),
                                json={"accessToken": "%s", "authClientId": "APP", "requestId": "u",
                                      "templateCode": "TP",
                                      "templates": [{"templateParameters": {"pushContentUrl": "/u"}}]})
        """,
        {},
    ),
    (
        """\
        import urllib3
        http = urllib3.PoolManager()
        BASE = ""
        def _url(base, path):
            \"\"\"The wallet's URL of a path.\"\"\"
            return f"{base.rstrip('/')}{path}"
        def send(url):
            return http.request("POST", _url(url, "/v2/customers/message/sendByAccessToken"), json={
                "appId": "APP", "accessToken": "%s", "templateCode": "OLD",
                "templates": [{"templateParameters": {"pushContentUrl": "/p"}, "language": "en-US"}]})
        """,
        {},
    ),
    (
        """\
        from typing import Any
        import urllib3
        http = urllib3.PoolManager()
        def send(url):
            endpoint: str = url + "/v2/messages/sendInbox"
            payload: dict[str, Any] = {"accessToken": "%s", "authClientId": "APP", "requestId": "a",
                                       "templateCode": "TP",
                                       "templates": [{"templateParameters": {"pushContentUrl": "/x"}}]}
            return http.request("POST", endpoint, json=payload)
        """,
        {},
    ),
]


@pytest.mark.parametrize(("source", "options"), CASES)
def test_transformed_cases_send_the_same(
    compat_sandbox_factory: Any,
    fixed_uuids: Callable[[], None],
    source: str,
    options: dict[str, Any],
) -> None:
    source = textwrap.dedent(source) % TOKEN
    policy = compat.Policy(**options)
    legacy = load(source, "legacy_case")
    legacy.http = compat.TranslatingPoolManager(policy=policy)
    before = compat_sandbox_factory()
    fixed_uuids()
    assert quietly(lambda: legacy.send(before.url)).status == 200
    result = migrate_source(source, Options(policy=policy))
    assert result.rewrites == {"raw_http": 1}, result.manual
    after = compat_sandbox_factory()
    fixed_uuids()
    load(result.source, "migrated_case").send(after.url)
    assert len(bodies(before)) == 1
    assert bodies(after) == bodies(before)


def test_migrated_example_has_no_deprecated_call_for_mypy(tmp_path: Path) -> None:
    source = (EXAMPLES / "notifications_shim.py").read_text()
    target = tmp_path / "notifications_migrated.py"
    target.write_text(migrate_source(source).source)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--enable-error-code",
            "deprecated",
            "--warn-unused-ignores",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**__import__("os").environ, "MYPYPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "deprecated" not in done.stdout


def test_answers_used_as_a_whole_are_the_shims(compat_sandbox_factory: Any) -> None:
    """Where the code returns the shim's answer, the migrated code returns the same: the
    same class and fields, or the same legacy dict from post()."""
    source = textwrap.dedent(
        """\
        import compat
        def make(url):
            return compat.LegacyClient(url, "c-1")
        def inbox(client, token):
            return client.send_inbox(access_token=token, auth_client_id="APP", request_id="i-1",
                                     template_code="TP", templates=[
                                         {"templateParameters": {"pushContentUrl": "/a"}}])
        def by_token(client, token):
            answer = client.post("/v2/customers/message/sendByAccessToken", {
                "appId": "APP", "accessToken": token, "requestId": "t-1", "templateCode": "TP",
                "templates": [{"templateParameters": {"n": "1"}}]})
            return answer
        def status(client: compat.LegacyClient, token):
            return client.send_inbox(access_token=token, auth_client_id="APP", request_id="i-2",
                                     template_code="TP", templates=[
                                         {"templateParameters": {"pushContentUrl": "/a"}}]).result
        """
    ).replace("def inbox(client,", "def inbox(client: compat.LegacyClient,")
    source = source.replace("def by_token(client,", "def by_token(client: compat.LegacyClient,")
    migrated_source = migrate_source(source).source
    assert migrated_source.count("translate_response(") == 2, migrated_source
    legacy, migrated = load(source, "legacy_answers"), load(migrated_source, "migrated_answers")
    before, after = compat_sandbox_factory(), compat_sandbox_factory()
    with legacy.make(before.url) as client:
        old = [
            quietly(lambda f=f: f(client, TOKEN))
            for f in (legacy.inbox, legacy.by_token, legacy.status)
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", compat.LegacyEndpointWarning)
        with migrated.make(after.url) as client:
            new = [f(client, TOKEN) for f in (migrated.inbox, migrated.by_token, migrated.status)]
    assert isinstance(old[0], compat.SendInboxResponse)
    assert old[1].keys() == {"result"}  # the platform gives a messageId; the legacy answer had none
    assert [type(a) for a in new] == [type(a) for a in old]
    assert new == old
    assert bodies(after) == bodies(before)
