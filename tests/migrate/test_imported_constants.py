"""A legacy path (or a value of the payload) held by a constant of another module of the
project, and a URL built by a helper from the path it is given: read as Python runs
them, and followed only where the source fixes the value."""

from __future__ import annotations

import importlib
import sys
import textwrap
import warnings
from typing import TYPE_CHECKING, Any, Callable

import pytest
import urllib3

import compat
from compat.migrate import Options, migrate_source

from .helpers import check_transformed, options
from .test_helpers import NEW

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = "2019112719074101000700000077771xxxx"

SETTINGS = """\
APP_ID = "2021004125637654"
INBOX_PATH = "/v2/messages/sendInbox"
PUSH_PATH = "/v2/customers/message/sendByAccessToken"
"""

NOTIFY = """\
import urllib3

{imports}

http = urllib3.PoolManager()


def _url(base, path):
    \"\"\"The wallet's URL of ``path``.\"\"\"
    return base.rstrip("/") + path


def inbox(base, token, order):
    return http.request(
        "POST",
        _url(base, {inbox}),
        json={{
            "accessToken": token,
            "authClientId": {app_id},
            "requestId": f"order-{{order}}",
            "templateCode": "TP_SHIPPED",
            "templates": [{{"templateParameters": {{"order": order, "pushContentUrl": "/o"}}}}],
        }},
    )


def push(base, token):
    return http.request(
        "POST",
        f"{{base}}{{{push}}}",
        json={{
            "appId": {app_id},
            "accessToken": token,
            "requestId": "sale-1",
            "templateCode": "TP_SALE",
            "templates": [{{"templateParameters": {{"pushContentUrl": "/sale"}}}}],
        }},
    )
"""


def package(root: Path, name: str, imports: str, inbox: str, push: str, app_id: str) -> Path:
    folder = root / name / "svc"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "settings.py").write_text(SETTINGS)
    source = NOTIFY.format(imports=imports, inbox=inbox, push=push, app_id=app_id)
    (folder / "notify.py").write_text(source)
    return folder / "notify.py"


@pytest.mark.parametrize(
    ("imports", "inbox", "push", "app_id"),
    [
        (
            "from svc import settings",
            "settings.INBOX_PATH",
            "settings.PUSH_PATH",
            "settings.APP_ID",
        ),
        ("from . import settings", "settings.INBOX_PATH", "settings.PUSH_PATH", "settings.APP_ID"),
        (
            "from .settings import APP_ID, INBOX_PATH, PUSH_PATH",
            "INBOX_PATH",
            "PUSH_PATH",
            "APP_ID",
        ),
        ("import svc.settings as conf", "conf.INBOX_PATH", "conf.PUSH_PATH", "conf.APP_ID"),
    ],
)
def test_a_constant_of_the_project_is_read_and_the_migration_sends_what_the_shim_sent(
    tmp_path: Path,
    compat_sandbox_factory: Any,
    fixed_uuids: Callable[[], None],
    imports: str,
    inbox: str,
    push: str,
    app_id: str,
) -> None:
    legacy = package(tmp_path, "legacy", imports, inbox, push, app_id)
    policy = compat.Policy(app_id="2021004125637654")
    result = migrate_source(legacy.read_text(), Options(policy=policy), path=str(legacy))
    assert result.rewrites == {"raw_http": 2}, result.manual
    assert result.manual == ()
    assert f'_url(base, "{NEW}")' in result.source  # the value written out at the use
    assert f'f"{{base}}{NEW}"' in result.source
    assert (legacy.parent / "settings.py").read_text() == SETTINGS  # the constants stay
    migrated = package(tmp_path, "migrated", imports, inbox, push, app_id)
    migrated.write_text(result.source)

    def sent(root: Path, http: Any) -> list[dict[str, Any]]:
        sandbox = compat_sandbox_factory()
        sys.path.insert(0, str(root))
        try:
            for name in [m for m in sys.modules if m == "svc" or m.startswith("svc.")]:
                del sys.modules[name]
            module = importlib.import_module("svc.notify")
            module.http = http
            fixed_uuids()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the shim's deprecation warnings
                assert module.inbox(sandbox.url, TOKEN, "42").status == 200
                assert module.push(sandbox.url, TOKEN).status == 200
        finally:
            sys.path.remove(str(root))
            for name in [m for m in sys.modules if m == "svc" or m.startswith("svc.")]:
                del sys.modules[name]
        assert [r["path"] for r in sandbox.requests()] == [NEW, NEW]
        return [m["body"] for m in sandbox.messages()]

    before = sent(tmp_path / "legacy", compat.TranslatingPoolManager(policy=policy))
    after = sent(tmp_path / "migrated", urllib3.PoolManager())
    assert after == before


