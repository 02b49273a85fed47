"""Sample payloads from the endpoint pages, and variations of them."""

from __future__ import annotations

import copy
from typing import Any

#: An access token as the endpoint pages show one; it must never show in full.
TOKEN = "2019112719074101000700000077771xxxx"

#: The sendInbox page's sample request.
SEND_INBOX_SAMPLE: dict[str, Any] = {
    "accessToken": TOKEN,
    "authClientId": "202016726873874774774xxxx",
    "requestId": "20191127190741010007013213123xxxx",
    "templateCode": "TP_5800000001xxxx",
    "templates": [
        {
            "templateParameters": {"who": "string to represent a name"},
            "language": "en-US",
        }
    ],
    "extendInfo": "This is additional information",
}

#: The sendByAccessToken page's sample request (without requestId, as published).
SEND_BY_ACCESS_TOKEN_SAMPLE: dict[str, Any] = {
    "appId": "2171xxxxxxxxxxxx",
    "accessToken": TOKEN,
    "templateCode": "2021xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "templates": [
        {
            "templateParameters": {
                "who": "string to represent a name, e.g. XiaoMing",
                "pushContentUrl": "http://redirecturl",
            },
            "language": "en-US",
        }
    ],
}


def _with(payload: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``payload`` with keys set, or removed where the value is None."""
    payload = copy.deepcopy(payload)
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def inbox(**changes: Any) -> dict[str, Any]:
    """The sendInbox sample with a link (pushContentUrl) and the given keys changed."""
    payload = copy.deepcopy(SEND_INBOX_SAMPLE)
    payload["templates"][0]["templateParameters"]["pushContentUrl"] = "/pages/inbox"
    return _with(payload, changes)


def by_token(**changes: Any) -> dict[str, Any]:
    """The sendByAccessToken sample with a requestId and the given keys changed."""
    return _with({**SEND_BY_ACCESS_TOKEN_SAMPLE, "requestId": "order-42"}, changes)


def new_body(**changes: Any) -> dict[str, Any]:
    """The sendInbox sample translated: a new endpoint body, with keys changed or removed."""
    from compat import translate_send_inbox

    body = translate_send_inbox(inbox()).to_wire()
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}
