"""The less common shapes: each manual reason, and the module-level decisions."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Callable

import pytest

from compat import Policy, cli
from compat.audit import scan
from compat.migrate import MigrateError, Options, fixable_lines, migrate_source
from compat.migrate._files import migrate_file, unified_diff

from .helpers import check_manual, check_noop, check_transformed, options

INBOX = '"/v2/messages/sendInbox"'
BY_TOKEN = '"/v2/customers/message/sendByAccessToken"'


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ('{KEY: "x", "templates": []}', "a key that is not a string literal"),
        ('{"appId": "A", "appId": "B", "templates": []}', "the payload names 'appId' twice"),
        ('{"appId": "A", "templates": [T]}', "templates[0] is not written out here as a dict"),
        (
            '{"appId": "A", "templates": [{"templateParameters": {}, "style": "x"}]}',
            "templates[0].style is not a known field",
        ),
        (
            '{"appId": "A", "templates": [{"templateParameters": params}]}',
            "templates[0].templateParameters is not written out here as a dict literal",
        ),
        ('{"appId": "A", "templates": [*more]}', "unpacks another list"),
        ('{"appId": "A", "accessToken": "t", "templateCode": "T"}', "templates is missing"),
        ('{"x": 1}', "x is not a known field"),
        (  # what a stand-in is made of: it would be written back as the expression `t`
            '{"appId": "A", "accessToken": t, "requestId": "\\ue000\\ue100", "templateCode": "T",'
            ' "templates": [{"templateParameters": {}}]}',
            "requestId holds U+E000, the character compat migrate marks unknown values with",
        ),
        ('{"appId": "A", "\\ue000": 1}', "the payload holds U+E000"),
    ],
)
def test_payloads_that_stay_manual(payload: str, reason: str) -> None:
    check_manual(f"post({BY_TOKEN}, {payload})\n", reason)


def test_send_inbox_without_request_id_stays_manual() -> None:
    check_manual(
        f'post({INBOX}, {{"accessToken": "t", "authClientId": "A", "templateCode": "T",'
        ' "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        "sendInbox: requestId is missing (required)",
    )


def test_send_inbox_top_level_redirect_wins_and_the_parameter_stays() -> None:
    check_transformed(
        f'post({INBOX}, {{"accessToken": "t", "authClientId": "A", "requestId": "r",'
        ' "templateCode": "T", "redirectUrl": "/top",'
        ' "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        'post("/v2/miniprogram/message/send", {"accessToken": "t", "appId": "A", "requestId": "r",'
        ' "templateCode": "T", "redirectUrl": "/top",'
        ' "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
    )


def test_implicitly_concatenated_paths_are_pieces() -> None:
    check_manual('post("/v2/messages/" "sendInbox", {"accessToken": "t"})\n', "built from pieces")


def test_an_annotated_assignment_is_a_binding() -> None:
    """``payload: dict = {...}`` binds as ``payload = {...}`` does: its literal is read."""
    check_manual(
        """\
        def f():
            payload: dict = {"appId": "A", "accessToken": "t", "templateCode": "T", "templates": []}
            post("/v2/customers/message/sendByAccessToken", payload)
        """,
        "the translator refuses this call: sendByAccessToken: templates has 0 entries",
    )


PAYLOAD = '{"appId": "A", "accessToken": "t", "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]}'


def test_with_statement_clients_and_to_wire_imported_once() -> None:
    check_transformed(
        f"""\
        from compat import LegacyClient

        with LegacyClient("https://h", "c") as client:
            client.post({BY_TOKEN}, {PAYLOAD})
        """,
        f"""\
        from compat import MessageClient, to_wire

        with MessageClient("https://h", "c") as client:
            to_wire(client.send({PAYLOAD}))
        """,
    )
    check_transformed(
        f"""\
        from compat import LegacyClient, to_wire

        with LegacyClient("https://h", "c") as client:
            client.post({BY_TOKEN}, {PAYLOAD})
        """,
        f"""\
        from compat import MessageClient, to_wire

        with MessageClient("https://h", "c") as client:
            to_wire(client.send({PAYLOAD}))
        """,
    )


def test_other_uses_of_legacy_client_keep_it() -> None:
    result = migrate_source(
        textwrap.dedent(
            f"""\
            from compat import LegacyClient
            client = LegacyClient("https://h", "c")
            assert isinstance(client, LegacyClient)
            self.client.send_by_access_token({PAYLOAD})
            client.send_by_access_token({PAYLOAD})
            """
        )
    )
    assert "\nclient.client.send(" in result.source
    # self.client is not proven a LegacyClient outside a class: left as it is, marked
    assert "self.client.send_by_access_token(" in result.source
    assert "self.client is not provably a compat.LegacyClient" in result.source
    assert result.rewrites == {"legacy_client": 1}


def test_calls_with_more_than_a_payload_stay_manual() -> None:
    check_manual(
        f"""\
        from compat import LegacyClient
        client = LegacyClient("https://h", "c")
        client.send_by_access_token({PAYLOAD}, 5)
        """,
        "not one payload",
    )
    check_noop(
        """\
        import compat
        client = compat.LegacyClient("https://h", "c")
        client.post("/v2/other", {})
        client.post(path="/v2/messages/sendInbox")
        """
    )


def test_diffs_mark_a_missing_final_newline() -> None:
    diff = unified_diff("./a.py", "x = 1", "x = 2")
    assert diff.startswith("--- a/a.py\n+++ b/a.py\n")
    assert diff.count("\\ No newline at end of file") == 2


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    assert migrate_file(str(tmp_path), Options()).skipped is not None


def test_audit_marks_what_migrate_rewrites(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        f"import compat\nclient = compat.LegacyClient('h', 'c')\nclient.send_by_access_token({PAYLOAD})\n"
    )
    (tmp_path / "b.py").write_text(f"post({BY_TOKEN}, {{'x': 1}})\n")
    fixable = {
        (Path(f.path).name, f.rule): f.fixable for f in scan([tmp_path], fixable=fixable_lines)
    }
    assert fixable == {
        ("a.py", "CPT003"): True,
        ("a.py", "CPT002"): True,
        ("b.py", "CPT001"): False,
    }
    # not asked: unknown, except for what the codemod never rewrites (other languages)
    (tmp_path / "c.js").write_text(f"post({BY_TOKEN})\n")
    unknown = {(Path(f.path).name, f.rule): f.fixable for f in scan([tmp_path])}
    assert unknown == {
        ("a.py", "CPT003"): None,
        ("a.py", "CPT002"): None,
        ("b.py", "CPT001"): None,
        ("c.js", "CPT001"): False,
    }


def test_audit_marks_a_use_the_rewrite_ends_on_a_line_it_keeps_fixable(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        f"def notify(token):\n    path = {BY_TOKEN}\n    url = BASE + path\n"
        f"    return requests.post(url, json={PAYLOAD})\n"
    )
    found = [(f.line, f.rule, f.fixable) for f in scan([tmp_path], fixable=fixable_lines)]
    assert found == [(2, "CPT001", True), (3, "CPT001", True)]


def test_fixable_lines_of_a_source_libcst_cannot_read_is_empty() -> None:
    assert fixable_lines("print 'py2'\n# /v2/messages/sendInbox\n") == frozenset()


def test_commands_exit_2_when_a_file_cannot_be_read(
    tmp_path: Path, unreadable: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(f"post({INBOX}, {{}})\n")
    unreadable("a.py")
    assert cli.main(["audit", str(tmp_path)]) == 2
    assert cli.main(["migrate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unreadable: Permission denied" in err


def test_a_source_nested_too_deeply_is_skipped_not_a_crash(tmp_path: Path) -> None:
    deep = "{'a': " * 200 + "1" + "}" * 200
    source = f'post("/v2/messages/sendInbox", {{"accessToken": {deep}}})\n'
    with pytest.raises(MigrateError, match="nested too deeply"):
        migrate_source(source, Options())
    (tmp_path / "deep.py").write_text(source)
    assert migrate_file(str(tmp_path / "deep.py"), Options()).skipped == (
        "nested too deeply to migrate (over Python's recursion limit)"
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # among the standard library's straight imports, in order
        (
            "import json\nimport os\n\nimport urllib3\n",
            "import json\nimport os\nimport uuid\n\nimport urllib3\n",
        ),
        (
            "# stdlib\nimport json\nimport zlib\n",
            "# stdlib\nimport json\nimport uuid\nimport zlib\n",
        ),
        # before the section's from-imports
        ("from typing import Any\n", "import uuid\nfrom typing import Any\n"),
        # opening the standard library's section, above the others
        ("import urllib3\n", "import uuid\n\nimport urllib3\n"),
        # after __future__
        (
            "from __future__ import annotations\n\nimport urllib3\n",
            "from __future__ import annotations\n\nimport uuid\n\nimport urllib3\n",
        ),
    ],
)
def test_import_uuid_goes_where_isort_puts_it(head: str, expected: str) -> None:
    call = (
        'urllib3.request("POST", "https://w/v2/customers/message/sendByAccessToken", json='
        '{"appId": "A", "accessToken": "t", "templateCode": "T", '
        '"templates": [{"templateParameters": {}}]})\n'
    )
    migrated = migrate_source(head + "\n" + call, Options())
    assert migrated.source.startswith(expected), migrated.source


def test_audit_reads_a_coding_cookie_file_as_migrate_does(tmp_path: Path) -> None:
    legacy = Path(__file__).resolve().parents[2] / "examples" / "legacy_app" / "notifications.py"
    source = "# -*- coding: latin-1 -*-\n# Café notifications\n" + legacy.read_text()
    (tmp_path / "latin").mkdir()
    (tmp_path / "latin" / "a.py").write_bytes(source.encode("latin-1"))
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf8" / "a.py").write_text(source.replace("latin-1", "utf-8"), "utf-8")
    migrated = migrate_file(str(tmp_path / "latin" / "a.py"), Options(annotate=False))
    assert migrated.result is not None
    assert migrated.result.changed

    def verdicts(folder: str) -> list[tuple[int, str, object]]:
        return [
            (f.line, f.rule, f.fixable) for f in scan([tmp_path / folder], fixable=fixable_lines)
        ]

    assert verdicts("latin") == verdicts("utf8")  # the audit reads the file as UTF-8
    assert any(fixable for _, _, fixable in verdicts("latin"))


def test_a_source_with_a_lone_surrogate_is_not_migrated() -> None:
    with pytest.raises(MigrateError, match="lone surrogate"):
        migrate_source('# caf\udce9\nURL = "/v2/messages/sendInbox"\n')


def test_payloads_of_one_shape_each_keep_their_own_expressions() -> None:
    """A proof made for one payload serves another of the same shape: each rewrite and
    each reason is still written with its own site's expressions."""

    def site(name: str, ident: str) -> str:
        return (
            f"def {name}(token, {ident}):\n"
            f'    post({INBOX}, {{"accessToken": token, "authClientId": "A",'
            f' "requestId": {ident}, "templateCode": "T",'
            ' "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n'
        )

    source = site("first", "order_id") + site("second", "refund_id")
    result = migrate_source(source, options())
    assert result.rewrites == {"raw_http": 2}
    assert '"requestId": order_id' in result.source
    assert '"requestId": refund_id' in result.source
    assert "authClientId" not in result.source
    digest = migrate_source(source, options(annotate=False, overlong_request_id="digest"))
    assert [m.reason for m in digest.manual] == [
        f"what the shim sends depends on the length of {ident}, which the source does not fix"
        " (under Policy(overlong_request_id='digest'))"
        for ident in ("order_id", "refund_id")
    ]


