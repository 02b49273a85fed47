"""A constant a rewrite writes out that another module of the project sets (or a
subclass binds again) holds another value when the call runs: the call is left for
manual work, with the place named, and nothing else changes."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from compat.migrate import Options, migrate_source

from .helpers import compat
from .test_helpers import NEW

if TYPE_CHECKING:
    from pathlib import Path

SETTINGS = """\
APP_ID = "2021004125637654"
INBOX_PATH = "/v2/messages/sendInbox"
PUSH_PATH = "/v2/customers/message/sendByAccessToken"
LINK = "/pages/index"
"""

NOTIFY = """\
import requests

from svc import settings

BASE = "https://open.wallet.example"


def inbox(token, order):
    return requests.post(BASE + settings.INBOX_PATH, json={
        "accessToken": token,
        "authClientId": "2021004125637654",
        "requestId": f"order-{order}",
        "templateCode": "TP_SHIPPED",
        "templates": [{"templateParameters": {"order": order, "pushContentUrl": "/o"}}],
    })


def push(token):
    return requests.post(BASE + settings.PUSH_PATH, json={
        "appId": "2021004125637654",
        "accessToken": token,
        "requestId": "sale-1",
        "templateCode": "TP_SALE",
        "templates": [{"templateParameters": {"pushContentUrl": "/sale"}}],
    })
"""

OPTIONS = Options()


def project(root: Path, files: dict[str, str]) -> Path:
    """A project in ``root``: the package svc (settings.py, notify.py) and ``files``."""
    (root / "svc").mkdir()
    (root / "svc" / "__init__.py").write_text("")
    (root / "svc" / "settings.py").write_text(SETTINGS)
    (root / "svc" / "notify.py").write_text(NOTIFY)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root / "svc" / "notify.py"


def migrated(path: Path) -> tuple[str, str, list[str]]:
    """The migrated inbox() and push() of a notify.py, and the reasons left."""
    result = migrate_source(path.read_text(), OPTIONS, path=str(path))
    inbox, push = result.source.split("def push")
    return inbox, push, [site.reason for site in result.manual]


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "svc/config.py",
            """\
            import os

            from svc import settings

            settings.INBOX_PATH = os.environ.get("INBOX_PATH", settings.INBOX_PATH)
            """,
            5,
        ),
        ("svc/wallets.py", "import svc.settings as conf\nconf.INBOX_PATH += '/'\n", 2),
        ("boot.py", "from svc import settings\nsetattr(settings, 'INBOX_PATH', '/x')\n", 2),
        (
            "tests/test_notify.py",
            """\
            from svc import notify, settings

            def test_inbox(monkeypatch):
                monkeypatch.setattr(settings, "INBOX_PATH", "/fake/inbox")
                notify.inbox("t", "1")
            """,
            4,
        ),
        (
            "tests/test_notify.py",
            """\
            from unittest import mock

            @mock.patch("svc.settings.INBOX_PATH", "/fake/inbox")
            def test_inbox():
                pass
            """,
            3,
        ),
        (
            "tests/test_notify.py",
            "from unittest import mock\nfrom svc import settings\n"
            "with mock.patch.multiple(settings, INBOX_PATH='/x'):\n    pass\n",
            3,
        ),
        (  # a name not written out, on a module the file imports: any name
            "svc/overrides.py",
            """\
            import os

            from svc import settings

            for key, value in os.environ.items():
                if key.startswith("SVC_"):
                    setattr(settings, key[4:], value)
            """,
            7,
        ),
    ],
)
def test_a_constant_another_module_sets_is_not_written_out(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    notify = project(tmp_path, {name: text})
    inbox, push, reasons = migrated(notify)
    assert NEW not in inbox
    assert "settings.INBOX_PATH" in inbox
    if "setattr(settings, key" not in text:  # which may set any name
        assert NEW in push  # PUSH_PATH: nothing sets it
    reason = next(r for r in reasons if r.startswith("settings.INBOX_PATH is set again"))
    assert reason.startswith(f"settings.INBOX_PATH is set again at {name}:{line} (")
    assert "migrate it by hand" in reason


@pytest.mark.parametrize(
    "text",
    [
        "from svc import settings\nprint(settings.INBOX_PATH)\n",  # read
        "INBOX_PATH = '/mail/inbox'\n",  # a constant of its own
        "class Mailer:\n    def __init__(self, path):\n        self.INBOX_PATH = path\n",
        "import logging\nlogging.info('INBOX_PATH is %s', 'set')\n",
        "from svc import settings\nsettings.INBOX_PATH_V2 = '/x'\n",  # another name
        "from svc import settings\nsetattr(settings, 'OTHER', 'INBOX_PATH')\n",
        # on a variable: an object's own attribute, not the module's constant
        "def update(user, field, value):\n    setattr(user, field, value)\n",
        "def load(conf):\n    conf.INBOX_PATH = '/x'\n",
        "settings.INBOX_PATH = '/x'  # a name the module does not bind\n",
    ],
)
def test_what_does_not_set_the_constant_changes_nothing(tmp_path: Path, text: str) -> None:
    notify = project(tmp_path, {"svc/other.py": text})
    inbox, push, reasons = migrated(notify)
    assert NEW in inbox
    assert NEW in push
    assert reasons == []


NOTIFIER = """\
import requests