@pytest.mark.parametrize(
    "settings",
    [
        SETTINGS + "from .local import *  # noqa: F403\n",  # may replace any of them
        SETTINGS + "if __debug__:\n    INBOX_PATH = '/dana/v2/messages/sendInbox'\n",
        SETTINGS + "try:\n    from .local import INBOX_PATH\nexcept ImportError:\n    pass\n",
        SETTINGS + "INBOX_PATH += '/'\n",
    ],
)
def test_a_constant_the_project_may_bind_again_is_not_taken_for_its_value(
    tmp_path: Path, settings: str
) -> None:
    notify = package(
        tmp_path, "p", "from svc import settings", "settings.INBOX_PATH", "'/x'", "'A'"
    )
    (notify.parent / "settings.py").write_text(settings)
    result = migrate_source(notify.read_text(), options(app_id="A"), path=str(notify))
    assert NEW not in result.source.split("def push")[0]


@pytest.mark.parametrize(
    "helper",
    [
        "def _url(path):\n    return BASE + path + '?v=1'\n",  # the URL goes on after the path
        "def _url(path):\n    return BASE + path.lower()\n",
        "def _url(path):\n    log(path)\n    return BASE + path\n",  # more than a return
        "def _url(path):\n    return BASE + path if path else BASE\n",
        "def _url(*parts):\n    return BASE + parts[-1]\n",
        "def _url(path):\n    return path[:0] + BASE + path\n",  # the path read twice
        'def _url(path):\n    """Doc."""\n    return BASE.rstrip("/") + path.strip()\n',
        "def _url(path, query):\n    return BASE + path + query\n",
        "def _url(path):\n    return f'{BASE}{path!s}'\n",  # converted
        "from .wallet_urls import _url\n",  # a module compat migrate cannot find
        "_url = str\n",
    ],
)
def test_a_url_helper_that_does_more_than_end_the_url_with_the_path_is_not_followed(
    helper: str,
) -> None:
    source = textwrap.dedent(
        """\
        import requests

        BASE = "https://w"


        {helper}

        def send(token):
            requests.post(_url("/v2/messages/sendInbox"), json={{"accessToken": token,
                "authClientId": "A", "requestId": "r", "templateCode": "T",
                "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})
        """
    ).format(helper=helper)
    result = migrate_source(source, options(app_id="A"))
    assert not result.rewrites
    assert NEW not in result.source
    assert [site.reason for site in result.manual][-1].startswith(
        "the URL is built by _url() from the legacy path, and compat migrate reads only a "
        "helper whose body is one return ending the URL with the path it is given"
    )


