"""The file selection both source tools share, the config reader, and the progress line,
called in the process."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import compat.audit._scan
from compat._config import ConfigError, find, load
from compat._logs import JsonFormatter
from compat._progress import Progress, wanted
from compat._source import (
    DIRECTIVE,
    GATE,
    Skipped,
    gate,
    gate_or_directive,
    git_visible,
    iter_files,
    searcher,
)
from compat.audit import scan_report

if TYPE_CHECKING:
    from pathlib import Path

RAW = 'URL = "/v2/messages/sendInbox"\n'


def walk(*roots: str, **options: Any) -> tuple[list[str], list[tuple[str, str]]]:
    files, skipped = [], []
    for item in iter_files(roots, **options):
        if isinstance(item, Skipped):
            skipped.append((item.path, item.reason))
        else:
            files.append(item)
    return files, skipped


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_decides_what_is_ignored_links_included(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("*.log\nlink\n")
    (tmp_path / "a.py").write_text(RAW)
    (tmp_path / "b.log").write_text(RAW)
    (tmp_path / "link").symlink_to(tmp_path / "a.py")
    files, skipped = walk(str(tmp_path))
    assert [os.path.basename(f) for f in files] == [".gitignore", "a.py"]
    assert skipped == []
    files, skipped = walk(str(tmp_path), gitignore=False)
    assert [os.path.basename(f) for f in files] == [".gitignore", "a.py", "b.log"]
    assert [os.path.basename(p) for p, _ in skipped] == [".git", "link"]


def test_without_git_nothing_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert git_visible(str(tmp_path)) is None
    (tmp_path / "a.py").write_text(RAW)
    assert walk(str(tmp_path))[0] == [str(tmp_path / "a.py")]


def test_a_report_named_as_a_path_is_not_read(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("{}")
    assert walk(str(report), skip=[str(report)]) == (
        [],
        [(str(report), "the report being written")],
    )


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root lists any folder")
    (tmp_path / "closed").mkdir(mode=0)
    try:
        assert walk(str(tmp_path))[1] == [
            (str(tmp_path / "closed"), "unreadable: Permission denied")
        ]
    finally:
        (tmp_path / "closed").chmod(0o755)


def test_progress_is_told_of_every_file_in_parallel_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        (tmp_path / f"m{n}.py").write_text(RAW)
    monkeypatch.setattr(compat.audit._scan, "_PARALLEL_FROM", 1)
    seen: list[tuple[int, int]] = []
    report = scan_report(
        [tmp_path], jobs=2, progress=lambda done, total: seen.append((done, total))
    )
    assert len(report.findings) == 6
    assert seen[-1] == (6, 6)


def test_the_progress_line_draws_and_clears() -> None:
    out = io.StringIO()
    progress = Progress("compat audit", out, enabled=True)
    progress(1, 2)
    progress(2, 2)
    progress.close()
    text = out.getvalue()
    assert "\rcompat audit: 2/2 files, " in text
    assert text.endswith("\r")
    silent = io.StringIO()
    Progress("x", silent, enabled=False)(1, 1)
    assert silent.getvalue() == ""
    assert not wanted(object(), quiet=False)  # type: ignore[arg-type]
    assert not wanted(io.StringIO(), quiet=False)
    assert not wanted(sys.stderr, quiet=True)


def test_json_log_lines_carry_the_fields_and_the_error() -> None:
    record = logging.LogRecord("compat.gateway", logging.ERROR, "f", 1, "upstream failed", (), None)
    record.requestId = "r-1"
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    import json

    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "error"
    assert line["requestId"] == "r-1"
    assert "ValueError: boom" in line["error"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[tool]\ncompat = 3\n", "[tool.compat] must be a table"),
        (
            "[tool.compat]\ntemplate-codes = { A = 1 }\n",
            "template-codes must be a table of strings",
        ),
        ("[tool.compat]\nmax-size = 0\n", "max-size must be a whole number of bytes"),
    ],
)
def test_config_errors_name_the_file_and_the_key(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"pyproject\.toml") as raised:
        load(str(tmp_path / "pyproject.toml"), "migrate")
    assert words in str(raised.value)


def test_config_is_found_above_and_read_for_its_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.compat]\nexclude = ["gen", "src/old"]\nfail-on = "note"\napp-id = "A1"\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.py").write_text("")
    assert find(str(tmp_path / "src/a.py")) == str(tmp_path / "pyproject.toml")
    audit = load(str(tmp_path / "pyproject.toml"), "audit")
    assert audit == {"exclude": ["gen", f"{tmp_path}/src/old"], "fail_on": "note"}
    assert load(str(tmp_path / "pyproject.toml"), "migrate")["app_id"] == "A1"
    with pytest.raises(ConfigError, match="cannot read"):
        load(str(tmp_path / "missing.toml"), "audit")
    assert find("/") in (None, "/pyproject.toml")


_PIECES = [n[:k] for n in GATE for k in (3, 4, 6, len(n))] + [b" ", b"x", b"Client", b"send"]


@given(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=8), max_size=12))
def test_the_gate_says_what_every_needle_says(parts: list[bytes]) -> None:
    data = b"".join(parts)
    wanted = any(needle in data for needle in GATE)
    assert gate(data) == wanted
    assert searcher(GATE, accelerated=False)(data) == wanted
    with_directive = wanted or DIRECTIVE in data
    assert gate_or_directive(data) == with_directive
    assert searcher([*GATE, DIRECTIVE], accelerated=False)(data) == with_directive


@given(st.lists(st.sampled_from([p.decode() for p in _PIECES]) | st.text(max_size=6), max_size=12))
def test_the_bytes_gate_of_a_utf8_file_is_the_text_gate(parts: list[str]) -> None:
    """compat migrate looks for the words in a UTF-8 file's bytes, the codemod in its
    text: the same answer."""
    from compat.migrate import _may_have_work

    text = "".join(parts)
    assert gate(text.encode("utf-8", "surrogatepass")) == _may_have_work(text)


def test_the_gate_is_one_automaton_with_the_speedups_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aho = pytest.importorskip("ahocorasick_rs")
    built = []
    real = aho.BytesAhoCorasick

    def recording(needles: list[bytes], **options: Any) -> Any:
        built.append((list(needles), options))
        return real(needles, **options)

    monkeypatch.setattr(aho, "BytesAhoCorasick", recording)
    search = searcher(GATE)
    assert built == [(GATE, {"matchkind": aho.MATCHKIND_LEFTMOST_FIRST})]
    assert search(b"x = 'templateCode'")
    assert not search(b"nothing here")


def test_the_gate_without_the_extra_takes_fewer_passes_than_needles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from compat._source import _cover

    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)  # not installed
    search = searcher(GATE)
    assert search(b"x = 'templateCode'")
    assert not search(b"nothing here")
    cover = _cover(GATE)
    assert len(cover) < len(GATE)
    assert sorted(n for _, group in cover for n in group) == sorted(GATE)
    assert all(key in needle for key, group in cover for needle in group)


def test_each_file_is_walked_once_however_the_roots_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a/x.py", "a/b/y.py", "c/z.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(RAW)
    monkeypatch.chdir(tmp_path)
    files, _ = walk("a", "a/b", "./a", "a/x.py", "c", gitignore=False)
    assert sorted(files) == ["a/b/y.py", "a/x.py", "c/z.py"]
    files, _ = walk("a/b", "c", gitignore=False)  # apart: nothing to tell apart
    assert sorted(files) == ["a/b/y.py", "c/z.py"]
    files, _ = walk(str(tmp_path / "a"), "a", gitignore=False)  # one folder, two spellings
    assert len(files) == 2


def test_a_binary_file_is_read_no_further_than_its_first_bytes(tmp_path: Path) -> None:
    from compat._source import read_capped

    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\0" * 10 + b"templateCode" * 100_000)
    data, size = read_capped(str(blob), 10_000_000, binary=lambda first: b"\0" in first)
    assert data is not None
    assert (len(data), size) == (65_536, blob.stat().st_size)
    report = compat.audit.scan_report([tmp_path])
    assert [s.reason for s in report.skipped] == ["binary"]
    assert report.bytes == size
    assert read_capped(str(blob), size - 1) == (None, size)  # over the cap: not read
