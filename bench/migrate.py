"""compat migrate and compat audit on two trees, against a bare libcst round trip.

- the large real tree of bench/audit.py (the interpreter's standard library and
  site-packages): nothing in it to migrate;
- a generated tree of 1,000 legacy modules (the raw-HTTP and LegacyClient
  examples, renamed, each with template codes of its own: the codemod proves a
  payload once per process, and a tree of copies would measure that memory),
  every one of them migrated.

For each: compat migrate (as ``--check``: everything planned, nothing
written) and compat audit over the same tree, each timed as the whole process
a user runs, with its peak memory (and its largest worker's); the audit as a
first run (``--no-cache``) and as a rerun over the unchanged tree (the results
of the run before taken from its cache, kept in a temporary folder); and parsing
and printing the same Python files with libcst, the parser the codemod uses, in
the same run.

    python bench/migrate.py           # a few minutes (the round trip of the large tree)
    python bench/migrate.py --sample 2000   # the round trip estimated from 2,000 files
    python bench/migrate.py --quick   # small trees (CI)

Targets: compat migrate within 2x of the audit on the tree with no matches; the
audit of the 1,000 legacy modules faster than the audit of the large tree (a
first run, and a rerun).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sysconfig
import tempfile
import time
from pathlib import Path

import libcst
from audit import trees

from compat.audit import scan_report
from compat.migrate._files import python_files

from _common import run_compat, verdict

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "legacy_app"


def generated_tree(root: Path, count: int) -> list[str]:
    sources = [p.read_text() for p in sorted(EXAMPLES.glob("*.py"))]
    for n in range(count):
        package = root / f"service{n // 100:02d}"
        package.mkdir(exist_ok=True)
        text = sources[n % len(sources)].replace("order_shipped", f"order_shipped_{n}")
        text = text.replace('"TP_', f'"TP{n}_')  # no two payloads alike
        (package / f"notifications_{n:04d}.py").write_text(text)
    return [str(root)]


def parse_and_print(name: str) -> None:
    try:  # as compat migrate reads them: UTF-8, else skipped
        with open(name, encoding="utf-8") as file:
            source = file.read()
        libcst.parse_module(source).code  # noqa: B018 - printing is what is timed
    except (UnicodeError, libcst.ParserSyntaxError, RecursionError):
        pass


def round_trip(files: list[str]) -> int:
    for name in files:
        parse_and_print(name)
    return len(files)


def _median(runs: list[tuple[float, float, float, int]]) -> tuple[float, str]:
    seconds = [run[0] for run in runs]
    return statistics.median(seconds), f"{min(seconds):.2f}-{max(seconds):.2f}"


def measure(
    label: str, roots: list[str], exclude: list[str], round_trip_limit: int, rounds: int
) -> dict[str, float]:
    """compat migrate --check and compat audit over ``roots``, each as the whole process a
    user runs (time, and peak memory of the process and of its largest worker), and the
    libcst round trip of the same Python files in this process."""
    files, _ = python_files(roots)
    sample = files[:round_trip_limit]
    excluded = [f"--exclude={pattern}" for pattern in exclude]
    runs: dict[str, list[tuple[float, float, float, int]]] = {
        "migrate": [],
        "audit": [],
        "rerun": [],
    }
    run_compat("audit", "-q", *excluded, *roots)  # the cache of the reruns
    for _ in range(rounds):  # taking turns
        runs["migrate"].append(run_compat("migrate", "--check", *excluded, *roots))
        runs["audit"].append(run_compat("audit", "-q", "--no-cache", *excluded, *roots))
        runs["rerun"].append(run_compat("audit", "-q", *excluded, *roots))
    migrate, migrate_range = _median(runs["migrate"])
    audit, audit_range = _median(runs["audit"])
    rerun, rerun_range = _median(runs["rerun"])
    migrate_own, migrate_worker = (max(run[i] for run in runs["migrate"]) for i in (1, 2))
    audit_own, audit_worker = (max(run[i] for run in runs["audit"]) for i in (1, 2))
    report = scan_report(roots, exclude=exclude)
    start = time.perf_counter()
    round_trip(sample)
    parse = (time.perf_counter() - start) * len(files) / max(1, len(sample))
    print(f"\n{label}: {len(files):,} Python files ({report.files:,} files for the audit)")
    print(
        f"  compat migrate --check {migrate:7.2f} s ({migrate_range})  "
        f"{len(files) / migrate:7,.0f} files/s"
        f"  peak {migrate_own:4.0f} MB (largest worker {migrate_worker:4.0f} MB)"
    )
    print(
        f"  compat audit           {audit:7.2f} s ({audit_range})  "
        f"{report.files / audit:7,.0f} files/s"
        f"  peak {audit_own:4.0f} MB (largest worker {audit_worker:4.0f} MB)"
        f"  ({len(report.findings)} findings)"
    )
    print(
        f"  compat audit, rerun    {rerun:7.2f} s ({rerun_range})  "
        f"{report.files / rerun:7,.0f} files/s  (the results of the run before kept)"
    )
    estimate = "" if len(sample) == len(files) else f" (from {len(sample):,} files)"
    print(f"  libcst round trip      {parse:7.2f} s  {len(files) / parse:9,.0f} files/s{estimate}")
    return {
        "migrate": migrate,
        "audit": audit,
        "rerun": rerun,
        "parse": parse,
        "memory": migrate_own,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small trees")
    parser.add_argument(
        "--sample",
        type=int,
        default=10**9,
        metavar="N",
        help="estimate the libcst round trip of the large tree from N of its files "
        "(default: all of them, about ten minutes)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, metavar="N", help="runs of each command (median, range)"
    )
    args = parser.parse_args()
    exclude = ["compat", "compat-*.dist-info", "__editable__*compat*"]
    roots = trees()
    if args.quick:
        stdlib = sysconfig.get_paths()["stdlib"]
        roots = [os.path.join(stdlib, "json"), os.path.join(stdlib, "email")]
    rounds = 1 if args.quick else args.rounds
    # the audit's cache: this run's own, not the user's
    cache = tempfile.TemporaryDirectory()
    os.environ["COMPAT_CACHE_DIR"] = cache.name
    big = measure(
        "large real tree, nothing to migrate",
        roots,
        exclude,
        300 if args.quick else args.sample,
        rounds,
    )
    ratio = big["migrate"] / big["audit"]
    print(f"  migrate / audit = {ratio:.2f}x  ({verdict(ratio <= 2, 'target <= 2x', args.quick)})")
    print(f"  migrate / round trip = {big['migrate'] / big['parse']:.3f}x")
    with tempfile.TemporaryDirectory() as folder:
        generated = generated_tree(Path(folder), 100 if args.quick else 1000)
        legacy = measure("generated tree of legacy modules", generated, [], 10**9, rounds)
    print(f"  migrate / audit = {legacy['migrate'] / legacy['audit']:.2f}x")
    print(f"  migrate / round trip = {legacy['migrate'] / legacy['parse']:.2f}x")
    for run, label in (("audit", "first run"), ("rerun", "rerun")):
        faster = legacy[run] < big[run]
        print(
            f"  audit of the legacy tree / audit of the large tree, {label} = "
            f"{legacy[run] / big[run]:.2f}x  "
            f"({verdict(faster, 'target: faster than the large tree', args.quick)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