@pytest.mark.parametrize(
    ("helper", "call"),
    [
        ("def _url(path): return BASE + path", '_url("/v2/messages/sendInbox")'),
        (
            "def _url(base, path):\n    return urljoin(base, path)",
            '_url(BASE, path="/v2/messages/sendInbox")',
        ),
    ],
)
def test_a_url_helper_on_one_line_or_by_urljoin_is_followed(helper: str, call: str) -> None:
    source = (
        "from urllib.parse import urljoin\nimport requests\n\nBASE = 'https://w'\n\n\n"
        f"{helper}\n\n\ndef send(token):\n    requests.post({call}, json={{'accessToken': token, "
        "'authClientId': 'A', 'requestId': 'r', 'templateCode': 'T', "
        "'templates': [{'templateParameters': {'pushContentUrl': '/p'}}]})\n"
    )
    result = migrate_source(source, options(app_id="A"))
    assert result.rewrites == {"raw_http": 1}, result.manual
    assert NEW in result.source


def test_a_url_helper_given_no_path_or_unpacked_arguments_is_not_followed() -> None:
    for call in ("_url(*PARTS)", "_url()"):
        source = (
            "import requests\n\nBASE = 'https://w'\nPARTS = ['/v2/messages/sendInbox']\n\n\n"
            "def _url(path='/v2/messages/sendInbox'):\n    return BASE + path\n\n\n"
            f"def send(token):\n    requests.post({call}, json={{'accessToken': token}})\n"
        )
        assert not migrate_source(source, options(app_id="A")).rewrites


def test_a_constant_of_the_project_that_holds_no_legacy_path_is_not_followed(
    tmp_path: Path,
) -> None:
    for inbox in ("settings.APP_ID", "settings.APP_ID.strip"):
        notify = package(tmp_path / inbox, "p", "from svc import settings", inbox, "'/x'", "'A'")
        result = migrate_source(notify.read_text(), options(app_id="A"), path=str(notify))
        assert NEW not in result.source


def test_a_module_that_imports_from_a_module_it_cannot_read_is_read_for_the_rest(
    tmp_path: Path,
) -> None:
    imports = "from .missing import helper\nfrom . import broken\nfrom . import settings"
    notify = package(tmp_path, "p", imports, "settings.INBOX_PATH", "settings.PUSH_PATH", "'A'")
    (notify.parent / "broken.py").write_text("def (:\n")
    result = migrate_source(notify.read_text(), options(app_id="A"), path=str(notify))
    assert result.rewrites == {"raw_http": 2}, result.manual
    # without its file, no relative import can be read: nothing is taken from them
    assert not migrate_source(notify.read_text(), options(app_id="A")).rewrites


def test_a_payload_value_of_an_attribute_of_an_attribute_may_be_none(tmp_path: Path) -> None:
    notify = package(
        tmp_path, "p", "from svc import settings", "settings.INBOX_PATH", "'/x'", "settings.a.b"
    )
    result = migrate_source(notify.read_text(), options(app_id="A"), path=str(notify))
    assert "whether settings.a.b is None" in result.manual[0].reason


def test_a_url_helper_is_followed_by_keyword_and_as_a_method() -> None:
    check_transformed(
        """\
        import requests


        class Wallet:
            base = "https://w"

            def url(self, path):
                return f"{self.base}{path}"

            def send(self, token):
                return requests.post(self.url(path="/v2/customers/message/sendByAccessToken"), json={
                    "appId": "A", "accessToken": token, "requestId": "r", "templateCode": "T",
                    "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})
        """,
        """\
        import requests


        class Wallet:
            base = "https://w"

            def url(self, path):
                return f"{self.base}{path}"

            def send(self, token):
                return requests.post(self.url(path="/v2/miniprogram/message/send"), json={
                    "appId": "A", "accessToken": token, "requestId": "r", "templateCode": "T",
                    "redirectUrl": "/p",
                    "templates": [{"templateParameters": {}}]})
        """,
    )


