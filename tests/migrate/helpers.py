"""check_transformed / check_noop, as django-upgrade and pyupgrade test their rules."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any, Optional

from compat import Policy
from compat.migrate import Options, Result, migrate_source

if TYPE_CHECKING:
    from pathlib import Path


def compat(*args: str, cwd: Path, stdin: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    """``python -m compat ARGS`` in ``cwd``, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "compat", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def options(annotate: bool = True, **policy: Any) -> Options:
    """Options for a run, with the raw-HTTP policy built from ``policy``'s fields."""
    return Options(policy=Policy(**policy), annotate=annotate)


def check_transformed(before: str, after: str, **policy: Any) -> Result:
    """``before`` migrates to exactly ``after`` (which must parse), and a rerun changes nothing."""
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    ast.parse(after)
    result = migrate_source(before, options(**policy))
    assert result.source == after, result.source
    assert result.changed
    again = migrate_source(result.source, options(**policy))
    assert again.source == result.source
    return result


def check_noop(source: str, **policy: Any) -> Result:
    """Nothing in ``source`` is rewritten (a manual mark may be added, see check_manual)."""
    source = textwrap.dedent(source)
    result = migrate_source(source, options(annotate=False, **policy))
    assert result.source == source
    assert not result.changed
    assert not result.rewrites
    return result


def check_manual(source: str, reason: str, **policy: Any) -> Result:
    """``source`` is left for manual work, marked once with ``reason``; a rerun adds nothing."""
    source = textwrap.dedent(source)
    check_noop(source, **policy)
    result = migrate_source(source, options(**policy))
    assert not result.rewrites
    assert any(reason in site.reason for site in result.manual), result.manual
    marks = [line for line in result.source.splitlines() if "# compat: migrate manually:" in line]
    assert len(marks) >= 1
    assert reason in "\n".join(marks)
    again = migrate_source(result.source, options(**policy))
    assert again.source == result.source
    return result