def test_fixable_lines_under_other_options() -> None:
    source = (
        "import requests\n"
        'requests.post("https://h/v2/messages/sendInbox", json={"accessToken": "t",\n'
        '    "requestId": "r", "templateCode": "T", "templates": [{"templateParameters": {}}]})\n'
    )
    assert fixable_lines(source) == frozenset()  # no app id: the translator refuses it
    policy = Policy(app_id="2021004125637654", default_redirect_url="/home")
    assert fixable_lines(source, Options(policy=policy)) == {2, 3}


def test_an_import_line_that_keeps_a_shim_is_not_fixable() -> None:
    """One import of both shims: the rewrite swaps LegacyClient for MessageClient but keeps
    TranslatingPoolManager (marked), so the audit still finds a shim there."""
    source = (
        "from compat import LegacyClient, Policy, TranslatingPoolManager\n"
        'client = LegacyClient("https://h", "c", policy=Policy(app_id="A", default_redirect_url="/r"))\n'
        "http = TranslatingPoolManager()\n"
        'client.send_inbox({"accessToken": "t", "requestId": "r", "templateCode": "T",\n'
        '                   "templates": [{"templateParameters": {}}]})\n'
    )
    assert fixable_lines(source) == {2, 4}
    alone = source.replace(", TranslatingPoolManager", "").replace("http = Transl", "# Transl")
    assert fixable_lines(alone) == {1, 2, 4}  # the import is swapped, and nothing is left