def test_a_shim_policy_of_a_constant_of_the_project_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "settings.py").write_text(SETTINGS)
    notify = folder / "notify.py"
    notify.write_text(
        "from compat import LegacyClient, Policy\n\nfrom svc import settings\n\n"
        'client = LegacyClient("https://w", "c", policy=Policy(app_id=settings.APP_ID))\n\n\n'
        "def shipped(token):\n    return client.send_inbox({\n"
        '        "accessToken": token, "requestId": "r", "templateCode": "T",\n'
        '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]}).message_id\n'
    )
    result = migrate_source(notify.read_text(), options(), path=str(notify))
    assert result.rewrites == {"legacy_client": 1}, result.manual
    assert '"appId": "2021004125637654"' in result.source


SEND = """\
import urllib3

{imports}

http = urllib3.PoolManager()
{before}

def send({params}token):
{body}    return http.request("POST", "https://w" + {path}, json={{
        "accessToken": token, "authClientId": {app_id}, "requestId": "r",
        "templateCode": "T", "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})
"""
_MODULE = "from svc import settings"


@pytest.mark.parametrize(
    ("imports", "before", "params", "body", "path", "app_id"),
    [
        # a parameter named as the module: the tenant's settings, passed in
        (_MODULE, "", "settings, ", "", "settings.INBOX_PATH", '"A"'),
        # a variable of the function
        (_MODULE, "", "", "    settings = load()\n", "settings.INBOX_PATH", '"A"'),
        (
            _MODULE,
            "",
            "",
            "    for settings in tenants():\n        pass\n",
            "settings.INBOX_PATH",
            '"A"',
        ),
        # bound again by the module, or declared global by a function
        (_MODULE, "settings = load()\n", "", "", "settings.INBOX_PATH", '"A"'),
        (_MODULE, "", "", "    global settings\n", "settings.INBOX_PATH", '"A"'),
        (
            "from svc.settings import INBOX_PATH",
            "if __debug__:\n    INBOX_PATH = '/dana/v2/messages/sendInbox'\n",
            "",
            "",
            "INBOX_PATH",
            '"A"',
        ),
    ],
)
def test_a_name_bound_otherwise_where_it_is_read_is_not_the_imported_constant(
    tmp_path: Path, imports: str, before: str, params: str, body: str, path: str, app_id: str
) -> None:
    """What ``settings.INBOX_PATH`` reads where ``settings`` is a parameter, a variable,
    or a name the module binds again is not the module's constant: the site is left."""
    notify = package(tmp_path, "p", _MODULE, "settings.INBOX_PATH", "'/x'", "'A'")
    fields = {"imports": imports, "before": before, "params": params, "body": body}
    notify.write_text(SEND.format(**fields, path=path, app_id=app_id))
    result = migrate_source(notify.read_text(), options(), path=str(notify))
    assert result.rewrites == {}
    assert result.manual
    # the same module without the other binding: migrated
    plain = SEND.format(imports=imports, before="", params="", body="", path=path, app_id=app_id)
    notify.write_text(plain.replace("settings, ", ""))
    assert migrate_source(notify.read_text(), options(), path=str(notify)).rewrites


def test_a_parameter_of_a_function_around_hides_the_imported_module(tmp_path: Path) -> None:
    notify = package(tmp_path, "p", _MODULE, "settings.INBOX_PATH", "'/x'", "'A'")
    source = SEND.format(
        imports=_MODULE, before="", params="", body="", path="settings.INBOX_PATH", app_id='"A"'
    )
    nested = source.replace("def send(token):", "def sender(settings):\n    def send(token):")
    nested = nested.replace("\n    return http", "\n        return http")
    nested = nested.replace('\n        "accessToken"', '\n            "accessToken"')
    nested = nested.replace('\n        "templateCode"', '\n            "templateCode"')
    notify.write_text(nested + "    return send\n")
    result = migrate_source(notify.read_text(), options(), path=str(notify))
    assert result.rewrites == {}, result.source


CONFIG = """\
from compat import Policy

APP_ID = "2021004125637654"
POLICY = Policy(app_id=APP_ID, default_redirect_url="/pages/home")
"""

