"""Exactly-once delivery through lost acknowledgements, end to end over 127.0.0.1."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from compat import (
    ContentTemplate,
    MessageClient,
    ResultUnknown,
    Retries,
    SendRequest,
    TransportError,
)
from compat.sandbox import Faults

MESSAGES = 300


def message(n: int) -> SendRequest:
    return SendRequest(
        app_id="2021004125637654",
        access_token="2019112719074101000700000077771xxxx",
        request_id=f"order-{n:05d}",
        template_code="TP_ORDER_SHIPPED",
        templates=[ContentTemplate({"order": str(n)}, "en-US")],
        redirect_url=f"/pages/orders/{n}",
    )


def test_lost_acknowledgements_never_deliver_twice(compat_sandbox_factory: Any) -> None:
    sandbox = compat_sandbox_factory(
        faults=Faults(unknown_after_store=0.3, drop_after_store=0.2), seed=2024
    )
    retries = Retries(total=3, backoff=0.001, cap=0.004)
    outcomes: dict[str, Optional[Exception]] = {}

    with MessageClient(sandbox.url, "client-1", retries=retries) as client:

        def send(n: int) -> None:
            request = message(n)
            try:
                client.send(request)
            except (ResultUnknown, TransportError) as err:
                assert err.request_id == request.request_id
                outcomes[request.request_id] = err
            else:
                outcomes[request.request_id] = None

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, range(MESSAGES)))

        stored = sandbox.messages()
        assert len(stored) == MESSAGES
        assert len({m["requestId"] for m in stored}) == MESSAGES
        assert len(outcomes) == MESSAGES
        failed = [request_id for request_id, err in outcomes.items() if err is not None]
        # with these rates some sends do run out of attempts, and some succeed on a retry
        assert failed
        assert any(m["count"] > 1 for m in stored)
        retried_total = sum(m["count"] for m in stored)

        # Sending the unsure ones again delivers nothing new.
        calm = MessageClient(sandbox.url, "client-1", retries=0)
        sandbox.faults = Faults()
        with calm:
            for request_id in failed:
                n = int(request_id.split("-")[1])
                assert calm.send(message(n)).result.result_code == "SUCCESS"

    again = sandbox.messages()
    assert len(again) == MESSAGES
    assert sum(m["count"] for m in again) == retried_total + len(failed)
    message_ids = [m["messageId"] for m in again]
    assert len(set(message_ids)) == MESSAGES
