"""Order notifications of a mini program backend, as written for the legacy message APIs.

The "before" picture: raw dict payloads posted with urllib3 to the deprecated
paths, the link to open riding along as the ``pushContentUrl`` template
parameter. Nothing here knows about compat. To keep it running on the new
endpoint unchanged, swap one line (see ``http`` below) for
``compat.TranslatingPoolManager()``; notifications_shim.py is the same program
on ``compat.LegacyClient``.

    python notifications.py http://127.0.0.1:8080   # e.g. against `compat sandbox`
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import urllib3

CLIENT_ID = "2022091910020000"
APP_ID = "2021004125637654"

# The one line a drop-in migration changes: http = compat.TranslatingPoolManager()
http = urllib3.PoolManager()


def post(base_url: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = http.request(
        "POST",
        base_url + path,
        body=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=UTF-8", "Client-Id": CLIENT_ID},
    )
    result: dict[str, Any] = json.loads(answer.data)
    return result


def order_shipped(base_url: str, access_token: str, order_id: str, customer: str) -> Optional[str]:
    """Tell the customer their order shipped, in Thai and English; the messageId, or None."""
    link = f"/pages/orders/detail?id={order_id}"
    answer = post(
        base_url,
        "/v2/messages/sendInbox",
        {
            "accessToken": access_token,
            "authClientId": APP_ID,
            "requestId": f"order-{order_id}-shipped",
            "templateCode": "TP_ORDER_SHIPPED",
            "templates": [
                {
                    "templateParameters": {
                        "customer": customer,
                        "order": order_id,
                        "pushContentUrl": link,
                    },
                    "language": language,
                }
                for language in ("th-TH", "en-US")
            ],
            "extendInfo": json.dumps({"channel": "INBOX", "order": order_id}),
        },
    )
    if answer["result"]["resultStatus"] != "S":
        return None
    message_id: Optional[str] = answer.get("messageId")
    return message_id


def flash_sale(base_url: str, access_token: str, discount: str) -> bool:
    """Announce a flash sale (a push message, sent as the endpoint page's sample does)."""
    answer = post(
        base_url,
        "/v2/customers/message/sendByAccessToken",
        {
            "appId": APP_ID,
            "accessToken": access_token,
            "templateCode": "TP_FLASH_SALE",
            "templates": [
                {
                    "templateParameters": {
                        "discount": discount,
                        "pushContentUrl": "/pages/sale/flash",
                    },
                    "language": "en-US",
                }
            ],
        },
    )
    return bool(answer["result"]["resultStatus"] == "S")


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: notifications.py BASE_URL", file=sys.stderr)
        return 2
    base_url = args[0].rstrip("/")
    token = "2019112719074101000700000077771xxxx"
    print("order shipped, messageId:", order_shipped(base_url, token, "000042", "Somchai"))
    print("flash sale sent:", flash_sale(base_url, token, "30%"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
