"""Typed code: annotated bindings, and a shim answer handed back to the caller."""

from __future__ import annotations

import os
from typing import Any

import requests

from compat import LegacyClient, Policy, SendInboxResponse

client = LegacyClient(
    os.environ.get("WALLET_URL", "https://wallet"), "c-1", policy=Policy(app_id="2021004125637654")
)


def typed_raw(base_url: str, access_token: str, order: str) -> dict[str, Any]:
    url: str = base_url + "/v2/messages/sendInbox"
    payload: dict[str, Any] = {
        "accessToken": access_token,
        "authClientId": "2021004125637654",
        "requestId": f"typed-{order}",
        "templateCode": "TP_TYPED",
        "templates": [{"templateParameters": {"order": order, "pushContentUrl": "/pages/o"}}],
    }
    answer: dict[str, Any] = requests.post(url, json=payload, timeout=5).json()
    return answer


def typed_shim(access_token: str, order: str) -> SendInboxResponse:
    response: SendInboxResponse = client.send_inbox(
        access_token=access_token,
        request_id=f"shim-{order}",
        template_code="TP_TYPED",
        templates=[{"templateParameters": {"order": order, "pushContentUrl": "/pages/o"}}],
    )
    return response