def test_the_node_classes_the_codemod_tells_by_class_have_no_subclasses() -> None:
    """The codemod tells some libcst nodes by ``type(node) is cst.X`` (``isinstance``
    costs an ABC look-up for every class a node is not): that is the same test only while
    libcst defines no subclass of X."""
    import libcst as cst

    from compat.migrate import _plan, _receivers

    source = "".join(
        path.read_text(encoding="utf-8") for path in Path(_plan.__file__).parent.rglob("*.py")
    )
    named = set(re.findall(r"type\(\w+\) (?:is|is not) cst\.(\w+)", source))
    by_class = {getattr(cst, name) for name in named} | _receivers._REBINDERS
    by_class |= _plan._PLAIN_BINDERS | _plan._OTHER_BINDERS | _plan._TARGET_HOLDERS
    assert len(named) >= 8
    assert {cls.__name__: cls.__subclasses__() for cls in by_class if cls.__subclasses__()} == {}


def test_the_proofs_kept_are_a_cache_that_empties_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A module migrates the same with every proof kept and with the store emptied at
    each new payload (it holds at most one)."""
    from compat.migrate import _payload

    source = (Path(__file__).parent.parent.parent / "examples" / "legacy_app").glob("*.py")
    text = sorted(source)[0].read_text(encoding="utf-8")
    _payload._PROOFS.clear()
    kept = migrate_source(text)
    monkeypatch.setattr(_payload, "_PROOFS_KEPT", 1)
    _payload._PROOFS.clear()
    emptied = migrate_source(text)
    assert kept.rewrites
    assert (emptied.source, emptied.rewrites) == (kept.source, kept.rewrites)
    assert len(_payload._PROOFS) == 1


_CLASS_PATH = """\
import requests


