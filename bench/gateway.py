"""Throughput and latency through compat gateway, next to the sandbox served directly.

Three processes: `compat sandbox` (the upstream), `compat gateway` in front of it,
and a load generator (this script with ``--load``): N callers on one event loop, each
on its own keep-alive connection, each sending its next call when the last is
answered. The same run measures, at 1, 8 and 64 callers, the sandbox served directly
(the new endpoint, the translated body) and through the gateway (the legacy endpoint,
the legacy body), taking turns. Unsigned, so what is measured is the gateway itself;
signing costs about 0.5 ms per RSA-2048 signature on top (see bench/client.py), two per
call through a signing gateway.

    python bench/gateway.py           # about 40 s
    python bench/gateway.py --quick   # a smoke run (CI)

Targets: the gateway's overhead under 2 ms at p50 with one caller; at 64 callers, the
gateway's throughput at least 70% of the sandbox's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
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
CALLERS = (1, 8, 64)


async def _caller(
    host: str, port: int, request: bytes, until: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    clock = time.perf_counter
    while clock() < until:
        start = clock()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await reader.readexactly(length)
        latencies.append(clock() - start)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b'"resultStatus":"S"' in body, body
    writer.close()


async def _load(url: str, body: bytes, callers: int, seconds: float) -> dict[str, float]:
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_caller(host, int(port), request, until, latencies) for _ in range(callers))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
    }


def load(url: str, body: bytes, callers: int, seconds: float) -> None:
    """Drive ``url`` for ``seconds`` with ``callers`` callers; print the figures as JSON."""
    try:
        import uvloop

        run = uvloop.run
    except ImportError:  # pragma: no cover
        run = asyncio.run
    print(json.dumps(run(_load(url, body, callers, seconds))))


def drive(url: str, body: bytes, callers: int, seconds: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--load", url, str(callers), str(seconds)],
        input=body,
        capture_output=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--processes", type=int, default=1, help="gateway worker processes (default 1)"
    )
    parser.add_argument("--load", nargs=3, metavar=("URL", "CALLERS", "SECONDS"), help="")
    args = parser.parse_args()
    if args.load:
        url, callers, seconds = args.load
        load(url, sys.stdin.buffer.read(), int(callers), float(seconds))
        return 0

    seconds, rounds = (0.3, 1) if args.quick else (2.0, 3)
    sandbox, upstream = start_sandbox("--log-level", "warning")
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
            "--workers",
            "64",
            "--processes",
            str(args.processes),
            "--log-level",
            "warning",  # no access line per call: a log pipeline's cost is its own
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    contenders = {}
    try:
        assert gateway.stdout is not None
        gateway_url = gateway.stdout.readline().split()[4]
        contenders = {
            "sandbox directly": (
                upstream + "/v2/miniprogram/message/send",
                json.dumps(compat.translate_send_inbox(LEGACY).to_wire()).encode(),
            ),
            "through the gateway": (
                gateway_url + "/v2/messages/sendInbox",
                json.dumps(LEGACY).encode(),
            ),
        }
        for url, body in contenders.values():  # warm up both
            drive(url, body, 8, 0.3)
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        for _ in range(rounds):  # taking turns, so that drift hits both alike
            for callers in CALLERS:
                for name, (url, body) in contenders.items():
                    result = drive(url, body, callers, seconds)
                    results.setdefault((name, callers), []).append(result)
    finally:
        gateway.terminate()
        gateway.wait(40)
        sandbox.terminate()
        sandbox.wait(10)

    print(f"\n{rounds} round(s) of {seconds:g} s per measure; medians (range)")
    medians: dict[tuple[str, int], dict[str, float]] = {}
    for (name, callers), runs in results.items():
        medians[name, callers] = {
            key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99")
        }
        m = medians[name, callers]
        low, high = min(r["rps"] for r in runs), max(r["rps"] for r in runs)
        print(
            f"  {callers:>2} caller(s)  {name:<20} {m['rps']:8,.0f} calls/s "
            f"({low:,.0f}-{high:,.0f})  p50 {m['p50'] * 1e3:6.2f} ms  p99 {m['p99'] * 1e3:6.2f} ms"
        )
    overhead = (
        medians["through the gateway", 1]["p50"] - medians["sandbox directly", 1]["p50"]
    ) * 1e3
    share = medians["through the gateway", 64]["rps"] / medians["sandbox directly", 64]["rps"]
    print(
        f"  gateway overhead at p50, 1 caller = {overhead:.2f} ms  "
        f"({verdict(overhead < 2, 'target < 2 ms', args.quick)})"
    )
    print(
        f"  gateway throughput at 64 callers = {share:.0%} of the sandbox's alone  "
        f"({verdict(share >= 0.7, 'target >= 70%', args.quick)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