class Notifier:
    BASE = "https://open.wallet.example"
    INBOX_PATH = "/v2/messages/sendInbox"

    def shipped(self, token, order):
        return requests.post(self.BASE + self.INBOX_PATH, json={
            "accessToken": token,
            "authClientId": "2021004125637654",
            "requestId": f"order-{order}",
            "templateCode": "TP_SHIPPED",
            "templates": [{"templateParameters": {"order": order, "pushContentUrl": "/o"}}],
        })
"""

TENANTS = """\
from svc.notifier import Notifier


class TenantNotifier(Notifier):
    tenant = "default"
"""


@pytest.mark.parametrize(
    ("dana", "line"),
    [
        # through a class of a third module
        (
            "from .tenants import TenantNotifier\n\n\nclass Dana(TenantNotifier):\n"
            "    INBOX_PATH = '/dana/v2/messages/sendInbox'\n",
            5,
        ),
        (
            "from svc import notifier\n\n\nclass Dana(notifier.Notifier):\n"
            "    def __init__(self):\n        self.INBOX_PATH = '/dana/inbox'\n",
            6,
        ),
        ("from svc.notifier import Notifier\n\nNotifier.INBOX_PATH = '/dana/inbox'\n", 3),
        # an instance's own attribute: what self.INBOX_PATH reads for it
        ("from svc.notifier import Notifier\n\nn = Notifier()\nn.INBOX_PATH = '/x'\n", 4),
    ],
)
def test_a_class_constant_a_subclass_elsewhere_binds_again_is_not_written_out(
    tmp_path: Path, dana: str, line: int
) -> None:
    notifier = (
        project(
            tmp_path,
            {"svc/notifier.py": NOTIFIER, "svc/tenants.py": TENANTS, "svc/dana.py": dana},
        ).parent
        / "notifier.py"
    )
    result = migrate_source(notifier.read_text(), OPTIONS, path=str(notifier))
    assert NEW not in result.source
    [reason] = [s.reason for s in result.manual if "set again" in s.reason]
    assert reason.startswith(f"self.INBOX_PATH is set again at svc/dana.py:{line} (")


def test_a_class_of_the_same_name_elsewhere_is_not_a_subclass(tmp_path: Path) -> None:
    other = (
        "class Notifier:\n    INBOX_PATH = '/other'\n\n\nclass Sub(Notifier):\n"
        "    INBOX_PATH = '/sub'\n"
    )
    notifier = (
        project(
            tmp_path, {"svc/notifier.py": NOTIFIER, "svc/tenants.py": TENANTS, "legacy.py": other}
        ).parent
        / "notifier.py"
    )
    result = migrate_source(notifier.read_text(), OPTIONS, path=str(notifier))
    # legacy.py's Sub is a subclass of its own Notifier, by the same name: taken as one
    assert NEW not in result.source
    (tmp_path / "legacy.py").write_text("class Notifier:\n    INBOX_PATH = '/other'\n")
    result = migrate_source(notifier.read_text(), OPTIONS, path=str(notifier))
    assert f'self.BASE + "{NEW}"' in result.source
    assert result.manual[0].reason.startswith("INBOX_PATH is a legacy path no call here uses")


PUSH = """\
from compat import LegacyClient, Policy

