"""Every table that dispatches on a legacy endpoint covers every endpoint the spec declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat import LegacyClient, _docs, _spec, _wire, cli, gateway, legacy, models, translate
from compat.audit import _python, _text

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
        ("legacy._METHODS", lambda: legacy._METHODS),
        ("gateway._TRANSLATORS", lambda: gateway._TRANSLATORS),
        ("cli._TRANSLATORS", lambda: {_cli_endpoint(k) for k in cli._TRANSLATORS}),
        ("audit _LEGACY_METHODS", lambda: set(_python._LEGACY_METHODS.values())),
        ("audit PATHS", lambda: set(_text.PATHS.groupindex)),
        ("audit RELATIVE_PATHS", lambda: set(_text.RELATIVE_PATHS.groupindex)),
        ("docs blocks", lambda: {k for k in _docs.BLOCKS if k in _spec.LEGACY_ENDPOINTS}),
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
    assert endpoint.cli_name in cli._TRANSLATORS
