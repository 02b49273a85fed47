"""The pytest plugin, as a user's test suite gets it: installed with compat, no conftest."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

USER_TESTS = """
import compat


def test_send_to_the_sandbox(compat_sandbox):
    body = compat.translate_send_by_access_token({
        "appId": "APP", "accessToken": "2019112719074101000700000077771xxxx",
        "requestId": "r-1", "templateCode": "T",
        "templates": [{"templateParameters": {"pushContentUrl": "/p"}}],
    }).to_wire()
    with compat.MessageClient(compat_sandbox.url, "client-1") as client:
        assert client.send(body).result.result_status == "S"
    assert [m["requestId"] for m in compat_sandbox.messages()] == ["r-1"]


def test_factory_takes_options(compat_sandbox_factory):
    first = compat_sandbox_factory(prefix="/api/open")
    second = compat_sandbox_factory()
    assert first.url.endswith("/api/open")
    assert first.port != second.port
"""


def test_fixtures_work_in_a_users_test_suite(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
