"""compat audit and compat migrate as a CI gate runs them: real trees, real git
repositories, the command line in a subprocess."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

RAW = 'URL = "https://wallet.example/v2/messages/sendInbox"\n'
CLIENT = textwrap.dedent(
    """\
    import requests

    def notify(token):
        return requests.post(
            "https://wallet.example/v2/messages/sendInbox",
            json={
                "accessToken": token,
                "authClientId": "2021004125637654",
                "requestId": "r-1",
                "templateCode": "T1",
                "templates": [{"templateParameters": {"pushContentUrl": "/p/1"}}],
            },
        )
    """
)


def compat(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "compat", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def shown(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def findings(done: Any) -> list[tuple[str, int, str]]:
    report = json.loads(done.stdout)
    return [(shown(f["path"]), f["line"], f["rule"]) for f in report["findings"]]


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def git(root: Path) -> Path:
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


# -- what is read -------------------------------------------------------------------


def test_the_report_being_written_and_earlier_reports_are_not_scanned(tmp_path: Path) -> None:
    tree(tmp_path, {"src/raw.py": RAW})
    for form, name in (("sarif", "a.sarif"), ("json", "a.json"), ("github", "a.txt")):
        done = compat("audit", ".", "--format", form, "--output", name, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
    (tmp_path / "b.txt").write_text(compat("audit", ".", cwd=tmp_path).stdout)
    done = compat("audit", ".", "--format", "json", "--output", "a.json", cwd=tmp_path)
    report = json.loads((tmp_path / "a.json").read_text())
    assert [shown(f["path"]) for f in report["findings"]] == ["src/raw.py"]
    skipped = {shown(s["path"]): s["reason"] for s in report["skipped"]}
    assert skipped == {
        "a.json": "the report being written",
        "a.sarif": "compat's own report",
        "a.txt": "compat's own report",
        "b.txt": "compat's own report",
    }


@needs_git
def test_what_git_ignores_is_not_read(tmp_path: Path) -> None:
    git(tree(tmp_path, {"src/raw.py": RAW, "generated/gen.py": RAW, "local/x.py": RAW}))
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / ".git/info/exclude").write_text("local/\n")
    done = compat("audit", ".", "--format", "json", cwd=tmp_path)
    assert findings(done) == [("src/raw.py", 1, "CPT001")]
    everything = compat("audit", ".", "--format", "json", "--no-respect-gitignore", cwd=tmp_path)
    assert [f[0] for f in findings(everything)] == ["generated/gen.py", "local/x.py", "src/raw.py"]
    # named, it is read: a file, or a folder git ignores whole
    for named in ("generated/gen.py", "generated"):
        assert findings(compat("audit", named, "--format", "json", cwd=tmp_path)) == [
            ("generated/gen.py", 1, "CPT001")
        ]
    # migrate selects the same way
    migrate = compat("migrate", ".", "--check", cwd=tmp_path)
    assert "generated" not in migrate.stderr


@pytest.mark.parametrize(
    ("pattern", "left"),
    [
        ("./generated", ["src/raw.py"]),
        ("generated", ["src/raw.py"]),
        ("generated/", ["src/raw.py"]),
        ("*.py", []),
        ("src/*", ["generated/gen.py"]),
        ("raw.py", ["generated/gen.py"]),
    ],
)
def test_exclude_means_the_same_for_both_commands(
    tmp_path: Path, pattern: str, left: list[str]
) -> None:
    tree(tmp_path, {"src/raw.py": CLIENT, "generated/gen.py": CLIENT})
    done = compat("audit", ".", "--format", "json", "--exclude", pattern, cwd=tmp_path)
    assert sorted({f[0] for f in findings(done)}) == left
    diff = compat("migrate", ".", "--diff", "--exclude", pattern, cwd=tmp_path)
    assert (
        sorted(line[6:] for line in diff.stdout.splitlines() if line.startswith("+++ b/")) == left
    )


@needs_git
def test_overlapping_paths_are_read_once(tmp_path: Path) -> None:
    git(tree(tmp_path, {"src/raw.py": CLIENT}))
    done = compat("audit", "src", "src/raw.py", "./src", "--format", "json", cwd=tmp_path)
    assert len(findings(done)) == len(set(findings(done))) > 0
    diff = compat("migrate", "src", "src/raw.py", "--diff", cwd=tmp_path)
    assert diff.stdout.count("+++ ") == 1
    (tmp_path / "change.diff").write_text(diff.stdout)
    subprocess.run(["git", "apply", "change.diff"], cwd=tmp_path, check=True)
    assert "/v2/miniprogram/message/send" in (tmp_path / "src/raw.py").read_text()


# -- what fails the run -------------------------------------------------------------


def test_mentions_never_fail_by_default(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "src/a.py": "x = 1  # was /v2/messages/sendInbox\n",
            "NOTES.md": "Was /v2/messages/sendInbox.\n",
        },
    )
    assert compat("audit", ".", cwd=tmp_path).returncode == 0
    assert compat("audit", ".", "--fail-on", "note", cwd=tmp_path).returncode == 1
    (tmp_path / "src/b.py").write_text("from compat import LegacyClient\n")  # a warning
    assert compat("audit", ".", cwd=tmp_path).returncode == 1
    assert compat("audit", ".", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert compat("audit", ".", "--ignore", "CPT003", cwd=tmp_path).returncode == 0
    done = compat("audit", ".", "--select", "CPT003,CPT005", "--format", "json", cwd=tmp_path)
    assert {f[2] for f in findings(done)} == {"CPT003", "CPT005"}


def test_suppression_comments_in_any_language(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "a.py": 'A = "/v2/messages/sendInbox"  # compat: ignore\n'
            "# compat: ignore[CPT001]\n"
            'B = "/v2/messages/sendInbox"\n'
            'C = "/v2/messages/sendInbox"  # compat: ignore[CPT004]\n'
            "D = 1  # compat: ignore\n",
            "b.js": "// compat: ignore[CPT001] until the proxy is gone\n"
            'const A = "/v2/customers/message/sendByAccessToken";\n'
            'const B = "/v2/customers/message/sendByAccessToken"; /* compat: ignore */\n',
            "c.yaml": "inbox: /v2/messages/sendInbox  # compat: ignore\n",
            "d.md": "<!-- compat: ignore -->\nThe old /v2/messages/sendInbox path.\n",
            "e.py": "# compat: ignore[CPT999]\nx = 1\n",
        },
    )
    done = compat("audit", ".", "--format", "json", cwd=tmp_path)
    report = json.loads(done.stdout)
    got = [(shown(f["path"]), f["line"], f["rule"], f["message"]) for f in report["findings"]]
    assert got == [
        ("a.py", 4, "CPT001", got[0][3]),
        ("a.py", 4, "CPT100", "'compat: ignore' suppresses nothing here (CPT004)"),
        ("a.py", 5, "CPT100", "'compat: ignore' suppresses nothing here (any rule)"),
        ("e.py", 1, "CPT100", "'compat: ignore' names no rule: CPT999"),
    ]
    assert report["summary"]["suppressed"] == 6
    assert done.returncode == 1  # the one left is an error
    text = compat("audit", ".", cwd=tmp_path).stdout
    assert "6 suppressed by 'compat: ignore'" in text


def test_rule_ids_are_checked_on_one_line(tmp_path: Path) -> None:
    done = compat("audit", ".", "--select", "CPT001,CPT9", cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "argument --select: expected rule ids from CPT001" in line


# -- [tool.compat] --------------------------------------------------------------------


def test_pyproject_sets_defaults_and_flags_win(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "pyproject.toml": textwrap.dedent(
                """\
                [tool.compat]
                exclude = ["vendor", "src/old/*"]
                fail-on = "error"
                ignore = ["CPT005"]
                app-id = "2021004125637654"
                default-redirect-url = "/pages/home"
                template-codes = { T1 = "T1_V2" }
                """
            ),
            "src/a.py": "from compat import LegacyClient  # /v2/messages/sendInbox\n",
            "src/old/b.py": RAW,
            "vendor/c.py": RAW,
            "src/client.py": CLIENT.replace('"authClientId": "2021004125637654",\n', ""),
        },
    )
    done = compat("audit", ".", "--format", "json", cwd=tmp_path)
    assert {(f[0], f[2]) for f in findings(done)} >= {("src/a.py", "CPT003")}
    assert not any(
        f[0].startswith(("vendor", "src/old")) or f[2] == "CPT005" for f in findings(done)
    )
    assert done.returncode == 1  # the raw client's path is an error
    # from a sub-folder, the same config and the same paths
    sub = compat("audit", ".", "--format", "json", cwd=tmp_path / "src")
    assert not any(f[0].startswith("old") for f in findings(sub))
    # flags win
    assert (
        compat(
            "audit", "src/a.py", "--fail-on", "note", "--select", "CPT005", cwd=tmp_path
        ).returncode
        == 1
    )
    # migrate: the policy and the excludes
    diff = compat("migrate", ".", "--diff", cwd=tmp_path).stdout
    assert '"appId": "2021004125637654"' in diff or "'appId': '2021004125637654'" in diff
    assert "T1_V2" in diff
    assert "src/old" not in diff
    flagged = compat("migrate", "src/client.py", "--diff", "--app-id", "99", cwd=tmp_path).stdout
    assert '"99"' in flagged or "'99'" in flagged


def test_the_audit_tells_fixable_under_the_policy_migrate_takes_from_pyproject(
    tmp_path: Path,
) -> None:
    """A site that migrate rewrites only with the app-id of [tool.compat] is fixable when
    the config gives it, as migrate run there would rewrite it."""
    tree(tmp_path, {"src/client.py": CLIENT.replace('"authClientId": "2021004125637654",\n', "")})

    def fixable() -> tuple[dict[str, Any], Any]:
        report = json.loads(compat("audit", ".", "--format", "json", cwd=tmp_path).stdout)
        return {f["rule"]: f["fixable"] for f in report["findings"]}, report["summary"]["fixable"]

    assert fixable() == ({"CPT001": False, "CPT004": False}, 0)
    (tmp_path / "pyproject.toml").write_text('[tool.compat]\napp-id = "2021004125637654"\n')
    assert fixable() == ({"CPT001": True, "CPT004": True}, 2)
    assert "redirectUrl" in compat("migrate", ".", "--diff", cwd=tmp_path).stdout
    # one the policy refuses is one line, naming the file, for both commands
    (tmp_path / "pyproject.toml").write_text(f'[tool.compat]\napp-id = "{"A" * 40}"\n')
    for command in ("audit", "migrate"):
        done = compat(command, ".", cwd=tmp_path)
        assert done.returncode == 2
        [line] = done.stderr.splitlines()
        assert line.endswith(
            "pyproject.toml: [tool.compat] app-id is 40 characters long (UTF-16 code units); "
            "the limit of appId is 32"
        )


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('fail-on = "never"', "fail-on must be error, warning or note"),
        ("colour = true", "has no key 'colour'"),
        ('select = ["CPT042"]', "select must be a list of rule ids"),
        ("exclude = 3", "exclude must be a list of strings"),
        ("[tool.compat", "not valid TOML"),
    ],
)
def test_a_bad_config_is_one_line(tmp_path: Path, table: str, words: str) -> None:
    text = table if table.startswith("[") else f"[tool.compat]\n{table}\n"
    (tmp_path / "pyproject.toml").write_text(text)
    for command in (["audit", "."], ["migrate", "."]):
        done = compat(*command, cwd=tmp_path)
        assert done.returncode == 2
        [line] = done.stderr.splitlines()
        assert words in line
        assert "pyproject.toml" in line


# -- progress ---------------------------------------------------------------------------


def on_a_terminal(*args: str, cwd: Path) -> str:
    """Run with stderr on a pseudo-terminal; what it drew there."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "compat", *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=follower,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not data:
                break
            chunks.append(data)
        process.wait(60)
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("command", ["audit", "migrate"])
def test_progress_on_a_terminal_only(tmp_path: Path, command: str) -> None:
    tree(tmp_path, {f"m{n}.py": CLIENT for n in range(30)})
    args = [command, ".", *(["--check"] if command == "migrate" else [])]
    drawn = on_a_terminal(*args, cwd=tmp_path)
    assert f"compat {command}: 30/30 files, " in drawn
    assert " files/s, " in drawn
    assert "30/30" not in on_a_terminal(*args, "--quiet", cwd=tmp_path)
    assert "files/s" not in compat(*args, cwd=tmp_path).stderr  # not a terminal


def test_migrate_says_the_time_it_took(tmp_path: Path) -> None:
    tree(tmp_path, {"a.py": CLIENT, "b.py": "x = 1\n"})
    done = compat("migrate", ".", "--check", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith(" s")
    assert "2 file(s) in " in done.stderr
