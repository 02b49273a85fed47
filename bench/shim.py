"""Calls per second through LegacyClient against MessageClient with the equivalent request.

Both send to `compat sandbox` (a separate process on 127.0.0.1), taking turns
call by call, and their medians are compared;
the legacy call carries what a legacy caller sends (authClientId, the link as a
pushContentUrl parameter), the new-style call the SendRequest the shim would
send. The shim's extra work, measured here: the deprecation warning (under an
``ignore`` filter, as a service that logs instead would run), the translation
there and back, and the audit record. The parts are also timed on their own.

Against a loopback host the shim also sends the legacy original along for the
sandbox's inbox page (``trace``); no wallet gets it, so the target is judged
with ``trace=False``, as the shim runs against a wallet, and the cost of the
trace (the header here, its decoding and storing in the sandbox) is shown apart.

    python bench/shim.py           # about 20 s
    python bench/shim.py --quick   # a smoke run (CI)

Target: shim overhead under 10%.
"""

from __future__ import annotations

import argparse
import timeit
import warnings

import compat
import compat._trace
from compat._warn import CallSite

from _common import median_of, start_sandbox, verdict

LEGACY = {
    "accessToken": "2019112719074101000700000077771xxxx",
    "authClientId": "2021004125637654",
    "requestId": "order-2024-11-27-000123456",
    "templateCode": "TP_ORDER_SHIPPED",
    "templates": [
        {
            "templateParameters": {
                "who": "Somchai",
                "order": "123456",
                "pushContentUrl": "/pages/orders/detail?id=123456",
            },
            "language": language,
        }
        for language in ("th-TH", "en-US")
    ],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rounds = 300 if args.quick else 5000
    warnings.simplefilter("ignore", compat.LegacyEndpointWarning)

    request = compat.translate_send_inbox(LEGACY).request
    process, url = start_sandbox()
    try:
        shim = compat.LegacyClient(url, "client-1", trace=False)
        traced = compat.LegacyClient(url, "client-1")
        new = compat.MessageClient(url, "client-1")
        best = median_of(
            {
                "MessageClient.send": lambda: new.send(request),
                "LegacyClient.send_inbox": lambda: shim.send_inbox(LEGACY),  # type: ignore[deprecated]
                "  the same, traced": lambda: traced.send_inbox(LEGACY),  # type: ignore[deprecated]
            },
            rounds,
        )
        for client in (shim, traced, new):
            client.close()
    finally:
        process.terminate()
        process.wait(10)

    def part(call: object, n: int = 20_000) -> float:
        return min(timeit.repeat(call, number=n, repeat=5)) / n  # type: ignore[arg-type]

    log = compat.AuditLog()
    site = CallSite("app.py", 42, "notify")
    translation = compat.translate_send_inbox(LEGACY)
    response = compat.SendResponse(compat.Result("S", "SUCCESS"), message_id="m-1")
    parts = {
        "translate the request": part(lambda: compat.translate_send_inbox(LEGACY)),
        "translate the response": part(lambda: compat.translate_response("sendInbox", response)),
        "warning (filtered out)": part(
            lambda: compat.legacy.warn("x", compat.LegacyEndpointWarning)
        ),
        "audit record": part(lambda: log.record("sendInbox", site, translation.changes, "S")),
        "trace header (sandbox)": part(
            lambda: compat._trace.headers("/v2/messages/sendInbox", "LegacyClient", LEGACY, ())
        ),
    }

    print(f"\nsendInbox to compat sandbox ({rounds} calls each, taking turns; medians)")
    for name, seconds in best.items():
        print(f"  {name:<24} {seconds * 1e6:8.1f} µs/call  {1 / seconds:>8,.0f} calls/s")
    overhead = best["LegacyClient.send_inbox"] / best["MessageClient.send"] - 1
    judged = verdict(overhead < 0.10, "target < 10%", args.quick)
    print(f"  shim overhead = {overhead:+.1%}  ({judged})")
    traced = best["  the same, traced"] / best["MessageClient.send"] - 1
    print(
        f"  traced (the default for a loopback host) = {traced:+.1%}  (no target: not for wallets)"
    )
    print("  the shim's parts, alone:")
    for name, seconds in parts.items():
        print(f"    {name:<24} {seconds * 1e6:6.2f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
