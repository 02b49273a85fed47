"""End to end on a corpus of realistic legacy modules (tests/migrate/corpus).

The corpus is audited (against expected_findings.txt), migrated by the
``compat migrate`` command, byte-compiled, and every sending function is run
before and after against the sandbox (a fresh one each time, on 127.0.0.1),
which serves the legacy endpoints and the new one and checks every call:

- a raw call that was rewritten must send what the translator makes of what it
  sent before (under the command line's policy);
- a shim call that was rewritten must send what the shim sent;
- a call that was not rewritten must send what it sent before.

Every finding the audit still reports afterwards sits under a manual mark, and a
second run changes nothing.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import types
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

import compat
from compat._spec import SEND
from compat.sandbox import Sandbox
from compat.translate import TRANSLATORS

from .helpers import compat as compat_cli

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = Path(__file__).parent / "expected_findings.txt"
TOKEN = "2019112719074101000700000077771xxxx"
#: The raw calls' policy: what the command line is given.
CLI_POLICY = compat.Policy(default_redirect_url="/pages/home")
CLI_FLAGS = ["--default-redirect-url", "/pages/home"]
MARK = "# compat: migrate manually:"
LEGACY = {
    "/v2/messages/sendInbox": "sendInbox",
    "/v2/customers/message/sendByAccessToken": "sendByAccessToken",
}

Call = Callable[[types.ModuleType, str, Callable[[str], Any]], Any]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


#: module -> the calls that send, as (module, base URL, make a client) -> result
CALLS: dict[str, list[Call]] = {
    "settings_requests": [lambda m, b, c: m.notify_order_paid(TOKEN, "A-1")],
    "session_class": [lambda m, b, c: m.WalletClient(b, "c-1", "APP").push_promotion(TOKEN, "BF")],
    "httpx_sync": [lambda m, b, c: m.refund_notice(TOKEN, "R-9", "12.50", base_url=b)],
    "httpx_async": [lambda m, b, c: run(m.remind_cart(b, TOKEN, 3))],
    "urllib3_dumps": [lambda m, b, c: m.shipped(b, TOKEN, "O-7")],
    "urllib3_body_name": [lambda m, b, c: m.points_earned(b, TOKEN, "120")],
    "aiohttp_session": [lambda m, b, c: run(m.order_update(b, TOKEN, "packed"))],
    "urllib_request": [lambda m, b, c: m.welcome(b, TOKEN)],
    "urljoin_relative": [lambda m, b, c: m.coupon(b + "/", TOKEN, "SAVE5")],
    "signed_helper": [lambda m, b, c: m.delivery_slot(b, TOKEN, "9-11")],
    "builder": [lambda m, b, c: m.send_built(b, TOKEN, "B-2")],
    "shim_policy_literal": [lambda m, b, c: m.cart_reminder(TOKEN, 2)],
    "shim_policy_constant": [lambda m, b, c: m.parcel_ready(TOKEN, "L-4")],
    "shim_service_class": [lambda m, b, c: m.LoyaltyNotifier().tier_up(TOKEN, "gold")],
    "shim_post": [lambda m, b, c: m.survey(TOKEN, "S-1")],
    "shim_post_constant": [lambda m, b, c: m.deliver(TOKEN)],
    "shim_param": [lambda m, b, c: m.birthday(c(b), TOKEN, "Ana")],
    "shim_digest": [
        lambda m, b, c: m.fixed(TOKEN),
        lambda m, b, c: m.computed(TOKEN, "x" * 70),
    ],
    "tpm_dropin": [lambda m, b, c: m.news(b, TOKEN, "Big sale today")],
    "inhouse_wallet": [
        lambda m, b, c: m.stock_alert(TOKEN, "SKU-1"),
        lambda m, b, c: m.price_drop(TOKEN, "SKU-2"),
    ],
    "languages_loop": [lambda m, b, c: m.parcel(b, TOKEN, "P-3")],
    "shared_path_constant": [
        lambda m, b, c: m.direct(TOKEN, base=b),
        lambda m, b, c: m.forwarded(_FORWARDED, base=b),
    ],
    "payload_stores": [lambda m, b, c: m.pickup(b, TOKEN, "Siam", "/pages/pickup")],
    "class_constants": [lambda m, b, c: m.OpenApi(b).flash_sale(TOKEN, "30%")],
    "config_default": [lambda m, b, c: m.relay(_FORWARDED)],
    "session_subclass": [lambda m, b, c: m.Api(b).notify(TOKEN, 7)],
    "httpx_content": [lambda m, b, c: m.ping(b, TOKEN)],
    "setdefault_payload": [lambda m, b, c: m.send(b, TOKEN)],
    "tpm_urlopen": [lambda m, b, c: m.go(b, TOKEN)],
    "shim_keywords_var": [lambda m, b, c: m.kw(TOKEN), lambda m, b, c: m.kw_literal(TOKEN, "Bo")],
    "urllib_ctx": [lambda m, b, c: m.legacy(b, TOKEN)],
    "near_miss_new_api": [lambda m, b, c: m.sent(b, TOKEN)],
    "near_miss_names": [],
    "typed_code": [
        lambda m, b, c: m.typed_raw(b, TOKEN, "T-1"),
        lambda m, b, c: m.typed_shim(TOKEN, "T-2"),
    ],
    "requests_fstring_path": [
        lambda m, b, c: m.WalletNotifier(b).order_paid(TOKEN, "O-1", "9.99"),
        lambda m, b, c: m.WalletNotifier(b).promo(TOKEN, "Sale"),
        lambda m, b, c: m.WalletNotifier(b).reminder(TOKEN, "Your basket misses you"),
    ],
    "urllib3_json_kwarg": [
        lambda m, b, c: m.refund(TOKEN, "R-77", "120.00", base=b),
        lambda m, b, c: m.survey(TOKEN, base=b),
    ],
    "notes_only": [lambda m, b, c: m.notify(b, TOKEN)],
    "requests_dict_calls": [
        lambda m, b, c: m.order_ready(TOKEN, "O-5", base=b),
        lambda m, b, c: m.flash(TOKEN, base=b),
        lambda m, b, c: m.flash_all([TOKEN], base=b),  # one send: the harness counts one
        lambda m, b, c: m.flash_later(TOKEN, base=b),
        lambda m, b, c: m.tagged(TOKEN, "vip", base=b),
    ],
}
_FORWARDED = {
    "accessToken": TOKEN,
    "authClientId": "2021004125637654",
    "requestId": "fwd-1",
    "templateCode": "TP_FWD",
    "templates": [{"templateParameters": {"pushContentUrl": "/pages/fwd"}}],
}


def test_every_corpus_module_is_exercised() -> None:
    assert sorted(CALLS) == sorted(p.stem for p in CORPUS.glob("*.py"))
    assert len(CALLS) >= 25


def findings(tree: Path) -> list[str]:
    done = compat_cli("audit", ".", "--format", "json", "--exit-zero", cwd=tree)
    assert done.returncode == 0, done.stderr
    return sorted(
        f"{f['path'].removeprefix('./')}:{f['line']}:{f['column']} {f['rule']}"
        for f in json.loads(done.stdout)["findings"]
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("corpus")
    for source in CORPUS.glob("*.py"):
        shutil.copy(source, tree / source.name)
    done = compat_cli("migrate", ".", *CLI_FLAGS, cwd=tree)
    assert done.returncode == 1, done.stderr  # files changed
    assert "Traceback" not in done.stderr
    return tree


def test_the_audit_finds_exactly_the_expected_sites() -> None:
    expected = [line for line in EXPECTED.read_text().splitlines() if line.strip()]
    assert findings(CORPUS) == expected


def test_every_migrated_file_compiles_and_a_rerun_changes_nothing(migrated: Path) -> None:
    for path in migrated.glob("*.py"):
        compile(path.read_text(), str(path), "exec")
    again = compat_cli("migrate", ".", *CLI_FLAGS, "--check", cwd=migrated)
    assert again.returncode == 0, again.stdout + again.stderr


def marked_lines(source: str) -> set[int]:
    """The lines of the statements that have a manual mark right above them."""
    lines = source.splitlines()
    covered: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.stmt):
            continue
        above = node.lineno - 2
        if hasattr(node, "decorator_list") and node.decorator_list:
            above = node.decorator_list[0].lineno - 2
        if above >= 0 and lines[above].strip().startswith(MARK):
            covered.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return covered


def test_what_is_left_is_marked_once_with_a_reason(migrated: Path) -> None:
    for finding in findings(migrated):
        where, rule = finding.split(" ")
        if rule == "CPT005":
            continue  # a mention in a comment or docstring: documentation, not a site
        name, line, _ = where.split(":")
        source = (migrated / name).read_text()
        assert int(line) in marked_lines(source), finding
    for path in migrated.glob("*.py"):
        lines = path.read_text().splitlines()
        for above, below in zip(lines, lines[1:]):
            assert not (above.strip().startswith(MARK) and below.strip().startswith(MARK))


def old_source(name: str) -> str:
    return (CORPUS / f"{name}.py").read_text()


def load(path: Path, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module


def sends(path: Path, calls: list[Call], reset: Callable[[], None]) -> list[Any]:
    """What each call sends to a fresh sandbox: (path, result code, body as it stored it,
    what the call returned)."""
    migrated_client = "LegacyClient" not in path.read_text()
    sandbox = Sandbox().start()
    os.environ["WALLET_URL"] = sandbox.url
    os.environ["INBOX_URL"] = sandbox.url + "/v2/messages/sendInbox"
    try:
        module = load(path, f"corpus_{path.stem}")
        out = []
        make = compat.MessageClient if migrated_client else compat.LegacyClient
        for call in calls:
            reset()
            before = len(sandbox.requests())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                returned = call(module, sandbox.url, lambda base: make(base, "c-1"))
            requests = sandbox.requests()
            assert len(requests) == before + 1, path.name
            record = requests[-1]
            stored = record["resultCode"] == "SUCCESS"
            body = sandbox.messages()[-1]["body"] if stored else None
            out.append((record["path"], record["resultCode"], body, returned))
        return out
    finally:
        os.environ.pop("WALLET_URL", None)
        os.environ.pop("INBOX_URL", None)
        sandbox.stop()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_migrated_code_sends_what_the_legacy_code_sent(
    name: str, migrated: Path, fixed_uuids: Callable[[], None]
) -> None:
    calls = CALLS[name]
    before = sends(CORPUS / f"{name}.py", calls, fixed_uuids)
    after = sends(migrated / f"{name}.py", calls, fixed_uuids)
    for old, new in zip(before, after):
        (old_path, old_code, old_body, old_answer), (new_path, new_code, new_body, new_answer) = (
            old,
            new,
        )
        endpoint = LEGACY.get(old_path)
        if endpoint is not None and new_path == SEND.path:
            # a raw call rewritten: what the translator makes of what it sent before
            assert old_code == "SUCCESS", name
            fixed_uuids()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = TRANSLATORS[endpoint](old_body, CLI_POLICY).to_wire()
            assert (new_code, new_body) == ("SUCCESS", expected), name
        else:  # a shim call (sent to the new path both times), or a call left as it was
            assert (new_path, new_code, new_body) == (old_path, old_code, old_body), name
            if old_path == SEND.path:  # the shim's answer, as the caller gets it
                assert type(new_answer) is type(old_answer), name
                if isinstance(old_answer, dict) and "LegacyClient" not in old_source(name):
                    # a raw call through the drop-in pool manager, now to the new path: the
                    # new endpoint's answer holds the legacy one, and may hold more
                    # (messageId on sendByAccessToken)
                    assert old_answer.items() <= new_answer.items(), name
                else:
                    assert new_answer == old_answer, name
