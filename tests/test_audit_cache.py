"""compat audit's results kept between runs: taken again only while the file, and the
project modules its result rests on, are unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from compat.audit import Cache, scan_report
from compat.audit import _cache as cache_module
from compat.audit import _scan as scan_module
from compat.audit._cache import default_directory
from compat.migrate import _project, fixable_lines

TOKEN = "20191127190741010007000000777712"

SETTINGS = """\
BASE_URL = "https://open.example.com"
INBOX_PATH = "/v2/messages/sendInbox"
"""

NOTIFY = f"""\
import requests

from settings import BASE_URL, INBOX_PATH

SERVICE_TOKEN = "{TOKEN}"


def order_shipped(order_id: str) -> dict:
    answer = requests.post(
        BASE_URL + INBOX_PATH,
        json={{
            "accessToken": SERVICE_TOKEN,
            "authClientId": "2021004125637654",
            "requestId": f"shipped-{{order_id}}",
            "templateCode": "TP_ORDER_SHIPPED",
            "templates": [
                {{
                    "templateParameters": {{"order": order_id, "pushContentUrl": "/pages/orders"}},
                    "language": "en-US",
                }}
            ],
        }},
        timeout=10,
    )
    return answer.json()
"""

#: what settings.py becomes for one wallet: INBOX_PATH is no longer one value
REBOUND = """\
import os

if os.environ.get("WALLET") == "dana":
    INBOX_PATH = "/dana/v2/messages/sendInbox"
"""


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compat", "audit", ".", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def audit(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run(root, "--format", "json", *args)
    assert done.stderr == ""
    document = json.loads(done.stdout)
    document["scanned"].pop("seconds")
    return done.returncode, document


def fixable(document: dict[str, Any]) -> list[tuple[str, int, str, bool]]:
    return [
        (f["path"].removeprefix("./"), f["line"], f["rule"], f["fixable"])
        for f in document["findings"]
    ]


def cache_files() -> list[Path]:
    folder = Path(os.environ["COMPAT_CACHE_DIR"])
    return sorted(folder.glob("audit-*.json")) if folder.exists() else []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "settings.py").write_text(SETTINGS)
    (tmp_path / "notify.py").write_text(NOTIFY)
    return tmp_path


def payload_sites(*, fixable: bool) -> list[tuple[str, int, str, bool]]:
    """The findings of notify.py's two legacy payloads, as :func:`fixable` lists them."""
    return [("notify.py", 13, "CPT004", fixable), ("notify.py", 18, "CPT004", fixable)]


def test_a_rerun_takes_the_kept_results_and_writes_nothing(project: Path) -> None:
    first = audit(project)
    assert first[0] == 1
    assert fixable(first[1]) == [
        *payload_sites(fixable=True),
        ("settings.py", 2, "CPT001", False),
    ]
    [kept] = cache_files()
    written = kept.stat().st_mtime_ns
    assert TOKEN not in kept.read_text()  # what the report says, never the source
    assert audit(project) == first
    assert kept.stat().st_mtime_ns == written  # nothing new to keep

    # the second run took notify.py's findings from the cache: one made up there shows
    document = json.loads(kept.read_text())
    [key] = [k for k in document["entries"] if k.endswith("notify.py")]
    document["entries"][key][2][0][6] = "kept"
    kept.write_text(json.dumps(document))
    assert next(f["message"] for f in audit(project)[1]["findings"]) == "kept"

    # ... until the file changes
    (project / "notify.py").write_text(NOTIFY.replace("order_id: str", "order_id:  str"))
    assert audit(project)[1]["findings"] == first[1]["findings"]


def test_a_change_to_a_module_a_result_rests_on_is_seen(project: Path) -> None:
    before = audit(project)
    assert fixable(before[1])[0] == ("notify.py", 13, "CPT004", True)
    with (project / "settings.py").open("a") as file:
        file.write(REBOUND)
    after = audit(project)
    # notify.py did not change, but the constant it posts to may now be another path
    assert fixable(after[1])[:2] == payload_sites(fixable=False)
    assert after == audit(project, "--no-cache")


def test_a_module_made_since_is_seen(project: Path) -> None:
    (project / "settings.py").unlink()
    before = audit(project)
    assert fixable(before[1]) == payload_sites(fixable=False)
    (project / "settings.py").write_text(SETTINGS)
    after = audit(project)
    assert fixable(after[1])[:2] == payload_sites(fixable=True)
    assert after == audit(project, "--no-cache")


def test_no_cache_from_the_flag_or_the_config(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.compat]\n")
    expected = audit(project)
    for kept in cache_files():
        kept.unlink()
    assert audit(project, "--no-cache") == expected
    assert cache_files() == []
    (project / "pyproject.toml").write_text("[tool.compat]\ncache = false\n")
    done, document = audit(project)
    assert (done, document["findings"]) == (expected[0], expected[1]["findings"])
    assert cache_files() == []
    (project / "pyproject.toml").write_text('[tool.compat]\ncache = "no"\n')
    done = run(project)
    assert done.returncode == 2
    assert "cache" in done.stderr
    assert "true or false" in done.stderr


