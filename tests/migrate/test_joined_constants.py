"""A module constant that joins the legacy path to a base URL when the module is
imported (``INBOX = WALLET + "/v2/messages/sendInbox"``): the join is written out at the
call with the new path, when it gives there what it gave at import; else the call is
left."""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from compat.migrate import Options, migrate_source
from compat.translate import translate_send_by_access_token, translate_send_inbox

from .test_helpers import NEW

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = "2019112719074101000700000077771xxxx"

SENDER = """\
import requests

from app import settings

WALLET = "{url}"
{constants}


def coupon(token, code):
    body = {{
        "accessToken": token,
        "authClientId": "2021004125637654",
        "requestId": "coupon-" + code,
        "templateCode": "COUPON",
        "templates": [{{"templateParameters": {{"code": code, "pushContentUrl": "/c"}}}}],
    }}
    return requests.post({inbox}, json=body, timeout=5).json()


def points(token):
    return requests.post(url={push}, json={{
        "appId": "2021004125637654", "accessToken": token, "requestId": "p-1",
        "templateCode": "POINTS", "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}],
    }}, timeout=5).json()
"""


def _project(
    root: Path, url: str, constants: str, inbox: str = "INBOX", push: str = "PUSH"
) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "settings.py").write_text(f'WALLET_URL = "{url}"\n')
    sender = root / "app" / "sender.py"
    sender.write_text(SENDER.format(url=url, constants=constants, inbox=inbox, push=push))
    return sender


JOINED = [
    'INBOX = WALLET + "/v2/messages/sendInbox"\nPUSH = f"{WALLET}/v2/customers/message/sendByAccessToken"',
    'INBOX = settings.WALLET_URL + "/v2/messages/sendInbox"\n'
    'PUSH = f"{settings.WALLET_URL}/v2/customers/message/sendByAccessToken"',
]


@pytest.mark.parametrize("constants", JOINED)
def test_a_joined_constant_is_written_out_at_the_call_and_sends_what_the_shim_sent(
    tmp_path: Path, compat_sandbox_factory: Any, constants: str
) -> None:
    before, after = compat_sandbox_factory(), compat_sandbox_factory()
    legacy = _project(tmp_path / "legacy", before.url, constants)
    result = migrate_source(legacy.read_text(), Options(), path=str(legacy))
    assert result.rewrites == {"raw_http": 2}, result.manual
    base = "WALLET" if "settings" not in constants else "settings.WALLET_URL"
    assert f'requests.post({base} + "{NEW}", json=body' in result.source
    assert f'requests.post(url=f"{{{base}}}{NEW}", json=' in result.source
    for constant in constants.splitlines():
        assert constant in result.source  # the constants stay, marked
    assert [site.reason.split(" is a legacy path no call")[0] for site in result.manual] == [
        "INBOX",
        "PUSH",
    ]
    migrated = _project(tmp_path / "migrated", after.url, constants)
    migrated.write_text(result.source.replace(before.url, after.url))
    answers = []
    for root in (tmp_path / "legacy", tmp_path / "migrated"):
        sys.path.insert(0, str(root))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module("app.sender")
                answers.append([module.coupon(TOKEN, "SAVE10")["result"], module.points(TOKEN)])
        finally:
            sys.path.remove(str(root))
            for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
                del sys.modules[name]
    translate = {
        "sendInbox": translate_send_inbox,
        "sendByAccessToken": translate_send_by_access_token,
    }
    expected = [
        translate[r["path"].rsplit("/", 1)[1]](m["body"]).to_wire()
        for r, m in zip(before.requests(), before.messages())
    ]
    assert [m["body"] for m in after.messages()] == expected
    assert [r["path"] for r in after.requests()] == [NEW, NEW]
    assert answers[0][0] == answers[1][0]


@pytest.mark.parametrize(
    ("constants", "elsewhere"),
    [
        # a piece that is not a name or a literal: it may give another value at the call
        ('import os\nINBOX = os.environ.get("W", "") + "/v2/messages/sendInbox"', {}),
        ('INBOX = WALLET.rstrip("/") + "/v2/messages/sendInbox"', {}),
        ('INBOX = f"{WALLET!s}/v2/messages/sendInbox"', {}),
        # the URL goes on after the path
        ('INBOX = WALLET + "/v2/messages/sendInbox" + "?lang=en"', {}),
        # a piece the module binds twice, or that another module sets
        ('INBOX = WALLET + "/v2/messages/sendInbox"\nif __debug__:\n    WALLET = "https://x"', {}),
        (
            'INBOX = WALLET + "/v2/messages/sendInbox"',
            {"app/boot.py": "from app import sender\nsender.WALLET = 'https://staging'\n"},
        ),
        (
            'INBOX = settings.WALLET_URL + "/v2/messages/sendInbox"',
            {"tests/conftest.py": "from app import settings\nsettings.WALLET_URL = 'http://x'\n"},
        ),
        # the constant itself set elsewhere
        (
            'INBOX = WALLET + "/v2/messages/sendInbox"',
            {"app/boot.py": "import app.sender\napp.sender.INBOX = 'https://x/inbox'\n"},
        ),
    ],
)
def test_a_joined_constant_that_may_give_another_value_at_the_call_is_left(
    tmp_path: Path, constants: str, elsewhere: dict[str, str]
) -> None:
    sender = _project(tmp_path, "https://w", constants, push='"https://w/v2/other"')
    for name, text in elsewhere.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = migrate_source(sender.read_text(), Options(), path=str(sender))
    assert result.rewrites == {}
    assert NEW not in result.source
    assert any("INBOX" in site.reason and site.rule == "raw_http" for site in result.manual), (
        result.manual
    )


def test_a_piece_bound_where_the_joined_constant_is_used_is_not_the_module_s(
    tmp_path: Path,
) -> None:
    """``WALLET`` is the function's parameter at the call: the join written out there
    would read it, where the constant read the module's."""
    constants = 'INBOX = WALLET + "/v2/messages/sendInbox"'
    sender = _project(tmp_path, "https://w", constants, push='"https://w/v2/other"')
    sender.write_text(
        sender.read_text().replace(
            "def coupon(token, code)", "def coupon(token, code, WALLET=None)"
        )
    )
    result = migrate_source(sender.read_text(), Options(), path=str(sender))
    assert result.rewrites == {}


def test_a_joined_constant_not_given_as_the_call_s_argument_is_left(tmp_path: Path) -> None:
    constants = 'INBOX = WALLET + "/v2/messages/sendInbox"'
    sender = _project(tmp_path, "https://w", constants, inbox='f"{INBOX}"', push='"https://w/x"')
    result = migrate_source(sender.read_text(), Options(), path=str(sender))
    assert result.rewrites == {}
