"""The audit and the codemod share compat._source; neither imports the other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compat"


def imported(folder: Path) -> set[str]:
    """Every module the sources under ``folder`` import, at any depth of the code
    (lazy imports inside functions included), relative imports resolved."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        package = list(path.relative_to(PACKAGE.parent).parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_import_reader_resolves_relative_imports() -> None:
    found = imported(PACKAGE / "audit")
    assert "compat._source.python" in found  # from .._source.python import scan_python
    assert "compat.audit._format" in found  # from ._format import ...


@pytest.mark.parametrize(
    ("folder", "other"), [("audit", "compat.migrate"), ("migrate", "compat.audit")]
)
def test_neither_tool_imports_the_other(folder: str, other: str) -> None:
    found = imported(PACKAGE / folder)
    assert not {m for m in found if m == other or m.startswith(other + ".")}


RUN = {
    "audit": "from compat.audit import scan; assert scan([sys.argv[1]])",
    "migrate": "from compat.migrate import migrate_source as m; "
    "assert m(open(sys.argv[1]).read()).changed",
}


@pytest.mark.parametrize(
    ("tool", "absent"), [("audit", "compat.migrate"), ("migrate", "compat.audit")]
)
def test_running_one_tool_loads_nothing_of_the_other(
    tmp_path: Path, tool: str, absent: str
) -> None:
    source = tmp_path / "legacy.py"
    source.write_text(
        "import requests\n"
        "requests.post('https://h/v2/customers/message/sendByAccessToken',\n"
        "              json={'accessToken': 't', 'templateCode': 'T', 'templateParams': '{}'})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; {RUN[tool]}; print(*sys.modules)", str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = done.stdout.split()
    assert "compat._source" in loaded
    assert not [m for m in loaded if m == absent or m.startswith(absent + ".")], loaded


@pytest.mark.parametrize("config", ["", '[tool.compat]\napp-id = "2021004125637654"\n'])
def test_the_audit_loads_no_http_client_stack(tmp_path: Path, config: str) -> None:
    """``import compat.audit`` and an audit that finds nothing load neither urllib3 nor
    cattrs (the client's stack, some 0.1 s of start-up the audit has no use for), also
    where ``[tool.compat]`` gives ``compat migrate`` a policy (built only to tell what
    is fixable, for a file with a finding)."""
    (tmp_path / "a.py").write_text("x = 1\n")
    if config:
        (tmp_path / "pyproject.toml").write_text(config)
    script = (
        "import sys\n"
        "import compat.audit\n"
        "loaded = {m for m in ('urllib3', 'cattrs', 'email.parser', 'http.client')"
        " if m in sys.modules}\n"
        "from compat import cli\n"
        f"assert cli.main(['audit', {str(tmp_path)!r}, '-q']) == 0\n"
        "after = {m for m in ('urllib3', 'cattrs', 'compat.client') if m in sys.modules}\n"
        "print(sorted(loaded), sorted(after))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines()[-1] == "[] []"
    # and the names are still there when asked for
    import compat

    assert compat.MessageClient.__name__ == "MessageClient"
    assert "MessageClient" in dir(compat)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        compat.nothing  # noqa: B018


def test_migrate_loads_libcst_only_for_a_file_with_something_to_migrate(
    tmp_path: Path,
) -> None:
    """libcst's import is a quarter of a second: a run over files without any of the
    audit's words never pays it; a file with one does."""
    (tmp_path / "plain.py").write_text("x = 1\n")
    script = (
        "import sys\n"
        "from compat import cli\n"
        "code = cli.main(['migrate', '--check', sys.argv[1]])\n"
        "print(code, 'libcst' in sys.modules)\n"
    )
    run = [sys.executable, "-c", script, str(tmp_path)]
    done = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["0", "False"]
    (tmp_path / "legacy.py").write_text("URL = '/v2/messages/sendInbox'\n")
    done = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split()[1] == "True"


def test_migrate_without_libcst_says_which_extra_to_install(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.modules['libcst'] = None\n"
        "from compat import cli\n"
        "sys.exit(cli.main(['migrate', '--check', sys.argv[1]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "compat migrate needs libcst: pip install 'compat[migrate]'" in done.stderr
