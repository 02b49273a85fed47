"""Requests per second and latency through compat gateway, next to the sandbox served directly.

Three processes: `compat sandbox` (the upstream), `compat gateway` in front of
it, and a load generator (this script with ``--load``) that sends from a few
threads over keep-alive connections. The same run measures the sandbox served
directly (the new endpoint, the translated body) and through the gateway (the
legacy endpoint, the legacy body). Unsigned, so what is measured is the
gateway itself; signing costs about 0.5 ms per RSA-2048 signature on top
(see bench/client.py), two per call through a signing gateway.

    python bench/gateway.py           # about 20 s
    python bench/gateway.py --quick   # a smoke run (CI)

Target: gateway overhead under 2 ms at p50.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time

import compat

from _common import start_sandbox, verdict

LEGACY = {
    "accessToken": "2019112719074101000700000077771xxxx",
    "authClientId": "2021004125637654",
    "requestId": "order-2024-11-27-000123456",
    "templateCode": "TP_ORDER_SHIPPED",
    "templates": [{"templateParameters": {"who": "Somchai", "pushContentUrl": "/pages/orders/1"}}],
}


def load(url: str, body: bytes, requests: int, threads: int) -> None:
    """Send ``requests`` POSTs from ``threads`` threads; print latencies as JSON."""
    import urllib3

    latencies: list[float] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        http = urllib3.PoolManager(maxsize=1, retries=False)
        mine = []
        for _ in range(count):
            start = time.perf_counter()
            answer = http.request(
                "POST", url, body=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status == 200, answer.status
            assert b'"S"' in answer.data, answer.data
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(requests // threads,)) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(
        json.dumps(
            {
                "rps": len(latencies) / elapsed,
                "p50": latencies[len(latencies) // 2],
                "p99": latencies[int(len(latencies) * 0.99) - 1],
            }
        )
    )


def drive(url: str, body: bytes, requests: int, threads: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--load", url, str(requests), str(threads)],
        input=body,
        capture_output=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--threads", type=int, default=1, help="load generator threads (default 1)")
    parser.add_argument(
        "--load", nargs=3, metavar=("URL", "REQUESTS", "THREADS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.load:
        url, requests, threads = args.load
        load(url, sys.stdin.buffer.read(), int(requests), int(threads))
        return 0

    requests, threads = (200 if args.quick else 3000), args.threads
    sandbox, upstream = start_sandbox()
    gateway = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compat",
            "gateway",
            "--upstream",
            upstream,
            "--client-id",
            "client-1",
            "--no-verify-callers",
            "--no-trace",  # as in front of a wallet: the inbox page's trace is for sandboxes
            "--listen",
            "127.0.0.1:0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert gateway.stdout is not None
        gateway_url = gateway.stdout.readline().split()[4]
        new_body = json.dumps(compat.translate_send_inbox(LEGACY).to_wire()).encode()
        legacy_body = json.dumps(LEGACY).encode()
        direct_url = upstream + "/v2/miniprogram/message/send"
        legacy_url = gateway_url + "/v2/messages/sendInbox"
        drive(direct_url, new_body, 100, threads)  # warm up both
        drive(legacy_url, legacy_body, 100, threads)
        results = {"sandbox directly": [], "through the gateway": []}
        for _ in range(1 if args.quick else 3):  # interleaved
            results["sandbox directly"].append(drive(direct_url, new_body, requests, threads))
            results["through the gateway"].append(drive(legacy_url, legacy_body, requests, threads))
    finally:
        gateway.terminate()
        gateway.wait(10)
        sandbox.terminate()
        sandbox.wait(10)

    print(f"\n{requests} requests x {threads} threads per run, best run of each")
    best = {}
    for name, runs in results.items():
        best[name] = min(runs, key=lambda r: r["p50"])
        r = best[name]
        p50, p99 = r["p50"] * 1e3, r["p99"] * 1e3
        print(f"  {name:<20} {r['rps']:8,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    overhead = (best["through the gateway"]["p50"] - best["sandbox directly"]["p50"]) * 1e3
    judged = verdict(overhead < 2, "target < 2 ms", args.quick)
    print(f"  gateway overhead at p50 = {overhead:.2f} ms  ({judged})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
