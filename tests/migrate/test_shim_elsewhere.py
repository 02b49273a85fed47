"""A call that goes through a TranslatingPoolManager the call site does not build: in a
helper's module, imported from another module, or passed in. The pool translates under
its own policy, which the rewrite at the call site would not: the call is left."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from compat.migrate import Options, migrate_source

from .test_helpers import NEW, PAYLOAD

if TYPE_CHECKING:
    from pathlib import Path

CONF = """\
import compat
import urllib3

BASE = "https://open.wallet.example"
POOL = compat.TranslatingPoolManager(
    policy=compat.Policy(template_codes={"TP": "TP_V2"})
)
PLAIN = urllib3.PoolManager()
"""


def _project(root: Path, wallet: str, conf: str = CONF) -> Path:
    (root / "pay").mkdir()
    (root / "pay" / "__init__.py").write_text("")
    (root / "pay" / "conf.py").write_text(conf)
    path = root / "pay" / "wallet.py"
    path.write_text(textwrap.dedent(wallet).replace("PAYLOAD", PAYLOAD))
    return path


def _migrated(path: Path) -> tuple[str, list[str]]:
    result = migrate_source(path.read_text(), Options(), path=str(path))
    return result.source, [site.reason for site in result.manual]


HELPER = """\
import json

from pay import conf


def _post(path, payload):
    return conf.{pool}.request("POST", conf.BASE + path, body=json.dumps(payload).encode())


def paid(token):
    return _post("/v2/messages/sendInbox", PAYLOAD)
"""

DIRECT = """\
import json

{imports}


def paid(token):
    payload = PAYLOAD
    return {pool}.request("POST", BASE + "/v2/messages/sendInbox", body=json.dumps(payload))
"""


@pytest.mark.parametrize(
    ("wallet", "pool", "reason"),
    [
        (
            HELPER.replace("{pool}", "POOL"),
            "conf.POOL",
            "_post() sends with conf.POOL, which may be compat's TranslatingPoolManager",
        ),
        (
            DIRECT.format(imports="from pay.conf import BASE, POOL", pool="POOL"),
            "POOL",
            "POOL may be a TranslatingPoolManager, whose policy is not fixed here",
        ),
        (
            DIRECT.format(imports="from pay import conf\nBASE = conf.BASE", pool="conf.POOL"),
            "conf.POOL",
            "conf.POOL may be a TranslatingPoolManager, whose policy is not fixed here",
        ),
        (  # passed in, in a project that builds one
            DIRECT.format(imports="BASE = 'https://w'", pool="pool").replace(
                "def paid(token)", "def paid(pool, token)"
            ),
            "pool",
            "pool may be a TranslatingPoolManager, whose policy is not fixed here",
        ),
    ],
)
def test_a_call_through_a_pool_built_elsewhere_is_left(
    tmp_path: Path, wallet: str, pool: str, reason: str
) -> None:
    """With the pool's template_codes, the shim sent TP_V2; a rewrite under the default
    policy would send TP."""
    source, reasons = _migrated(_project(tmp_path, wallet))
    assert NEW not in source
    assert any(r.startswith(reason) for r in reasons), reasons


@pytest.mark.parametrize(
    "wallet",
    [
        HELPER.replace("{pool}", "PLAIN"),
        DIRECT.format(imports="from pay.conf import BASE, PLAIN", pool="PLAIN"),
        DIRECT.format(imports="import urllib3\nBASE = 'https://w'", pool="urllib3.PoolManager()"),
        # passed in, and a method a urllib3 pool does not have
        DIRECT.format(imports="BASE = 'https://w'", pool="session")
        .replace("def paid(token)", "def paid(session, token)")
        .replace('.request("POST", ', ".post("),
    ],
)
def test_a_call_through_what_is_not_a_pool_is_migrated(tmp_path: Path, wallet: str) -> None:
    source, reasons = _migrated(_project(tmp_path, wallet))
    assert NEW in source, reasons
    assert '"templateCode": "TP"' in source


def test_a_pool_passed_in_where_the_project_builds_none_is_an_http_client(
    tmp_path: Path,
) -> None:
    wallet = DIRECT.format(imports="BASE = 'https://w'", pool="pool").replace(
        "def paid(token)", "def paid(pool, token)"
    )
    conf = CONF.replace("compat.TranslatingPoolManager(", "urllib3.PoolManager(")
    conf = conf.replace('    policy=compat.Policy(template_codes={"TP": "TP_V2"})\n', "")
    source, reasons = _migrated(_project(tmp_path, wallet, conf))
    assert NEW in source, reasons
