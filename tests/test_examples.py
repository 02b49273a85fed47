"""examples/legacy_app: the legacy program, its drop-in run, and its LegacyClient version."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import compat
from compat.sandbox import Sandbox, mask_body

from .payloads import TOKEN

if TYPE_CHECKING:
    from types import ModuleType

APP = Path(__file__).resolve().parent.parent / "examples" / "legacy_app"
#: every call warns; the flash sale, without requestId, also gets a generated one
LEGACY_AND_LOSSY = (compat.LegacyEndpointWarning, compat.TranslationWarning)


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", APP / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def legacy_payloads(sandbox_factory: Any) -> list[dict[str, Any]]:
    """What the legacy program sends, as the legacy endpoints received it."""
    before = sandbox_factory()
    raw = load("notifications")
    assert raw.order_shipped(before.url, TOKEN, "000042", "Somchai") == "00000000000000000001"
    assert raw.flash_sale(before.url, TOKEN, "30%") is True
    messages = before.messages()
    assert [m["path"] for m in messages] == [
        "/v2/messages/sendInbox",
        "/v2/customers/message/sendByAccessToken",
    ]
    return [{**m["body"], "accessToken": TOKEN} for m in messages]


def expected_bodies(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", compat.TranslationWarning)
        return [
            mask_body(compat.translate_send_inbox(payloads[0]).to_wire()),
            mask_body(compat.translate_send_by_access_token(payloads[1]).to_wire()),
        ]


def without_generated_request_id(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # the flash sale, like the endpoint page's sample, has no requestId: one is generated
    assert len(bodies[1]["requestId"]) == 32
    return [bodies[0], {k: v for k, v in bodies[1].items() if k != "requestId"}]


def test_drop_in_pool_manager_sends_the_translations(compat_sandbox_factory: Any) -> None:
    payloads = legacy_payloads(compat_sandbox_factory)
    after = compat_sandbox_factory(prefix="/api/open")
    raw = load("notifications")
    raw.http = compat.TranslatingPoolManager()  # the one-line change
    with pytest.warns(LEGACY_AND_LOSSY):
        assert raw.order_shipped(after.url, TOKEN, "000042", "Somchai") == "00000000000000000001"
        assert raw.flash_sale(after.url, TOKEN, "30%") is True
    received = [m["body"] for m in after.messages()]
    assert {m["path"] for m in after.messages()} == {"/api/open/v2/miniprogram/message/send"}
    assert without_generated_request_id(received) == without_generated_request_id(
        expected_bodies(payloads)
    )


def test_legacy_client_version_sends_the_same(compat_sandbox_factory: Any) -> None:
    payloads = legacy_payloads(compat_sandbox_factory)
    after = compat_sandbox_factory()
    shim = load("notifications_shim")
    with compat.LegacyClient(after.url, shim.CLIENT_ID) as client:
        with pytest.warns(LEGACY_AND_LOSSY):
            message_id = shim.order_shipped(client, TOKEN, "000042", "Somchai")
            assert shim.flash_sale(client, TOKEN, "30%") is True
    assert message_id == after.messages()[0]["messageId"]
    received = [m["body"] for m in after.messages()]
    assert without_generated_request_id(received) == without_generated_request_id(
        expected_bodies(payloads)
    )


def test_failures_come_back_the_legacy_way(compat_sandbox_factory: Any) -> None:
    strict = compat_sandbox_factory(access_tokens={"someone-else"})
    shim = load("notifications_shim")
    with compat.LegacyClient(strict.url, shim.CLIENT_ID, retries=0) as client:
        with pytest.warns(LEGACY_AND_LOSSY):
            assert shim.order_shipped(client, TOKEN, "1", "A") is None
            assert shim.flash_sale(client, TOKEN, "5%") is False
    raw = load("notifications")
    raw.http = compat.TranslatingPoolManager()
    with pytest.warns(LEGACY_AND_LOSSY):
        assert raw.order_shipped(strict.url, TOKEN, "1", "A") is None


@pytest.mark.parametrize("program", ["notifications.py", "notifications_shim.py"])
def test_programs_run_as_scripts(compat_sandbox: Sandbox, program: str) -> None:
    done = subprocess.run(
        [sys.executable, str(APP / program), compat_sandbox.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "order shipped, messageId: 00000000000000000001" in done.stdout
    assert "flash sale sent: True" in done.stdout
    if program == "notifications_shim.py":
        assert '"total": 2' in done.stdout
        assert "LegacyEndpointWarning" in done.stderr  # shown once per call site
    assert TOKEN not in done.stderr


@pytest.mark.parametrize("program", ["notifications.py", "notifications_shim.py"])
def test_usage(program: str) -> None:
    done = subprocess.run(
        [sys.executable, str(APP / program)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "usage" in done.stderr


def test_the_example_templates_render_every_example_message(compat_sandbox_factory: Any) -> None:
    """examples/sandbox_templates.json has a text for each message the example app sends."""
    sandbox = compat_sandbox_factory(templates=APP.parent / "sandbox_templates.json")
    shim = load("notifications_shim")
    with compat.LegacyClient(sandbox.url, shim.CLIENT_ID) as client:
        with pytest.warns(LEGACY_AND_LOSSY):
            shim.order_shipped(client, TOKEN, "000042", "Somchai")
            shim.flash_sale(client, TOKEN, "30%")
    html = sandbox.inbox_page()
    assert "shown raw" not in html
    assert 'class="missing"' not in html
    assert html.count('class="template rendered"') == 3  # Thai and English, then the sale
    assert 'order <span class="param">000042</span> is on its way' in html