from svc import settings

client = LegacyClient(
    "https://open.wallet.example",
    policy=Policy(app_id=settings.APP_ID, default_redirect_url=settings.LINK),
)


def promo(token, campaign):
    return client.send_inbox(
        access_token=token,
        request_id=f"promo-{campaign}",
        template_code="PROMO",
        templates=[{"templateParameters": {"campaign": campaign}}],
    )
"""


def test_a_policy_of_constants_another_module_sets_is_not_fixed(tmp_path: Path) -> None:
    push = project(tmp_path, {"svc/push.py": PUSH}).parent / "push.py"
    result = migrate_source(push.read_text(), OPTIONS, path=str(push))
    assert '"redirectUrl": "/pages/index"' in result.source  # the policy's default link
    (tmp_path / "svc" / "config.py").write_text(
        "import os\nfrom svc import settings\n"
        "settings.LINK = os.environ.get('LINK', settings.LINK)\n"
    )
    result = migrate_source(push.read_text(), OPTIONS, path=str(push))
    assert "redirectUrl" not in result.source
    assert [s.reason for s in result.manual if s.rule == "legacy_client"][-1] == (
        "the client's policy (Policy(app_id=settings.APP_ID, default_redirect_url="
        "settings.LINK)) is not fixed by the source: LINK is set again at "
        "svc/config.py:3 (settings.LINK = os.environ.get('LINK', settings.LINK))"
    )


def test_compat_migrate_names_the_place(tmp_path: Path) -> None:
    project(tmp_path, {"svc/config.py": "from svc import settings\nsettings.INBOX_PATH = 'x'\n"})
    done = compat("migrate", "--check", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "./svc/notify.py:9: manual (raw_http): settings.INBOX_PATH is set again at "
        "svc/config.py:2 (settings.INBOX_PATH = 'x'): compat migrate would write the new path "
        "out here, and this call would no longer post where that sets it; migrate it by hand"
    ) in done.stderr
    assert "sites rewritten: raw_http 1;" in done.stderr  # push()


def test_a_source_without_its_file_has_no_project() -> None:
    result = migrate_source(NOTIFY, OPTIONS)
    assert NEW not in result.source  # settings is not read: no project to read it in


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("    def __init__(self, path=None):\n        self.INBOX_PATH = path or '/x'\n", 9),
        ("    def use(self, path):\n        setattr(self, 'INBOX_PATH', path)\n", 9),
        (
            "    @classmethod\n    def configure(cls, **kw):\n"
            "        for k, v in kw.items():\n            setattr(cls, k, v)\n",
            11,
        ),
    ],
)
def test_the_module_itself_setting_a_class_constant_is_seen_without_its_file(
    code: str, line: int
) -> None:
    source = NOTIFIER.replace("    def shipped", code + "\n    def shipped")
    result = migrate_source(source, OPTIONS)
    assert NEW not in result.source
    [reason] = [s.reason for s in result.manual if "set again" in s.reason]
    assert reason.startswith(f"self.INBOX_PATH is set again at line {line} (")


def test_the_source_given_is_looked_at_not_its_file_on_disk(tmp_path: Path) -> None:
    """A source changed in memory (or given on stdin for a file): what it sets counts,
    whatever the file on disk holds, and the file is not counted twice."""
    notifier = tmp_path / "notifier.py"
    notifier.write_text(NOTIFIER)
    code = "    def __init__(self, path=None):\n        self.INBOX_PATH = path or '/x'\n"
    changed = NOTIFIER.replace("    def shipped", code + "\n    def shipped")
    result = migrate_source(changed, OPTIONS, path=str(notifier))
    [reason] = [s.reason for s in result.manual if "set again" in s.reason]
    assert reason.startswith("self.INBOX_PATH is set again at line 9 (")
    # the other way round: the file on disk sets it, the source given does not
    notifier.write_text(changed)
    assert NEW in migrate_source(NOTIFIER, OPTIONS, path=str(notifier)).source
