"""compat audit over a large real tree against grep over the same tree, in one run.

The tree: the running interpreter's standard library and its site-packages
(the virtual environment's too, when run from one). grep gets the same folders
to skip (``--exclude-dir``) and the two deprecated paths as its pattern
(``grep -rlE``); compat audit runs every rule, Python ones included, over
what its substring gate lets through. Runs are interleaved, best of each kept.

    python bench/audit.py            # about 30 s
    python bench/audit.py --quick    # one run each (CI)

Targets: no findings in that tree (it holds none), and within 3x of grep's time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import time

from compat import _spec
from compat._source import SKIPPED_DIRS
from compat.audit import scan_report
from compat.migrate import fixable_lines

from _common import verdict


def trees() -> list[str]:
    paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]}
    if sys.prefix != sys.base_prefix:  # a virtual environment: the base site-packages too
        base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
        paths.add(base["purelib"])
    # a folder inside another one is read with it
    return sorted(p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run each")
    args = parser.parse_args()
    if shutil.which("grep") is None:
        print("grep is not on PATH: nothing to compare with", file=sys.stderr)
        return 2
    roots = trees()
    # compat itself lives in site-packages when installed from a wheel; its own sources
    # name the paths on purpose, so it is left out (an editable install is not there anyway)
    exclude = ["compat", "compat-*.dist-info", "__editable__*compat*"]
    pattern = "|".join(e.path for e in _spec.LEGACY_ENDPOINTS.values())
    grep = [
        "grep",
        "-rlE",
        pattern,
        *(f"--exclude-dir={d}" for d in sorted(SKIPPED_DIRS)),
        *(f"--exclude-dir={p}" for p in exclude),
        *roots,
    ]
    repeats = 1 if args.quick else 3
    best = {"grep": float("inf"), "compat audit": float("inf")}
    report = None
    grep_found: list[str] = []
    for _ in range(repeats + 1):  # the first round warms the page cache
        start = time.perf_counter()
        done = subprocess.run(grep, capture_output=True, text=True, check=False)
        best["grep"] = min(best["grep"], time.perf_counter() - start)
        grep_found = done.stdout.split()
        start = time.perf_counter()
        report = scan_report(roots, exclude=exclude, fixable=fixable_lines)
        best["compat audit"] = min(best["compat audit"], time.perf_counter() - start)
    assert report is not None

    print(f"\ntree: {', '.join(roots)}")
    print(
        f"  {report.files:,} files, {report.bytes / 1e6:,.0f} MB read by compat audit; "
        f"{len(report.skipped):,} skipped (folders, binary, over the size cap)"
    )
    for name, seconds in best.items():
        rate = f"{report.files / seconds:>9,.0f} files/s  {report.bytes / 1e6 / seconds:6,.0f} MB/s"
        print(f"  {name:<13} {seconds:6.2f} s  {rate}")
    ratio = best["compat audit"] / best["grep"]
    print(
        f"  compat audit / grep = {ratio:.2f}x  ({verdict(ratio <= 3, 'target <= 3x', args.quick)})"
    )
    print(
        f"  findings: compat audit {len(report.findings)}, grep {len(grep_found)} file(s)"
        f"  (target: none)"
    )
    for finding in report.findings[:10]:
        print(f"    {finding.path}:{finding.line}: {finding.rule} {finding.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