INBOX = """\
from compat import LegacyClient

{imports}

client = LegacyClient("{url}", "2022091910020000", policy={policy})


def kyc_done(token, level):
    return client.send_inbox({{
        "accessToken": token, "requestId": f"kyc-{{level}}", "templateCode": "KYC_DONE",
        "templates": [{{"templateParameters": {{"level": level}}}}]}}).message_id
"""


def _inbox(root: Path, imports: str, policy: str, url: str = "https://w") -> Path:
    folder = root / "svc"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "config.py").write_text(CONFIG)
    inbox = folder / "inbox.py"
    inbox.write_text(INBOX.format(imports=imports, policy=policy, url=url))
    return inbox


@pytest.mark.parametrize(
    ("imports", "policy"),
    [("from svc import config", "config.POLICY"), ("from .config import POLICY", "POLICY")],
)
def test_a_shim_policy_that_is_a_constant_of_another_module_is_read_there(
    tmp_path: Path, compat_sandbox_factory: Any, imports: str, policy: str
) -> None:
    """``policy=config.POLICY``, bound in config.py to a Policy of literals (and of that
    module's constants): the calls migrate under it, and send what the shim sent."""
    sandboxes = [compat_sandbox_factory(), compat_sandbox_factory()]  # one requestId
    legacy = _inbox(tmp_path / "legacy", imports, policy, sandboxes[0].url)
    result = migrate_source(legacy.read_text(), Options(), path=str(legacy))
    assert result.rewrites == {"legacy_client": 1}, result.manual
    assert '"appId": "2021004125637654"' in result.source
    assert '"redirectUrl": "/pages/home"' in result.source
    migrated = _inbox(tmp_path / "migrated", imports, policy)
    migrated.write_text(result.source.replace(sandboxes[0].url, sandboxes[1].url))
    for root in (tmp_path / "legacy", tmp_path / "migrated"):
        sys.path.insert(0, str(root))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the shim's deprecation warnings
                importlib.import_module("svc.inbox").kyc_done(TOKEN, "L2")
        finally:
            sys.path.remove(str(root))
            for name in [m for m in sys.modules if m == "svc" or m.startswith("svc.")]:
                del sys.modules[name]
    [legacy_body], [migrated_body] = ([m["body"] for m in s.messages()] for s in sandboxes)
    assert migrated_body == legacy_body
    assert [r["path"] for s in sandboxes for r in s.requests()] == [NEW, NEW]


@pytest.mark.parametrize(
    ("config", "also", "reason"),
    [
        (  # not a Policy of literals
            CONFIG.replace('"/pages/home"', 'os.environ["LINK"]'),
            {},
            "the client's policy (config.POLICY) is not fixed by the source",
        ),
        (  # set again by another module
            CONFIG,
            {"boot.py": "from svc import config\nconfig.POLICY = config.Policy()\n"},
            "the client's policy (config.POLICY) is not fixed by the source: POLICY is set "
            "again at svc/boot.py:2 (config.POLICY = config.Policy())",
        ),
        (  # not a Policy(...)
            CONFIG.replace("POLICY = Policy(", "POLICY = dict("),
            {},
            "the client's policy (config.POLICY) is not fixed by the source",
        ),
        (  # bound twice in its module
            CONFIG + "if __debug__:\n    POLICY = None\n",
            {},
            "the client's policy (config.POLICY) is not fixed by the source",
        ),
    ],
)
def test_a_shim_policy_constant_another_module_does_not_fix_is_not_read(
    tmp_path: Path, config: str, also: dict[str, str], reason: str
) -> None:
    inbox = _inbox(tmp_path, "from svc import config", "config.POLICY")
    (inbox.parent / "config.py").write_text(config)
    for name, text in also.items():
        (inbox.parent / name).write_text(text)
    result = migrate_source(inbox.read_text(), Options(), path=str(inbox))
    assert result.rewrites == {}
    assert reason in [site.reason for site in result.manual]
