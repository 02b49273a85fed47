"""``compat demo``, run as a new user runs it."""

from __future__ import annotations

import subprocess
import sys

from .payloads import TOKEN


def test_demo_runs_the_tour_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compat", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "signing: on" in out
    assert out.count("! LegacyEndpointWarning at ") == 2
    assert "! TranslationWarning at " in out  # the sample without requestId
    assert out.count("at /api/open/v2/miniprogram/message/send (token masked)") == 2
    assert '"redirectUrl": "/pages/orders/detail?id=000042"' in out
    assert '"redirectUrl": "/pages/sale/flash"' in out
    assert "renamed authClientId: authClientId -> appId" in out
    assert "SendInboxResponse(result=Result(result_status='S'" in out
    assert "SendByAccessTokenResponse(result=Result(result_status='S'" in out
    assert "audit: <AuditLog: 2 deprecated call(s) from 2 site(s)>" in out
    assert "S SUCCESS x1" in out
    # the token shows in the legacy payloads the demo prints, never in what compat reports
    assert out.count(TOKEN) == 2
    assert done.stderr == ""
