"""What the benchmarks share: a sandbox in its own process, and interleaved timing."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Callable


def start_sandbox(*options: str) -> tuple[subprocess.Popen[str], str]:
    """`compat sandbox` on a free port of 127.0.0.1, in its own process; (process, URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "compat", "sandbox", "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("compat sandbox serving on "):
        process.kill()
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return process, line.split()[-1]


def best_of(
    contenders: dict[str, Callable[[], object]], number: int, repeats: int, warmup: int = 20
) -> dict[str, float]:
    """Best seconds per call of each contender, runs interleaved so drift hits all alike."""
    for call in contenders.values():
        for _ in range(warmup):
            call()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeats):
        for name, call in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                call()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


def median_of(
    contenders: dict[str, Callable[[], object]], rounds: int, warmup: int = 20
) -> dict[str, float]:
    """Median seconds per call of each contender, taking turns call by call.

    For calls that wait on a server: a run of one contender's calls and then
    another's lets the machine's state drift between them (on a virtual
    machine, by 20% and more from run to run); turn by turn, every contender
    meets the same conditions, and the median ignores the odd stall.
    """
    for call in contenders.values():
        for _ in range(warmup):
            call()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, call in contenders.items():
            start = clock()
            call()
            samples[name].append(clock() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


#: Runs compat's command line, then writes its peak memory, and its largest worker's, in
#: kB (Linux's unit), to the file named by $BENCH_RUSAGE. The peak is reset first where
#: Linux allows it: a child made by fork starts with its parent's (the benchmark's) pages.
_MEASURED = """
import os, resource, sys
try:
    with open("/proc/self/clear_refs", "w") as reset:
        reset.write("5")
except OSError:
    pass
from compat.cli import main
try:
    code = main(sys.argv[1:])
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with open("/proc/self/status") as status:
            own = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    with open(os.environ["BENCH_RUSAGE"], "w") as out:
        out.write("%d %d" % (own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_compat(*argv: str) -> tuple[float, float, float, int]:
    """``compat *argv`` as a whole process: seconds, peak memory in MB of the process and
    of its largest worker, and the exit code."""
    import os
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as record:
        environment = {**os.environ, "BENCH_RUSAGE": record.name}
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _MEASURED, *argv],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        seconds = time.perf_counter() - start
        own, workers = (int(n) / 1024 for n in record.read().split())
    return seconds, own, workers, done.returncode


def verdict(met: bool, target: str, quick: bool) -> str:
    if quick:
        return f"{target}: smoke run, too short to judge"
    return f"{target}: {'met' if met else 'MISSED'}"
