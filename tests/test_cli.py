"""``compat`` through a real subprocess, as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import compat

from .payloads import TOKEN, inbox
from .servers import without

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "legacy"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"compat {compat.__version__}"


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "compat"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert compat.__version__ in done.stdout


def test_translate_the_shipped_send_inbox_example() -> None:
    done = run("translate", "--from", "send-inbox", str(EXAMPLES / "send_inbox.json"))
    assert done.returncode == 0, done.stderr
    payload = json.loads((EXAMPLES / "send_inbox.json").read_text())
    assert json.loads(done.stdout) == compat.translate_send_inbox(payload).to_wire()
    assert "renamed authClientId: authClientId -> appId" in done.stderr
    assert "moved templates[0].templateParameters.pushContentUrl" in done.stderr


def test_translate_reads_stdin_and_reports_lossy_changes_as_warnings() -> None:
    example = (EXAMPLES / "send_by_access_token.json").read_text()
    for args in (("-",), ()):
        done = run("translate", "--from", "send-by-access-token", *args, stdin=example)
        assert done.returncode == 0, done.stderr
        body = json.loads(done.stdout)
        assert len(body["requestId"]) == 32
        assert body["redirectUrl"] == "http://redirecturl"
        assert "compat: warning: generated requestId" in done.stderr
        assert "Warning" not in done.stderr  # no Python warning on top


def test_translate_one_line_output() -> None:
    done = run("translate", "--from", "send-inbox", "--indent", "-1", stdin=json.dumps(inbox()))
    assert done.returncode == 0
    assert done.stdout.count("\n") == 1


def test_policy_options() -> None:
    payload = inbox(authClientId=None, requestId="r" * 80, templateCode="OLD", extra="x")
    payload["templates"][0]["templateParameters"]["pushContentUrl"] = "/moved"
    done = run(
        "translate",
        "--from",
        "send-inbox",
        "--app-id",
        "APP-1",
        "--overlong-request-id",
        "digest",
        "--template-code",
        "OLD=NEW",
        "--unknown-fields",
        "drop",
        "--keep-moved-parameters",
        stdin=json.dumps(payload),
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["appId"] == "APP-1"
    assert len(body["requestId"]) == 64
    assert body["templateCode"] == "NEW"
    assert body["redirectUrl"] == "/moved"
    assert body["templates"][0]["templateParameters"]["pushContentUrl"] == "/moved"
    assert "extra" not in body
    assert "warning: dropped extra" in done.stderr


def test_default_redirect_url_and_missing_request_id_options() -> None:
    payload = {
        "appId": "APP",
        "accessToken": TOKEN,
        "templateCode": "T",
        "templates": [{"templateParameters": {}}],
    }
    done = run(
        "translate",
        "--from",
        "send-by-access-token",
        "--missing-request-id",
        "error",
        stdin=json.dumps(payload),
    )
    assert done.returncode == 1
    assert "requestId is missing" in done.stderr
    payload["requestId"] = "r"
    done = run(
        "translate",
        "--from",
        "send-by-access-token",
        "--default-redirect-url",
        "/home",
        stdin=json.dumps(payload),
    )
    assert json.loads(done.stdout)["redirectUrl"] == "/home"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (inbox(requestId="r" * 65), "requestId is 65 characters long"),
        (inbox(accessToken="x" * 129), "accessToken is 129 characters long"),
        (inbox(templates=[]), "templates has 0 entries"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_rejected_input_exits_1_with_the_reason_on_stderr(payload: Any, message: str) -> None:
    done = run("translate", "--from", "send-inbox", stdin=json.dumps(payload))
    assert done.returncode == 1
    assert done.stdout == ""
    assert message in done.stderr
    assert TOKEN not in done.stderr


def test_invalid_json_exits_1() -> None:
    done = run("translate", "--from", "send-inbox", stdin="{not json")
    assert done.returncode == 1
    assert "not valid JSON" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["translate"], "--from"),
        (["translate", "--from", "send"], "invalid choice"),
        (["translate", "--from", "send-inbox", "/nonexistent/body.json"], "cannot read"),
        (["translate", "--from", "send-inbox", "--template-code", "OLD"], "OLD=NEW"),
        (["translate", "--from", "send-inbox", "--app-id", "a" * 33], "--app-id"),
        ([], "COMMAND"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    done = run(*args, stdin="{}")
    assert done.returncode == 2
    assert message in done.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_flags_and_choices(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "--print-completion", "bash"],
        capture_output=True,
        text=True,
        check=True,
    )
    script = tmp_path / "compat.bash"
    script.write_text(done.stdout)

    def complete(*words: str) -> list[str]:
        line = " ".join(f'"{w}"' for w in words)
        shell = (
            f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
            'COMP_LINE="x"; COMP_POINT=1; _shtab_compat; printf "%s\\n" "${COMPREPLY[@]}"'
        )
        out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True)
        return out.stdout.split()

    assert complete("compat", "au") == ["audit"]
    assert complete("compat", "audit", "--fail") == ["--fail-on"]
    assert complete("compat", "audit", "--fail-on", "") == ["error", "warning", "note"]
    assert complete("compat", "gateway", "--log-format", "") == ["text", "json"]


def test_completion_without_shtab_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "--print-completion", "zsh"],
        capture_output=True,
        text=True,
        env=without(tmp_path, "shtab"),
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "compat: error: --print-completion needs shtab: pip install 'compat[completion]'\n"
    )
