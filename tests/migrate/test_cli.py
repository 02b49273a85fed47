"""``compat migrate`` through a real subprocess, on real files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .helpers import compat

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "legacy_app"
FIXTURE = ROOT / "tests" / "fixtures" / "legacy_service"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "app")
    shutil.copytree(FIXTURE, tmp_path / "service")
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    return tmp_path


def test_diff_applies_with_git_apply_and_writes_nothing(tree: Path) -> None:
    before = (tree / "app" / "notifications.py").read_text()
    done = compat("migrate", "app", "--diff", cwd=tree)
    assert done.returncode == 1
    assert (tree / "app" / "notifications.py").read_text() == before
    assert done.stdout.startswith("--- a/app/")
    (tree / "migrate.diff").write_text(done.stdout)
    subprocess.run(["git", "apply", "migrate.diff"], cwd=tree, check=True)
    assert "/v2/miniprogram/message/send" in (tree / "app" / "notifications.py").read_text()
    assert compat("migrate", "app", "--check", cwd=tree).returncode == 0


def test_check_writes_nothing_and_exits_1(tree: Path) -> None:
    before = (tree / "app" / "notifications_shim.py").read_text()
    done = compat("migrate", "app", "--check", cwd=tree)
    assert done.returncode == 1
    assert (tree / "app" / "notifications_shim.py").read_text() == before
    assert "2 file(s) would change; sites rewritten: legacy_client 2, raw_http 2" in done.stderr


def test_a_run_rewrites_then_a_rerun_changes_nothing(tree: Path) -> None:
    first = compat("migrate", ".", cwd=tree)
    assert first.returncode == 1
    assert "sites rewritten: legacy_client 2, raw_http 2" in first.stderr
    snapshot = {p: p.read_bytes() for p in tree.rglob("*.py")}
    second = compat("migrate", ".", cwd=tree)
    assert second.returncode == 0, second.stderr
    assert {p: p.read_bytes() for p in tree.rglob("*.py")} == snapshot
    assert "0 file(s) changed" in second.stderr
    lines = [line for path in tree.rglob("*.py") for line in path.read_text().splitlines()]
    marks = [n for n, line in enumerate(lines) if "# compat: migrate manually:" in line]
    assert len(marks) == 12  # one per statement left for manual work
    assert all("# compat: migrate manually:" not in lines[n + 1] for n in marks)  # never twice


def test_after_a_run_the_audit_finds_only_what_is_left_by_hand(tree: Path) -> None:
    compat("migrate", ".", cwd=tree)
    audit = compat("audit", "app", "--format", "json", cwd=tree)
    assert audit.returncode == 0, audit.stdout  # the examples are fully migrated
    manual = compat("migrate", "service", "--check", cwd=tree)
    assert "12 site(s) left for manual work" in manual.stderr
    for line in manual.stderr.splitlines()[:-1]:
        assert "manual (" in line


def test_exit_zero_even_if_changed_and_no_annotate(tree: Path) -> None:
    done = compat("migrate", "service", "--no-annotate", "--exit-zero-even-if-changed", cwd=tree)
    assert done.returncode == 0
    text = "".join(p.read_text() for p in (tree / "service").rglob("*.py"))
    assert "# compat: migrate manually:" not in text
    assert "12 site(s) left for manual work" in done.stderr


def test_only_and_skip(tree: Path) -> None:
    only = compat("migrate", "app", "--check", "--only", "raw_http", cwd=tree)
    assert "sites rewritten: raw_http 2;" in only.stderr
    skip = compat("migrate", "app", "--check", "--skip", "raw_http", cwd=tree)
    assert "sites rewritten: legacy_client 2;" in skip.stderr
    bad = compat("migrate", "app", "--only", "nope", cwd=tree)
    assert bad.returncode == 2
    assert "no rule named 'nope'" in bad.stderr


def test_list_rules(tmp_path: Path) -> None:
    done = compat("migrate", "--list-rules", cwd=tmp_path)
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["legacy_client", "raw_http"]


def test_stdin_to_stdout(tmp_path: Path) -> None:
    source = (EXAMPLES / "notifications.py").read_text()
    done = compat("migrate", "-", cwd=tmp_path, stdin=source)
    assert done.returncode == 1
    assert "/v2/miniprogram/message/send" in done.stdout
    assert "authClientId" not in done.stdout
    clean = compat("migrate", "-", cwd=tmp_path, stdin="print('hello')\n")
    assert (clean.returncode, clean.stdout) == (0, "print('hello')\n")
    diff = compat("migrate", "-", "--diff", cwd=tmp_path, stdin=source)
    assert diff.stdout.startswith("--- a/-")
    broken = compat("migrate", "-", cwd=tmp_path, stdin="def f(:\n  'sendInbox'\n")
    assert broken.returncode == 2
    assert "not valid Python" in broken.stderr


def test_policy_options_reach_the_payloads(tmp_path: Path) -> None:
    source = (
        'post("/v2/messages/sendInbox", {"accessToken": "t", "requestId": "r", '
        '"templateCode": "OLD", "templates": [{"templateParameters": {}}]})\n'
    )
    done = compat(
        "migrate",
        "-",
        "--app-id",
        "APP",
        "--default-redirect-url",
        "/home",
        "--template-code",
        "OLD=NEW",
        cwd=tmp_path,
        stdin=source,
    )
    assert done.returncode == 1
    assert '"appId": "APP"' in done.stdout
    assert '"redirectUrl": "/home"' in done.stdout
    assert '"templateCode": "NEW"' in done.stdout


def test_unparsable_and_non_utf8_files_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    '/v2/messages/sendInbox'\n")
    (tmp_path / "latin.py").write_bytes(b"# \xe9\nURL = '/v2/messages/sendInbox'\n")
    done = compat("migrate", ".", cwd=tmp_path)
    assert done.returncode == 0
    assert "broken.py: skipped: not valid Python" in done.stderr
    assert "latin.py: skipped: not UTF-8" in done.stderr


def test_usage_errors(tmp_path: Path) -> None:
    assert compat("migrate", cwd=tmp_path).returncode == 2
    missing = compat("migrate", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2
    assert "nowhere" in missing.stderr


def test_many_files_in_several_processes(tmp_path: Path) -> None:
    legacy = (EXAMPLES / "notifications.py").read_text()
    for n in range(210):
        (tmp_path / f"m{n:03d}.py").write_text(legacy if n % 70 == 0 else f"VALUE = {n}\n")
    done = compat("migrate", ".", "--jobs", "2", "--check", cwd=tmp_path)
    assert done.returncode == 1
    assert "3 file(s) would change; sites rewritten: raw_http 6" in done.stderr


def test_changed_sources_are_handed_on_as_they_come_and_not_kept(tmp_path: Path) -> None:
    from compat.migrate import Options
    from compat.migrate._files import migrate_paths

    legacy = (EXAMPLES / "notifications.py").read_text()
    for n in range(210):
        (tmp_path / f"m{n:03d}.py").write_text(legacy if n % 70 == 0 else f"VALUE = {n}\n")
    handed: list[tuple[str, bool, bool]] = []

    def changed(result: Any) -> None:
        handed.append(
            (
                Path(result.path).name,
                result.original == legacy,
                "/v2/miniprogram/" in result.result.source,
            )
        )

    summary = migrate_paths([str(tmp_path)], Options(), jobs=2, changed=changed)
    assert handed == [("m000.py", True, True), ("m070.py", True, True), ("m140.py", True, True)]
    assert summary.count == 210
    assert [Path(p).name for p in summary.changed] == ["m000.py", "m070.py", "m140.py"]
    assert summary.rewrites == {"raw_http": 6}
    assert not summary.skipped
    assert not summary.errors
    # what the summary holds is small: paths, counts and manual sites, no source
    assert legacy not in repr(summary)
