"""A helper the module imports from a module of the project is read there, as one the
module defines is: ``compat migrate`` and the audit's ``fixable`` look it up as Python
would find it, from the file's package (or the working folder)."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest

from compat.migrate import Options, fixable_lines, migrate_source

from .helpers import compat, options
from .test_helpers import NEW, PAYLOAD

if TYPE_CHECKING:
    from pathlib import Path


HTTP = """\
import json

import requests

from .settings import BASE, CLIENT_ID


def post_json(path, payload):
    payload.setdefault("authClientId", CLIENT_ID)
    return requests.post(BASE + path, json=payload, timeout=10).json()


def post_plain(path, payload):
    body = json.dumps(payload, separators=(",", ":"))
    return requests.post(BASE + path, data=body, timeout=10).json()
"""

CLIENTS = """\
import requests


class AddsClientId:
    def _post(self, path, body):
        body = {"authClientId": self.client_id, **body}
        return requests.post(self.base + path, json=body).json()


class Plain:
    def _post(self, path, body):
        return requests.post(self.base + path, json=body).json()
"""


def project(root: Path, files: dict[str, str]) -> Path:
    """A package ``svc`` under ``root/src`` with ``files`` (and its settings)."""
    package = root / "src" / "svc"
    (package / "clients").mkdir(parents=True)
    for name in ("__init__.py", "clients/__init__.py"):
        (package / name).write_text("")
    (package / "settings.py").write_text("BASE = 'https://w'\nCLIENT_ID = '2021004125637654'\n")
    (package / "http.py").write_text(HTTP)
    (package / "clients" / "base.py").write_text(CLIENTS)
    for name, text in files.items():
        (package / name).parent.mkdir(exist_ok=True)
        (package / name).write_text(textwrap.dedent(text))
    return package


def calling(call: str, imports: str) -> str:
    return f"{imports}\n\n\ndef notify(token):\n    return {call}('/v2/messages/sendInbox', {PAYLOAD})\n"


def migrated(path: Path) -> tuple[bool, list[str]]:
    result = migrate_source(path.read_text(), options(), path=str(path))
    return NEW in result.source, [site.reason for site in result.manual]


@pytest.mark.parametrize(
    ("imports", "call", "named"),
    [
        ("from .http import post_json", "post_json", "post_json() from .http"),
        ("from svc.http import post_json as send", "send", "post_json() from svc.http"),
        ("from . import http", "http.post_json", "http.post_json()"),
        ("import svc.http", "svc.http.post_json", "svc.http.post_json()"),
        ("import svc.http as h", "h.post_json", "h.post_json()"),
    ],
)
def test_a_function_imported_from_the_project_is_read_where_it_is_defined(
    tmp_path: Path, imports: str, call: str, named: str
) -> None:
    source = project(tmp_path, {"notify.py": calling(call, imports)}) / "notify.py"
    assert migrated(source) == (
        False,
        [
            f"the payload goes through {named}, which calls its setdefault() before it is "
            f"sent: migrate {named} with the calls to it by hand"
        ],
    )
    source.write_text(source.read_text().replace("post_json", "post_plain"))
    assert migrated(source) == (True, [])


def test_a_name_an_init_module_imports_is_followed_to_its_definition(tmp_path: Path) -> None:
    package = project(tmp_path, {"api/__init__.py": "from ..http import post_json, post_plain\n"})
    source = package / "notify.py"
    source.write_text(calling("post_json", "from .api import post_json"))
    assert migrated(source)[0] is False
    source.write_text(calling("post_plain", "from .api import post_plain"))
    assert migrated(source) == (True, [])


def test_a_method_of_a_base_class_imported_from_the_project_is_read(tmp_path: Path) -> None:
    def inbox(base: str, imports: str) -> str:
        return (
            f"{imports}\n\n\nclass Inbox({base}):\n    def notify(self, token):\n"
            f"        return self._post('/v2/messages/sendInbox', {PAYLOAD})\n"
        )

    package = project(tmp_path, {})
    source = package / "clients" / "inbox.py"
    for base, imports in [
        ("AddsClientId", "from .base import AddsClientId"),
        ("base.AddsClientId", "from . import base"),
        ("AddsClientId", "from svc.clients.base import AddsClientId"),
    ]:
        source.write_text(inbox(base, imports))
        assert migrated(source) == (
            False,
            [
                "the payload goes through _post(), which binds body anew before it is sent: "
                "migrate _post() with the calls to it by hand"
            ],
        ), imports
        source.write_text(
            inbox(base.replace("AddsClientId", "Plain"), imports.replace("AddsClientId", "Plain"))
        )
        assert migrated(source) == (True, []), imports
    # a base from an installed library may define _post: taken at its word, as before
    source.write_text(inbox("Session", "from requests import Session"))
    assert migrated(source) == (True, [])


def test_a_relative_import_the_project_does_not_have_or_that_does_not_parse_is_left(
    tmp_path: Path,
) -> None:
    package = project(tmp_path, {"broken.py": "def post_json(path, payload:\n"})
    source = package / "notify.py"
    source.write_text(calling("post_json", "from .nowhere import post_json"))
    assert migrated(source) == (
        False,
        ["post_json() comes from .nowhere, which is not found: migrate this call by hand"],
    )
    source.write_text(calling("post_json", "from .broken import post_json"))
    assert migrated(source) == (
        False,
        [
            "post_json() comes from .broken, which compat migrate cannot read as Python: "
            "migrate this call by hand"
        ],
    )


def test_a_helper_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    package = project(tmp_path, {})
    source = package / "notify.py"
    source.write_text(calling("post_plain", "from .http import post_plain"))
    assert migrated(source)[0]
    http = package / "http.py"
    http.write_text(
        HTTP.replace("    body = json.dumps", "    payload['x'] = 1\n    body = json.dumps")
    )
    assert migrated(source)[0] is False


def test_migrate_and_the_audit_read_the_same_helpers(tmp_path: Path) -> None:
    package = project(
        tmp_path,
        {
            "notify.py": calling("post_json", "from .http import post_json"),
            "other.py": calling("post_plain", "from .http import post_plain"),
        },
    )
    run = compat("migrate", "--diff", "src", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert (
        "src/svc/notify.py:5: manual (raw_http): the payload goes through post_json() from .http"
        in run.stderr
    )
    rewritten = run.stdout.split("+++ b/src/svc/other.py")[1]
    assert (
        f'+    return post_plain("{NEW}"' in rewritten
        or f"+    return post_plain('{NEW}'" in rewritten
    )
    audit = compat("audit", "--format", "json", "src", cwd=tmp_path)
    found = {}
    for finding in json.loads(audit.stdout)["findings"]:
        found.setdefault(finding["path"], set()).add(finding["fixable"])
    assert found == {"src/svc/notify.py": {False}, "src/svc/other.py": {True}}
    text = (package / "notify.py").read_text()
    assert fixable_lines(text, Options(), path=str(package / "notify.py")) == frozenset()
    assert fixable_lines(text.replace("post_json", "post_plain"), path=str(package / "notify.py"))


def test_an_absolute_import_is_also_looked_up_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, {})
    source = calling("post_json", "from svc.http import post_json")
    assert NEW in migrate_source(source, options()).source  # no svc here: an installed one
    monkeypatch.chdir(tmp_path / "src")
    result = migrate_source(source, options())
    assert NEW not in result.source
    assert "post_json() from svc.http, which calls its setdefault()" in result.manual[0].reason


def test_what_an_imported_module_binds_otherwise_is_taken_at_its_word(tmp_path: Path) -> None:
    package = project(
        tmp_path,
        {
            "factory.py": "from .http import make_poster\n\npost_json = make_poster()\n",
            "chain.py": "from .a1 import post_json\n",
            "a1.py": "from .a2 import post_json\n",
            "a2.py": "from .a3 import post_json\n",
            "a3.py": "from .http import post_json\n",
        },
    )
    source = package / "notify.py"
    # a name bound to what a call returns is not a def compat migrate can read
    source.write_text(calling("post_json", "from .factory import post_json"))
    assert migrated(source) == (True, [])
    # imports of imports are followed a few deep (three here), then taken at their word
    source.write_text(calling("post_json", "from .a1 import post_json"))
    assert migrated(source)[0] is False
    source.write_text(calling("post_json", "from .chain import post_json"))
    assert migrated(source) == (True, [])


def test_kwargs_handed_to_a_helper_that_cannot_be_read_leave_the_call(tmp_path: Path) -> None:
    package = project(tmp_path, {})
    source = package / "clients" / "inbox.py"
    source.write_text(
        "from .transport import send\n\n\nclass Inbox:\n"
        "    def _post(self, path, **kwargs):\n        return send(self.base + path, **kwargs)\n\n"
        "    def notify(self, token):\n"
        f"        return self._post('/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    assert migrated(source) == (
        False,
        ["send() comes from .transport, which is not found: migrate this call by hand"],
    )


def test_modules_read_are_bounded_and_an_oversized_one_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compat.migrate import _project

    package = project(tmp_path, {"other.py": HTTP})
    source = package / "notify.py"
    monkeypatch.setattr(_project, "_READ_KEPT", 1)
    for module in ("http", "other", "http"):
        source.write_text(calling("post_json", f"from .{module} import post_json"))
        assert migrated(source)[0] is False
    assert len(_project._READ) == 1
    monkeypatch.setattr(_project, "DEFAULT_MAX_BYTES", 100)
    source.write_text(calling("post_json", "from .other import post_json"))
    assert migrated(source) == (
        False,
        [
            "post_json() comes from .other, which compat migrate cannot read as Python: "
            "migrate this call by hand"
        ],
    )


def test_a_decorator_imported_from_the_project_is_read(tmp_path: Path) -> None:
    changes = (
        "def with_client_id(fn):\n    def wrapper(path, payload):\n"
        "        payload['authClientId'] = CLIENT_ID\n        return fn(path, payload)\n"
        "    return wrapper\n"
    )
    passes = "def timed(fn):\n    def wrapper(*a, **k):\n        return fn(*a, **k)\n    return wrapper\n"
    package = project(tmp_path, {"deco.py": changes + "\n\n" + passes})
    helper = (
        "import requests\n\nfrom . import deco\n\n\n@deco.{name}\ndef post(path, payload):\n"
        "    return requests.post('https://w' + path, json=payload)\n"
    )
    source = package / "notify.py"
    source.write_text(helper.format(name="timed") + calling("post", "")[1:])
    assert migrated(source) == (True, [])
    source.write_text(helper.format(name="with_client_id") + calling("post", "")[1:])
    assert migrated(source) == (
        False,
        [
            "the payload goes through post(), which is wrapped by @deco.with_client_id, which "
            "does more with the arguments than hand them on: migrate post() with the calls to "
            "it by hand"
        ],
    )


def test_a_session_imported_from_the_project_is_read(tmp_path: Path) -> None:
    from .test_client_classes import ADDS, ADDS_CLIENT_ID, SESSION, SETS_TIMEOUT

    package = project(tmp_path, {})
    session = package / "wallet.py"
    source = package / "notify.py"
    for imports, receiver in [
        ("from .wallet import session", "session"),
        ("from .wallet import WalletSession\n\nsession = WalletSession()", "session"),
    ]:
        source.write_text(
            f"{imports}\n\n\ndef notify(token):\n"
            f"    return {receiver}.post('/v2/messages/sendInbox', json={PAYLOAD})\n"
        )
        session.write_text(SESSION.format(body=ADDS_CLIENT_ID) + "\n\nsession = WalletSession()\n")
        assert migrated(source) == (False, [ADDS]), imports
        session.write_text(SESSION.format(body=SETS_TIMEOUT) + "\n\nsession = WalletSession()\n")
        assert migrated(source) == (True, []), imports


def test_a_module_imported_relatively_in_a_source_without_its_file_leaves_the_call() -> None:
    result = migrate_source(calling("http.post_plain", "from . import http"), options())
    assert [s.reason for s in result.manual] == [
        "http comes from ., which compat migrate does not look for in a source given without "
        "its file: migrate this call by hand"
    ]


def test_a_module_that_is_gone_is_not_read(tmp_path: Path) -> None:
    from compat.migrate._project import module_context

    assert module_context(str(tmp_path / "gone.py"), Options()) is None


def test_stdin_is_read_as_the_file_stdin_filename_names(tmp_path: Path) -> None:
    package = project(tmp_path, {})
    (tmp_path / "pyproject.toml").write_text('[tool.compat]\napp-id = "2021004125637654"\n')
    source = calling("post_json", "from .http import post_json").replace(
        '        "authClientId": "2021004125637654",\n', ""
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = str(package / "notify.py")
    run = compat("migrate", "-", "--stdin-filename", named, cwd=elsewhere, stdin=source)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith(
        f"compat migrate: {named}:5: manual (raw_http): the payload goes through post_json() "
        "from .http, which calls its setdefault() before it is sent"
    )
    plain = source.replace("post_json", "post_plain")
    run = compat("migrate", "-", "--stdin-filename", named, cwd=elsewhere, stdin=plain)
    assert run.returncode == 1, run.stderr
    assert NEW in run.stdout  # with the app id of the project's [tool.compat]
    assert '"appId": "2021004125637654"' in run.stdout
    run = compat("migrate", "-", cwd=elsewhere, stdin=plain)
    assert "in a source given without its file" in run.stderr
    run = compat("migrate", "src", "--stdin-filename", named, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == (
        "compat: error: --stdin-filename names the file read from stdin: give - as the PATH\n"
    )


def test_an_adapter_mounted_where_the_session_is_made_is_read(tmp_path: Path) -> None:
    from .test_client_classes import ADAPTER

    changes = "        request.body = request.body.replace(b'appId', b'authClientId')"
    package = project(tmp_path, {})
    (package / "wallet.py").write_text(
        ADAPTER.format(body=changes)
        + "session = requests.Session()\nsession.mount('https://', ClientIdAdapter())\n"
    )
    source = package / "notify.py"
    source.write_text(
        "from .wallet import session\n\n\ndef notify(token):\n"
        f"    return session.post('https://w/v2/messages/sendInbox', json={PAYLOAD})\n"
    )
    done, reasons = migrated(source)
    assert not done
    assert reasons[0].startswith("session has a ClientIdAdapter mounted, a class of the project's")


def test_a_subclass_of_the_shim_imported_from_the_project_is_named(tmp_path: Path) -> None:
    package = project(
        tmp_path,
        {
            "clients/wallet.py": "from compat import LegacyClient\n\n\n"
            "class WalletClient(LegacyClient):\n    pass\n\n\n"
            "class AuditedClient(WalletClient):\n    pass\n",
        },
    )
    source = package / "notify.py"
    for name in ("WalletClient", "AuditedClient"):
        source.write_text(
            f"from .clients.wallet import {name}\n\n\ndef notify(token):\n"
            f"    client = {name}(app_id='2021004125637654')\n"
            f"    return client.send_inbox({PAYLOAD})\n"
        )
        assert migrated(source) == (
            False,
            [
                f"client is a {name}, a subclass of compat.LegacyClient the project defines, "
                "which may change what the shim sends: migrate the class and its calls by hand"
            ],
        )


def test_what_is_not_a_subclass_of_the_shim_is_not_called_one(tmp_path: Path) -> None:
    package = project(
        tmp_path,
        {
            "mailer.py": "class Mailer:\n    def send_inbox(self, payload):\n        return payload\n\n\n"
            "class A(B):\n    pass\n\n\nclass B(A):\n    pass\n\n\n"
            "class Audited(Mailer):\n    pass\n",
        },
    )
    source = package / "notify.py"
    for name in ("Mailer", "A", "Audited"):
        source.write_text(
            f"from .mailer import {name}\n\n\ndef notify(token):\n"
            f"    return {name}().send_inbox({PAYLOAD})\n"
        )
        result = migrate_source(source.read_text(), options(), path=str(source))
        assert "subclass" not in " ".join(s.reason for s in result.manual), name
    source.write_text(
        f"from .nowhere import client\n\n\ndef notify(token):\n    return client.send_inbox({PAYLOAD})\n"
    )
    result = migrate_source(source.read_text(), options(), path=str(source))
    assert "subclass" not in " ".join(s.reason for s in result.manual)


def test_an_auth_handing_the_request_to_a_module_that_is_not_there_leaves_the_call(
    tmp_path: Path,
) -> None:
    package = project(tmp_path, {})
    source = package / "notify.py"
    source.write_text(
        "import requests\n\nfrom .signing import sign_request\n\n\n"
        "class WalletAuth(requests.auth.AuthBase):\n    def __call__(self, r):\n"
        "        sign_request(r)\n        return r\n\n\n"
        "def notify(token):\n    return requests.post('https://w/v2/messages/sendInbox', "
        f"json={PAYLOAD}, auth=WalletAuth())\n"
    )
    assert migrated(source) == (
        False,
        [
            "the body goes through WalletAuth.__call__(), the auth of the call, which hands "
            "the request it sends to sign_request(): sign_request() comes from .signing, which "
            "is not found: migrate the calls through WalletAuth.__call__() by hand"
        ],
    )


def test_a_body_from_kwargs_handed_to_a_module_that_is_not_there_leaves_the_call(
    tmp_path: Path,
) -> None:
    package = project(tmp_path, {})
    source = package / "notify.py"
    source.write_text(
        "import urllib3\n\nfrom .signing import digest\n\n\n"
        "class SigningPool(urllib3.PoolManager):\n"
        "    def urlopen(self, method, url, **kw):\n"
        "        kw['headers'] = digest(kw['body'])\n"
        "        return super().urlopen(method, url, **kw)\n\n\n"
        "pool = SigningPool()\n\n\ndef notify(token):\n"
        "    return pool.request('POST', 'https://w/v2/messages/sendInbox', "
        f"body=json.dumps({PAYLOAD}).encode())\n"
    )
    assert migrated(source)[0] is False
