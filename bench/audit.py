"""compat audit over a large real tree, as a whole process, against grep (and ripgrep
when installed) over the same tree, in one run.

The tree: the running interpreter's standard library and its site-packages
(the virtual environment's too, when run from one). grep and ripgrep get the same
folders to skip and the two deprecated paths as their pattern (``-l``); compat
audit runs every rule, Python ones included, over what its gate lets through. Each
is timed as the command a user runs (``python -m compat audit``, start-up
included, with ``--no-cache``: every file scanned, as in a first run), taking
turns round by round so that drift hits all alike; the report gives the median
of each and the range of the rounds. "python read" is the floor
of any Python tool: reading the same files' bytes, nothing else. With the
``speedups`` extra installed, compat audit is also timed without it ("no
speedups": the gate's six passes of ``bytes.__contains__`` instead of one
Aho-Corasick pass), as a user without the extra runs it.

    python bench/audit.py            # about 40 s
    python bench/audit.py --quick    # one round (CI)

Targets: no findings in that tree (it holds none), and within 1.5x of grep's time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time

from compat import _spec
from compat._source import SKIPPED_DIRS

from _common import verdict


def trees() -> list[str]:
    paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]}
    if sys.prefix != sys.base_prefix:  # a virtual environment: the base site-packages too
        base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
        paths.add(base["purelib"])
    # a folder inside another one is read with it
    return sorted(p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths))


def read_all(roots: list[str], exclude: list[str]) -> None:
    """The floor: every file compat audit reads, read, and nothing more."""
    from compat._source import Skipped, iter_files, read_capped  # as compat audit reads

    for item in iter_files(roots, exclude, gitignore=False):
        if not isinstance(item, Skipped):
            read_capped(item, 5 * 1024 * 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--read", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    roots = trees()
    # compat itself lives in site-packages when installed from a wheel; its own sources
    # name the paths on purpose, so it is left out (an editable install is not there anyway)
    exclude = ["compat", "compat-*.dist-info", "__editable__*compat*"]
    if args.read:
        read_all(args.read, exclude)
        return 0
    if shutil.which("grep") is None:
        print("grep is not on PATH: nothing to compare with", file=sys.stderr)
        return 2
    pattern = "|".join(e.path for e in _spec.LEGACY_ENDPOINTS.values())
    skipped = [*sorted(SKIPPED_DIRS), *exclude]
    commands = {
        "grep": [
            "grep",
            "-rlE",
            pattern,
            *(f"--exclude-dir={d}" for d in skipped),
            *roots,
        ],
        "compat audit": [
            sys.executable,
            "-m",
            "compat",
            "audit",
            *roots,
            "--format",
            "json",
            "--exit-zero",
            "--no-cache",  # grep keeps nothing between runs either
            *(f"--exclude={p}" for p in exclude),
        ],
        "python read": [sys.executable, __file__, "--read", *roots],
    }
    speedups = importlib.util.find_spec("ahocorasick_rs") is not None
    if speedups:  # the same command, as if the extra were not installed
        blocked = "import sys; sys.modules['ahocorasick_rs'] = None; from compat.cli import main; "
        commands["no speedups"] = [
            sys.executable,
            "-c",
            blocked + f"sys.exit(main({commands['compat audit'][3:]!r}))",
        ]
    if shutil.which("rg"):
        commands["ripgrep"] = [
            "rg",
            "-l",
            "--no-ignore",
            "--hidden",
            *(f"--glob=!{d}" for d in skipped),
            pattern,
            *roots,
        ]
    rounds = 1 if args.quick else 5
    times: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    for round_ in range(rounds + 1):  # the first round warms the page cache
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - start
            outputs[name] = done.stdout
            if round_:
                times[name].append(elapsed)
    report = json.loads(outputs["compat audit"])
    grep_found = outputs["grep"].split()

    print(f"\ntree: {', '.join(roots)}")
    print(
        f"  {report['scanned']['files']:,} files, {report['scanned']['bytes'] / 1e6:,.0f} MB "
        f"read by compat audit; {len(report['skipped']):,} skipped (folders, binary, over "
        f"the size cap); {rounds} round(s), whole processes, taking turns"
    )
    medians = {name: statistics.median(runs) for name, runs in times.items()}
    for name, runs in times.items():
        print(f"  {name:<13} {medians[name]:6.2f} s  (range {min(runs):.2f}-{max(runs):.2f})")
    ratios = [c / g for c, g in zip(times["compat audit"], times["grep"])]
    ratio = medians["compat audit"] / medians["grep"]
    gate = "one ahocorasick-rs pass (speedups)" if speedups else "bytes passes (no speedups)"
    print(
        f"  compat audit / grep = {ratio:.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x  "
        f"({verdict(ratio <= 1.5, 'target <= 1.5x', args.quick)}; the gate: {gate})"
    )
    if speedups:
        slow = medians["no speedups"] / medians["grep"]
        print(f"  compat audit without the speedups extra / grep = {slow:.2f}x")
    if "ripgrep" in medians:
        print(f"  compat audit / ripgrep = {medians['compat audit'] / medians['ripgrep']:.2f}x")
    print(f"  python read / grep = {medians['python read'] / medians['grep']:.2f}x (the floor)")
    findings = report["findings"]
    print(
        f"  findings: compat audit {len(findings)}, grep {len(grep_found)} file(s)  (target: none)"
    )
    for finding in findings[:10]:
        print(f"    {finding['path']}:{finding['line']}: {finding['rule']} {finding['message']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