def test_a_cache_that_cannot_be_read_or_written_changes_nothing(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = audit(project)
    [kept] = cache_files()
    kept.write_bytes(b"\x00not json")
    assert audit(project) == expected
    assert json.loads(kept.read_text())["entries"]  # written again, whole
    kept.write_text('{"format": 1, "entries": {"x": 1, "y": [1, 2, 3, 4]}}')
    assert audit(project) == expected
    kept.write_text('{"format": 1, "entries": []}')
    assert audit(project) == expected

    blocked = tmp_path_factory.mktemp("blocked") / "file"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("COMPAT_CACHE_DIR", str(blocked))
    assert audit(project) == expected  # and nothing said on stderr (see audit)


def test_entries_that_are_not_what_this_version_writes_are_scanned_again(
    tmp_path: Path,
) -> None:
    source = tmp_path / "notify.py"
    source.write_text(NOTIFY)
    (tmp_path / "settings.py").write_text(SETTINGS)
    folder = tmp_path / "cache"
    expected = scan_report([tmp_path], fixable=fixable_lines, jobs=1).findings
    cache = Cache.open(str(folder), "setting")
    assert scan_report([tmp_path], fixable=fixable_lines, jobs=1, cache=cache).findings == expected
    [written] = folder.iterdir()
    document = json.loads(written.read_text())
    [key] = [k for k in document["entries"] if k.endswith("notify.py")]
    entry = document["entries"][key]
    broken = [
        [entry[0], entry[1], [["x", *row[1:]] for row in entry[2]], entry[3]],
        [entry[0], entry[1], [[*row[:4], "CPT999", *row[5:]] for row in entry[2]], entry[3]],
        [entry[0], entry[1], [[*row[:7], "yes"] for row in entry[2]], entry[3]],
        [entry[0], entry[1], [row[:3] for row in entry[2]], entry[3]],
        [entry[0], entry[1], entry[2], "1"],
        [entry[0], [["module", [1], 0, "x", None]], entry[2], entry[3]],
        [entry[0], [["read", 7, None], ["module"]], entry[2], entry[3]],
        [entry[0], [["module"]], entry[2], entry[3]],
        [entry[0], [["module", 5, 0, "x", None]], entry[2], entry[3]],
        [entry[0], entry[1], [[*row[:6], 5, row[7]] for row in entry[2]], entry[3]],
        [entry[0], ["module"], entry[2], entry[3]],
        [entry[0], "facts", entry[2], entry[3]],
    ]
    for bad in broken:
        document["entries"][key] = bad
        written.write_text(json.dumps(document))
        cache = Cache.open(str(folder), "setting")
        found = scan_report([tmp_path], fixable=fixable_lines, jobs=1, cache=cache).findings
        assert found == expected, bad
        assert cache.changed


def test_workers_keep_their_results_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "settings.py").write_text(SETTINGS)
    for n in range(12):
        (tmp_path / f"notify_{n}.py").write_text(NOTIFY.replace("TP_ORDER", f"TP{n}_ORDER"))
    monkeypatch.setattr(scan_module, "_SERIAL_SECONDS", 0.0)  # workers from the first file
    folder = str(tmp_path / "cache")
    cache = Cache.open(folder, "setting")
    cold = scan_report([tmp_path], fixable=fixable_lines, jobs=2, cache=cache)
    assert len(cold.findings) == 25
    assert all(f.fixable for f in cold.findings if f.path.endswith(".py") and "notify" in f.path)
    assert len(cache.fresh) == 13  # every file with a finding, from either process
    warm_cache = Cache.open(folder, "setting")
    warm = scan_report([tmp_path], fixable=fixable_lines, jobs=2, cache=warm_cache)
    assert warm.findings == cold.findings
    assert not warm_cache.changed
    assert Cache.open(folder, "another setting").known == {}


def test_the_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMPAT_CACHE_DIR", str(tmp_path / "here"))
    assert default_directory() == str(tmp_path / "here")
    monkeypatch.delenv("COMPAT_CACHE_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert default_directory() == str(tmp_path / "xdg" / "compat")
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path))
        assert default_directory() == str(tmp_path / ".cache" / "compat")


def test_a_setting_not_used_for_a_month_is_removed(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "settings.py").write_text(SETTINGS)
    folder = tmp_path / "cache"
    folder.mkdir()
    old, recent = folder / "audit-old.json", folder / "audit-recent.json"
    for kept in (old, recent):
        kept.write_text("{}")
    month = 31 * 24 * 3600
    os.utime(old, (old.stat().st_atime - month, old.stat().st_mtime - month))
    scan_report([tmp_path / "src"], jobs=1, cache=Cache.open(str(folder), "setting"))
    names = sorted(p.name for p in folder.iterdir())
    assert "audit-old.json" not in names
    assert "audit-recent.json" in names
    assert len(names) == 2


