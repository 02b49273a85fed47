"""The docs say what the code does: MIGRATION.md's tables come from the spec."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from compat import _docs, _spec

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = ROOT / "MIGRATION.md"
README = ROOT / "README.md"


def test_migration_tables_are_generated_from_the_spec() -> None:
    text = MIGRATION.read_text(encoding="utf-8")
    assert _docs.render(text) == text, "run: python -m compat._docs MIGRATION.md"


def test_every_generated_block_is_in_the_guide() -> None:
    text = MIGRATION.read_text(encoding="utf-8")
    for name in _docs.blocks():
        assert f"<!-- BEGIN spec:{name} -->" in text


def test_every_field_and_limit_of_the_spec_is_in_the_guide() -> None:
    text = MIGRATION.read_text(encoding="utf-8")
    for endpoint in _spec.ENDPOINTS.values():
        for spec in endpoint.request:
            row = f"| `{spec.wire}` | `{spec.type}` | {'yes' if spec.required else 'no'} | "
            assert row + spec.limit_text in text, (endpoint.name, spec.wire)


def test_check_mode_through_a_subprocess(tmp_path: Path) -> None:
    stale = tmp_path / "GUIDE.md"
    stale.write_text("# x\n<!-- BEGIN spec:send -->\nold\n<!-- END spec:send -->\n")
    command = [sys.executable, "-m", "compat._docs"]
    done = subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "out of date" in done.stderr
    done = subprocess.run([*command, str(stale)], capture_output=True, text=True)
    assert done.returncode == 0
    assert "| `appId` | `String` | yes | 32 |" in stale.read_text()
    done = subprocess.run([*command, "--check", str(stale)], capture_output=True, text=True)
    assert done.returncode == 0


def test_unknown_block_names_are_an_error() -> None:
    with pytest.raises(ValueError, match="unknown spec block 'nope'"):
        _docs.render("<!-- BEGIN spec:nope -->\n<!-- END spec:nope -->")


def quickstart_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_quickstart_has_exactly_two_commands_and_ci_runs_them() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2
    assert "compat translate" in commands[0] or "compat demo" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quickstart" in ci  # CI reads the commands from the README itself
