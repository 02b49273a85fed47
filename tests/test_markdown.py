"""README.md and MIGRATION.md render as written: every section heading is a heading
under CommonMark (a fence left open would turn the rest of the file into code)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).parent.parent
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def written_headings(text: str) -> list[str]:
    """The ``#`` headings of a Markdown text outside its fences, as an author sees them."""
    headings, fence = [], None
    for line in text.splitlines():
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None and re.match(r"^#{1,6} ", line):
            headings.append(line.lstrip("#").strip())
    return headings


@pytest.mark.parametrize("name", ["README.md", "MIGRATION.md", "CHANGELOG.md"])
def test_every_heading_renders_as_a_heading(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(text)
    rendered = [
        tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"
    ]
    assert rendered == written_headings(text)
    assert len(rendered) > 3


def test_a_fence_closed_with_text_after_it_is_caught() -> None:
    broken = "# A\n\n```sh\nx\n``` then text\n\n## B\n"
    tokens = MarkdownIt("commonmark").parse(broken)
    rendered = [t for t in tokens if t.type == "heading_open"]
    assert len(rendered) == 1  # B is swallowed by the fence
    assert written_headings(broken) == ["A", "B"]  # which the check above would catch


def test_no_tracked_file_is_one_git_ignores() -> None:
    """What the repository ships is not also listed as ignored (a user's checkout, and
    compat audit inside it, would disagree about it)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout")
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == ""
