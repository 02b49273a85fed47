"""Every table that dispatches on a legacy endpoint covers every endpoint the spec declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import attrs
import pytest
import urllib3

import compat
from compat import (
    LegacyClient,
    _docs,
    _registry,
    _spec,
    _wire,
    cli,
    gateway,
    legacy,
    models,
    translate,
)
from compat._source import python as _python
from compat._source import text as _text
from compat._spec import RESULT, STRING, TEMPLATES, Endpoint, FieldRule, FieldSpec, Table
from compat.audit import scan
from compat.gateway import Gateway
from compat.migrate import Options, migrate_source

ROOT = Path(__file__).resolve().parents[1]
LEGACY = sorted(_spec.LEGACY_ENDPOINTS)


def test_the_spec_declares_each_legacy_endpoint_once() -> None:
    assert LEGACY == ["sendByAccessToken", "sendInbox"]
    assert {e.replacement for e in _spec.LEGACY_ENDPOINTS.values()} == {_spec.SEND.name}
    assert sorted(e.name for e in _spec.SHIM_METHODS.values()) == LEGACY


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ("models.LEGACY_MODELS", lambda: models.LEGACY_MODELS),
        ("translate.TRANSLATORS", lambda: translate.TRANSLATORS),
        ("translate._RESPONSES", lambda: translate._RESPONSES),
        ("legacy._TRANSLATORS", lambda: legacy._TRANSLATORS),
        (
            "LegacyClient methods",
            lambda: {e.name for m, e in _spec.SHIM_METHODS.items() if hasattr(LegacyClient, m)},
        ),
        ("gateway._TRANSLATORS", lambda: gateway._TRANSLATORS),
        ("cli._translators()", lambda: {_cli_endpoint(k) for k in cli._translators()}),
        ("audit _LEGACY_METHODS", lambda: set(_python._LEGACY_METHODS.values())),
        ("audit PATHS", lambda: set(_text.PATHS.groupindex)),
        ("audit RELATIVE_PATHS", lambda: set(_text.RELATIVE_PATHS.groupindex)),
        ("docs blocks", lambda: {k for k in _docs.blocks() if k in _spec.LEGACY_ENDPOINTS}),
    ],
)
def test_each_table_covers_every_legacy_endpoint(table: str, keys: object) -> None:
    assert callable(keys)
    assert sorted(keys()) == LEGACY, table


def _cli_endpoint(name: str) -> str:
    return next(e.name for e in _spec.LEGACY_ENDPOINTS.values() if e.cli_name == name)


@pytest.mark.parametrize("name", LEGACY)
def test_each_endpoint_is_wired_through(name: str) -> None:
    endpoint = _spec.LEGACY_ENDPOINTS[name]
    request, response = models.LEGACY_MODELS[name]
    assert _wire.MODEL_TABLES[request] == (name, endpoint.request)
    assert _wire.MODEL_TABLES[response] == (name, endpoint.response)
    assert translate.TRANSLATORS[name].model is request
    assert callable(getattr(LegacyClient, endpoint.shim_method or ""))
    assert endpoint.path.rsplit("/", 1)[1].encode() in _text.GATE
    assert _text.PATHS.search(f"https://h{endpoint.path}")
    assert _text.RELATIVE_PATHS.match(endpoint.path.lstrip("/"))
    migration = (ROOT / "MIGRATION.md").read_text()
    assert f"<!-- BEGIN spec:{name} -->" in migration
    assert f"<!-- BEGIN spec:{name}-response -->" in migration
    assert endpoint.cli_name in cli._translators()


# -- a third legacy endpoint, declared once and registered ------------------------------


@attrs.frozen
class SendPushRequest:
    client_app_id: str
    access_token: str
    template_code: str
    templates: tuple[compat.ContentTemplate, ...]
    request_id: Optional[str] = None


@attrs.frozen
class SendPushResponse:
    result: compat.Result


PUSH = Endpoint(
    name="sendPush",
    path="/v2/push/sendPush",
    request=Table(
        "SendPushRequest",
        (
            FieldSpec("clientAppId", "client_app_id", STRING, True, 32, None, "the app ID"),
            FieldSpec("accessToken", "access_token", STRING, True, 128, None, "user token"),
            FieldSpec("templateCode", "template_code", STRING, True, 64, None, "template"),
            FieldSpec("templates", "templates", TEMPLATES, True, 5, 1, "content"),
            FieldSpec("requestId", "request_id", STRING, False, 64, None, "idempotency key"),
        ),
    ),
    response=Table(
        "SendPushResponse", (FieldSpec("result", "result", RESULT, True, notes="status"),)
    ),
    statuses=("S", "F", "U"),
    replacement="send",
    rules=(
        FieldRule("clientAppId", "appId", "renamed"),
        FieldRule("accessToken", "accessToken", "copied"),
        FieldRule("templateCode", "templateCode", "copied"),
        FieldRule("templates", "templates", "copied; pushContentUrl moves to redirectUrl"),
        FieldRule("requestId", "requestId", "copied; generated when absent"),
    ),
)
PUSH_BODY = {
    "clientAppId": "APP",
    "accessToken": "2019112719074101000700000077771xxxx",
    "templateCode": "TP_PUSH",
    "requestId": "push-1",
    "templates": [{"templateParameters": {"who": "Ana", "pushContentUrl": "/pages/push"}}],
}
NEW_BODY = {
    "appId": "APP",
    "accessToken": "2019112719074101000700000077771xxxx",
    "requestId": "push-1",
    "templateCode": "TP_PUSH",
    "redirectUrl": "/pages/push",
    "templates": [{"templateParameters": {"who": "Ana"}}],
}

#: the new body as the sandbox shows it (the access token masked)
SEEN = {**NEW_BODY, "accessToken": "20…xx"}


@pytest.fixture
def push() -> Any:
    _registry.register(PUSH, SendPushRequest, SendPushResponse)
    yield PUSH
    _registry.unregister(PUSH.name)
    assert "sendPush" not in _spec.ENDPOINTS
    assert not _text.PATHS.search(PUSH.path)


def test_a_registered_endpoint_is_in_every_table(push: Endpoint) -> None:
    for table, keys in [
        ("models", models.LEGACY_MODELS),
        ("translators", translate.TRANSLATORS),
        ("responses", translate._RESPONSES),
        ("shim", legacy._TRANSLATORS),
        ("gateway", gateway._TRANSLATORS),
        ("cli", {_cli_endpoint(k) for k in cli._translators()}),
        ("paths", _text.PATHS.groupindex),
        ("docs", _docs.blocks()),
    ]:
        assert "sendPush" in keys, table
    assert b"sendPush" in _text.GATE


def test_a_registered_endpoint_translates(push: Endpoint) -> None:
    translation = translate.TRANSLATORS["sendPush"](PUSH_BODY, compat.Policy())
    assert translation.to_wire() == NEW_BODY
    assert [c.kind for c in translation.changes] == ["renamed", "moved"]
    answer = compat.translate_response(
        "sendPush", {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}}
    )
    assert isinstance(answer, SendPushResponse)
    model = compat.from_wire(PUSH_BODY, SendPushRequest)
    assert model.client_app_id == "APP"
    assert compat.to_wire(model) == PUSH_BODY


def test_the_shim_and_the_pool_manager_serve_it(push: Endpoint, compat_sandbox: Any) -> None:
    with compat.LegacyClient(compat_sandbox.url, "c-1") as client:
        with pytest.warns(compat.LegacyEndpointWarning, match="sendPush"):
            answer = client.post("/v2/push/sendPush", PUSH_BODY)
    assert answer == {
        "result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "success"}
    }
    pool = compat.TranslatingPoolManager()
    with pytest.warns(compat.LegacyEndpointWarning):
        raw = pool.request(
            "POST", compat_sandbox.url + "/v2/push/sendPush", json={**PUSH_BODY, "requestId": "p2"}
        )
    assert raw.json()["result"]["resultCode"] == "SUCCESS"
    assert [m["body"] for m in compat_sandbox.messages()] == [SEEN, {**SEEN, "requestId": "p2"}]


def test_the_gateway_serves_it(push: Endpoint, compat_sandbox: Any) -> None:
    with Gateway(compat_sandbox.url, "c-1", verify_callers=False, retries=0) as server:
        answer = urllib3.request("POST", server.url + "/v2/push/sendPush", json=PUSH_BODY)
    assert answer.json()["result"]["resultCode"] == "SUCCESS"
    assert compat_sandbox.messages()[-1]["body"] == SEEN


def test_the_audit_the_codemod_the_cli_and_the_docs_know_it(
    push: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        "import requests\n"
        "def send(base):\n"
        f"    return requests.post(base + '/v2/push/sendPush', json={PUSH_BODY!r})\n"
    )
    (tmp_path / "push.py").write_text(source)
    found = [(f.rule, f.endpoint) for f in scan([tmp_path])]
    assert ("CPT001", "sendPush") in found
    migrated = migrate_source(source, Options())
    assert migrated.rewrites == {"raw_http": 1}, migrated.manual
    namespace: dict[str, Any] = {}
    exec(compile(migrated.source.replace("import requests", ""), "push", "exec"), namespace)
    sent: list[Any] = []
    namespace["requests"] = type(
        "R", (), {"post": staticmethod(lambda url, json: sent.append((url, json)))}
    )
    namespace["send"]("https://h")
    assert sent == [("https://h/v2/miniprogram/message/send", NEW_BODY)]
    (tmp_path / "push.json").write_text(json.dumps(PUSH_BODY))
    assert cli.main(["translate", "--from", "send-push", str(tmp_path / "push.json")]) == 0
    assert json.loads(capsys.readouterr().out) == NEW_BODY
    table = _docs.blocks()["sendPush"]()
    assert "`clientAppId`" in table
    assert "`appId`" in table


def test_registering_checks_the_declaration() -> None:
    with pytest.raises(ValueError, match="registered already"):
        _registry.register(_spec.SEND_INBOX, SendPushRequest, SendPushResponse)
    with pytest.raises(ValueError, match="replaced by 'send'"):
        _registry.register(attrs.evolve(PUSH, replacement=None), SendPushRequest, SendPushResponse)
    assert "sendPush" not in _spec.ENDPOINTS


def test_a_shim_method_name_reaches_the_audit(tmp_path: Path) -> None:
    _registry.register(
        attrs.evolve(PUSH, shim_method="send_push"), SendPushRequest, SendPushResponse
    )
    try:
        assert _spec.SHIM_METHODS["send_push"].name == "sendPush"
        (tmp_path / "a.py").write_text("import compat\nclient.send_push({})\n")
        assert [(f.rule, f.endpoint) for f in scan([tmp_path])] == [("CPT002", "sendPush")]
    finally:
        _registry.unregister("sendPush")
    assert "send_push" not in _spec.SHIM_METHODS
    assert not scan([tmp_path])
