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


#: what the receivers below may be: a library's modules, compat, a module of the project
IMPORTS = """\
import urllib.request

import compat
import urllib3

from pay import conf

BASE = "https://w"
"""


@pytest.mark.parametrize(
    ("pool", "left"),
    [
        ("get_pools()[0]", True),  # not a name: may be one
        ("UNDEFINED", True),  # bound nowhere here
        ("conf.ALIAS", True),  # bound to what is not a call there
        ("conf.MISSING", True),  # a module of the project, not bound there once
        ("urllib3.PoolManager()", False),
        ("conf.PLAIN", False),
    ],
)
def test_what_a_receiver_may_be(tmp_path: Path, pool: str, left: bool) -> None:
    wallet = DIRECT.format(imports=IMPORTS, pool=pool)
    source, reasons = _migrated(_project(tmp_path, wallet, CONF + "ALIAS = POOL\n"))
    assert (NEW not in source) is left, reasons


@pytest.mark.parametrize(
    ("base", "left"),
    [("compat.TranslatingPoolManager", True), ("urllib3.PoolManager", False)],
)
def test_self_of_a_pool_class(tmp_path: Path, base: str, left: bool) -> None:
    wallet = DIRECT.format(imports=IMPORTS, pool="self").replace(
        "def paid(token):", f"class Pool({base}):\n    def paid(self, token):"
    )
    wallet = wallet.replace("\n    payload =", "\n        payload =").replace(
        "\n    return self", "\n        return self"
    )
    source, reasons = _migrated(_project(tmp_path, wallet))
    assert (NEW not in source) is left, reasons


def test_a_pool_imported_relatively_by_a_source_without_its_file_is_left() -> None:
    source = DIRECT.format(imports=IMPORTS, pool="POOL").replace(
        "from pay import conf", "from .conf import POOL"
    )
    result = migrate_source(source.replace("PAYLOAD", PAYLOAD), Options())
    assert NEW not in result.source
    assert any("comes from .conf" in site.reason for site in result.manual)


LOCAL_HELPER = """\
import json

{imports}


def _post(path, payload):
    return POOL.request("POST", "https://w" + path, body=json.dumps(payload).encode())


def paid(token):
    return _post("/v2/messages/sendInbox", PAYLOAD)
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import compat\n\nPOOL = compat.TranslatingPoolManager()",  # the module's own
        "from .conf import POOL",  # a module a source given without its file cannot read
    ],
)
def test_a_helper_sending_with_a_pool_it_cannot_rule_out_is_left(imports: str) -> None:
    source = LOCAL_HELPER.format(imports=imports).replace("PAYLOAD", PAYLOAD)
    result = migrate_source(source, Options())
    assert NEW not in result.source
    assert [s.reason for s in result.manual if s.rule == "raw_http"][-1].startswith(
        "_post() sends with POOL, which may be compat's TranslatingPoolManager"
    )