class Notifier:
    INBOX_PATH = "/v2/messages/sendInbox"
{init}
    def shipped(self, token):
        return requests.post("https://w" + {read}.INBOX_PATH, json={{"accessToken": token,
            "authClientId": "A", "requestId": "r", "templateCode": "T",
            "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})
{after}"""


@pytest.mark.parametrize(
    ("init", "read", "after"),
    [
        # an instance's own value, set in __init__
        (
            "\n    def __init__(self, path=None):\n        if path:\n"
            "            self.INBOX_PATH = path\n",
            "self",
            "",
        ),
        # a subclass's value, read through self (and a subclass of that)
        ("", "self", '\n\nclass Dana(Notifier):\n    INBOX_PATH = "/dana/v2/messages/sendInbox"\n'),
        (
            "",
            "self",
            "\n\nclass Base2(Notifier):\n    pass\n\n\nclass Dana(Base2):\n"
            '    INBOX_PATH = "/dana/v2/messages/sendInbox"\n',
        ),
        # set on the class from outside, or by setattr
        ("", "Notifier", '\n\nNotifier.INBOX_PATH = "/dana/v2/messages/sendInbox"\n'),
        ("", "self", '\n\nsetattr(Notifier, "INBOX_PATH", "/dana/v2/messages/sendInbox")\n'),
    ],
)
def test_a_class_constant_that_may_read_another_value_is_not_taken_for_it(
    init: str, read: str, after: str
) -> None:
    """``self.INBOX_PATH`` reads the class body's value only while nothing in the module
    may give it another: the site is left, not rewritten to the new path."""
    source = _CLASS_PATH.format(init=init, read=read, after=after)
    result = migrate_source(source, options(app_id="A"))
    assert not result.rewrites
    assert "/v2/miniprogram/message/send" not in result.source
    # the class alone: its constant is read, and the call rewritten
    plain = _CLASS_PATH.format(init="", read=read, after="")
    assert migrate_source(plain, options(app_id="A")).rewrites == {"raw_http": 1}


_CLOSURE = """\
import requests

BASE = "https://w"
path = "/v2/messages/sendInbox"


def make_sender({outer}):
    def send(token):
        return requests.post(BASE + path, json={{"accessToken": token,
            "authClientId": "A", "requestId": "r", "templateCode": "T",
            "templates": [{{"templateParameters": {{"pushContentUrl": "/p"}}}}]}})

    return send


dana = make_sender("/dana/v2/messages/sendInbox")
"""


def test_a_closure_reads_the_name_of_the_function_around_it_not_the_module_s() -> None:
    """``path`` in ``send`` is ``make_sender``'s parameter (a wallet's own path), not the
    module's constant: the call is left, for the reason a parameter's path gets."""
    result = migrate_source(_CLOSURE.format(outer="path"), options(app_id="A"))
    assert not result.rewrites
    reasons = [site.reason for site in result.manual]
    assert any("cannot pair with a legacy path here" in reason for reason in reasons), reasons
    assert not any("built from pieces" in reason for reason in reasons)
    # the module's constant, where no function around binds the name: migrated
    assert migrate_source(_CLOSURE.format(outer="tenant"), options(app_id="A")).rewrites


_MODULE_PATH = """\
import requests

BASE = "https://w"
path = "/v2/messages/sendInbox"
BODY = dict(accessToken="t", authClientId="A", requestId="r", templateCode="T",
            templates=[{{"templateParameters": {{"pushContentUrl": "/p"}}}}])

{code}
"""


@pytest.mark.parametrize(
    "code",
    [
        # a lambda's parameter, in the module's own code
        'send = lambda path: requests.post(BASE + path, json={"accessToken": "t",\n'
        '    "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '    "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        # a comprehension's target, in a function and in the module's own code
        "def fan_out(paths):\n"
        '    return [requests.post(BASE + path, json={"accessToken": "t",\n'
        '        "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n'
        "        for path in paths]\n",
        'SENT = [requests.post(BASE + path, json={"accessToken": "t",\n'
        '    "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '    "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n'
        '    for path in ("/dana/v2/messages/sendInbox",)]\n',
        # an ``except ... as``, a nested def, ``:=``
        "def send(token):\n    try:\n        pass\n    except Exception as path:\n"
        "        print(path)\n"
        '    return requests.post(BASE + path, json={"accessToken": token,\n'
        '        "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        "def send(token):\n    def path():\n        pass\n"
        '    return requests.post(BASE + path, json={"accessToken": token,\n'
        '        "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
        "def send(token, tenant):\n    if (path := tenant.path):\n        pass\n"
        '    return requests.post(BASE + path, json={"accessToken": token,\n'
        '        "authClientId": "A", "requestId": "r", "templateCode": "T",\n'
        '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})\n',
    ],
)
def test_a_name_a_lambda_comprehension_or_other_binding_makes_is_not_the_module_s(
    code: str,
) -> None:
    """``path`` bound by a lambda, a comprehension, ``except ... as``, ``def`` or ``:=``
    is not the module's constant ``path``: nothing is rewritten to the new path."""
    result = migrate_source(_MODULE_PATH.format(code=code), options(app_id="A"))
    assert not result.rewrites
    assert "/v2/miniprogram/message/send" not in result.source


_SHIM_MODULE = """\
from compat import LegacyClient, Policy

client = LegacyClient("https://w", "2022091910020000", policy=Policy(app_id="A"))
BODY = {{"requestId": "r", "templateCode": "T"}}

{code}
"""
_SEND = (
    'client.send_inbox({"accessToken": token, "requestId": "r", "templateCode": "T",\n'
    '        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}]})'
)


@pytest.mark.parametrize(
    "code",
    [
        f"send = lambda client, token: {_SEND}\n",
        f"def send_all(clients, token):\n    return [{_SEND} for client in clients]\n",
        f"def make(client):\n    def send(token):\n        return {_SEND}\n    return send\n",
    ],
)
def test_a_client_a_lambda_comprehension_or_closure_binds_is_not_the_module_s(
    code: str,
) -> None:
    """``client`` there is whatever the lambda, the loop or the enclosing function got:
    not provably the module's LegacyClient (nor of its policy); the call is left."""
    result = migrate_source(_SHIM_MODULE.format(code=code))
    assert not result.rewrites
    assert any("not provably a compat.LegacyClient" in site.reason for site in result.manual)
    # the module's client, read in a function of its own: migrated
    plain = _SHIM_MODULE.format(code=f"def send(token):\n    return {_SEND}\n")
    assert migrate_source(plain).rewrites == {"legacy_client": 1}


def test_a_payload_value_a_module_level_lambda_takes_is_read_as_unknown() -> None:
    """A lambda's parameter in the payload, in the module's own code, is a value that
    may be None (the planner crashed, looking for its annotation in a function): the
    shim refuses a None accessToken as the new endpoint does, so the call migrates."""
    source = _SHIM_MODULE.format(code=f"send = lambda token: {_SEND}\n")
    result = migrate_source(source)
    assert result.rewrites == {"legacy_client": 1}
    assert '"accessToken": token' in result.source


@pytest.mark.parametrize(
    "outer",
    [
        "def notify(token: str, lang: str):\n",  # a parameter annotated str
        'def notify(token: str):\n    lang = "en-US"\n',  # a variable bound to a literal
    ],
)
def test_a_lambda_s_parameter_is_not_the_function_s_name_of_the_same_name(outer: str) -> None:
    """``lang`` in the lambda is what the lambda is given (None here), not the function's
    ``lang`` that is never None: the shim leaves a None language out, a rewrite would
    send null. The call is left."""
    source = (
        "import requests\n\n"
        + outer
        + '    send = lambda lang: requests.post("https://w/v2/messages/sendInbox", json={\n'
        '        "accessToken": token, "authClientId": "A", "requestId": "r",\n'
        '        "templateCode": "T", "templates": [\n'
        '            {"templateParameters": {"pushContentUrl": "/p"}, "language": lang}]})\n'
        "    return send(None)\n"
    )
    result = migrate_source(source, options(app_id="A"))
    assert not result.rewrites
    [site] = result.manual
    assert site.reason.startswith("what the shim sends depends on whether lang is None")
    # the function's own lang, outside a lambda: never None, migrated
    plain = source.replace("send = lambda lang: ", "send = ").replace("send(None)", "send")
    assert migrate_source(plain, options(app_id="A")).rewrites == {"raw_http": 1}


@pytest.mark.parametrize(
    "code",
    [
        # a closure's variable: the function around may bind it anew (nonlocal)
        "def make(lang: str):\n    def send(token):\n        return SEND\n    return send\n",
        # a module constant the module binds twice
        'lang = "en-US"\nif __debug__:\n    lang = None\n\n\ndef send(token):\n    return SEND\n',
    ],
)
def test_a_value_the_source_does_not_fix_as_not_none_is_read_as_maybe_none(code: str) -> None:
    send = (
        'requests.post("https://w/v2/messages/sendInbox", json={\n'
        '            "accessToken": token, "authClientId": "A", "requestId": "r",\n'
        '            "templateCode": "T", "templates": [\n'
        '                {"templateParameters": {"pushContentUrl": "/p"}, "language": lang}]})'
    )
    result = migrate_source("import requests\n\n" + code.replace("SEND", send), options())
    assert not result.rewrites
    assert any("whether lang is None" in site.reason for site in result.manual)
