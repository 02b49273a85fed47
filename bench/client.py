"""Sends per second through MessageClient against a bare urllib3 POST of the same bytes.

The server is `compat sandbox`, started as a separate process on 127.0.0.1 so
that its work does not share the benchmark's interpreter. Each contender sends
the same message (same requestId: the sandbox answers its stored result) over
one pooled keep-alive connection; the contenders take turns call by call and
the median of each is compared, so that drift hits all of them alike.

- pool manager: ``PoolManager.request("POST", url, body=<the same bytes>,
  headers=...)`` and reading the body: what a user of urllib3 writes;
- connection pool: ``HTTPConnectionPool.urlopen`` of the same, straight to the
  host's pool (no URL parsing, no pool look-up): what MessageClient does, and so
  the floor its overhead is judged against;
- client: ``MessageClient.send(SendRequest)``: checks, serialises, sends,
  parses and judges the answer;
- client+sign: the same with an ``RsaSigner`` (2048-bit key), signing each attempt.

    python bench/client.py           # about 20 s
    python bench/client.py --quick   # a smoke run (CI)

Target: the client's overhead over the bare connection pool, signing excluded, within
15%; its overhead over the pool manager is reported too.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Callable

import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import compat
from compat.signing import content_to_sign

from _common import median_of, start_sandbox, verdict

REQUEST = compat.SendRequest(
    app_id="2021004125637654",
    access_token="2019112719074101000700000077771xxxx",
    request_id="order-2024-11-27-000123456",
    template_code="TP_ORDER_SHIPPED",
    templates=[
        compat.ContentTemplate({"who": "Somchai", "order": "123456"}, "th-TH"),
        compat.ContentTemplate({"who": "Somchai", "order": "123456"}, "en-US"),
    ],
    redirect_url="/pages/orders/detail?id=123456",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    rounds = 300 if args.quick else 5000
    number = 200 if args.quick else 1000  # signatures timed alone

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = compat.RsaSigner(pem)

    process, url = start_sandbox()
    try:
        payload = json.dumps(
            compat.to_wire(REQUEST), ensure_ascii=False, separators=(",", ":")
        ).encode()
        pool = urllib3.PoolManager(maxsize=1, retries=False)
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "Client-Id": "client-1",
            "Request-Time": compat.signing.request_time(),
        }
        target = url + "/v2/miniprogram/message/send"

        def manager() -> None:
            answer = pool.request("POST", target, body=payload, headers=headers, retries=False)
            assert answer.status == 200
            _ = answer.data

        parsed = urllib3.util.parse_url(target)
        connections = urllib3.HTTPConnectionPool(parsed.host, parsed.port, maxsize=1)

        def bare() -> None:
            answer = connections.urlopen(
                "POST",
                parsed.path,
                body=payload,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
            )
            assert answer.status == 200
            _ = answer.data

        plain = compat.MessageClient(url, "client-1")
        signed = compat.MessageClient(url, "client-1", signer=signer)
        contenders: dict[str, Callable[[], object]] = {
            "pool manager": manager,
            "connection pool": bare,
            "client": lambda: plain.send(REQUEST),
            "client+sign": lambda: signed.send(REQUEST),
        }
        best = median_of(contenders, rounds)
        content = content_to_sign("POST", "/v2/miniprogram/message/send", "c", "t", payload)
        start = time.perf_counter()
        for _ in range(number):
            signer.sign(content)
        sign_cost = (time.perf_counter() - start) / number
        plain.close()
        signed.close()
        pool.clear()
        connections.close()
    finally:
        process.terminate()
        process.wait(10)

    print(f"\nsend to compat sandbox ({rounds} sends each, taking turns; medians)")
    for name, seconds in best.items():
        print(f"  {name:<16} {seconds * 1e6:8.1f} µs/send  {1 / seconds:>8,.0f} sends/s")
    overhead = best["client"] / best["connection pool"] - 1
    judged = verdict(overhead <= 0.15, "target <= 15%", args.quick)
    print(
        f"  client overhead over a bare connection pool (signing excluded) = {overhead:+.1%}"
        f"  ({judged})"
    )
    print(
        f"  client overhead over PoolManager.request = "
        f"{best['client'] / best['pool manager'] - 1:+.1%}  (reported)"
    )
    print(
        f"  signing: {sign_cost * 1e6:.0f} µs per RsaSigner.sign (2048-bit); "
        f"client+sign / client = {best['client+sign'] / best['client']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