def test_the_cache_folder_of_other_systems(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COMPAT_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_directory() == str(tmp_path / "Library" / "Caches" / "compat")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert default_directory() == str(tmp_path / "Local" / "compat" / "Cache")


PACKAGE = {
    "app/__init__.py": "",
    "app/settings.py": SETTINGS,
    "app/notify.py": NOTIFY.replace("from settings import", "from .settings import"),
    "app/jobs/__init__.py": "",
    "app/jobs/nightly.py": NOTIFY.replace("from settings import", "from app.settings import"),
    "app/jobs/weekly.py": NOTIFY.replace("from settings import", "from ..settings import"),
}


def test_imports_in_packages_relative_and_absolute(tmp_path: Path) -> None:
    for name, text in PACKAGE.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    folder = str(tmp_path / "cache")

    def scan(cache: bool) -> list[Any]:
        kept = Cache.open(folder, "setting") if cache else None
        return scan_report([tmp_path / "app"], fixable=fixable_lines, jobs=1, cache=kept).findings

    def rewritten(findings: list[Any]) -> list[str]:
        return sorted({Path(f.path).name for f in findings if f.fixable})

    assert rewritten(scan(cache=True)) == ["nightly.py", "notify.py", "weekly.py"]
    assert scan(cache=True) == scan(cache=False)
    with (tmp_path / "app" / "settings.py").open("a") as file:
        file.write(REBOUND)
    assert rewritten(scan(cache=True)) == []
    assert scan(cache=True) == scan(cache=False)
    (tmp_path / "app" / "settings.py").unlink()  # read before: now it cannot be
    assert scan(cache=True) == scan(cache=False)
    (tmp_path / "app" / "__init__.py").unlink()  # app.settings: no longer a package's
    assert scan(cache=True) == scan(cache=False)


def test_a_cache_that_cannot_be_written_whole_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "settings.py").write_text(SETTINGS)
    folder = tmp_path / "cache"

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.json, "dump", full)
    found = scan_report([tmp_path / "src"], jobs=1, cache=Cache.open(str(folder), "setting"))
    assert [f.line for f in found.findings] == [2]
    assert list(folder.iterdir()) == []


def test_past_the_files_kept_only_the_last_run_s_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "settings.py").write_text(SETTINGS)
    folder = str(tmp_path / "cache")
    monkeypatch.setattr(cache_module, "_KEPT", 1)
    for name in ("a", "b"):
        scan_report([tmp_path / name], jobs=1, cache=Cache.open(folder, "setting"))
        assert [Path(k).parent.name for k in Cache.open(folder, "setting").known] == [name]
    (Path(folder) / "audit-folder").mkdir()  # not a cache file: left as it is
    os.utime(Path(folder) / "audit-folder", (0, 0))
    (tmp_path / "a" / "settings.py").write_text(SETTINGS + "\n")
    scan_report([tmp_path / "a"], jobs=1, cache=Cache.open(folder, "setting"))
    assert (Path(folder) / "audit-folder").is_dir()


def test_a_module_that_can_no_longer_be_read(
    project: Path, unreadable: Callable[[str], None]
) -> None:
    folder = str(project.parent / "cache")

    def scan(cache: bool) -> list[Any]:
        kept = Cache.open(folder, "setting") if cache else None
        return scan_report([project / "notify.py"], fixable=fixable_lines, cache=kept).findings

    assert [f.fixable for f in scan(cache=True)] == [True, True]
    unreadable("settings.py")  # found where it was, but not read
    _project._READ.clear()  # as in a new run (one run reads a module once)
    assert [f.fixable for f in scan(cache=True)] == [False, False]
    assert scan(cache=True) == scan(cache=False)


def test_a_module_that_sets_the_constant_since_is_seen(project: Path) -> None:
    (project / "notify2.py").write_text(NOTIFY)  # the project is looked at once for both
    before = audit(project)
    assert fixable(before[1])[:4] == [
        *payload_sites(fixable=True),
        *[("notify2.py", line, rule, True) for _, line, rule, _ in payload_sites(fixable=True)],
    ]
    # a module notify.py does not import, that the results rested on all the same
    (project / "config.py").write_text(
        "import os\n\nimport settings\n\n"
        "settings.INBOX_PATH = os.environ.get('INBOX_PATH', settings.INBOX_PATH)\n"
    )
    after = audit(project)
    assert [site[3] for site in fixable(after[1])[:4]] == [False] * 4
    assert after == audit(project, "--no-cache")
    (project / "config.py").unlink()
    assert audit(project) == before
