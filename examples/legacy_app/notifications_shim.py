"""The same order notifications, on compat.LegacyClient: the legacy calls, kept.

Each call is checked, translated to ``POST /v2/miniprogram/message/send``, sent
(signed, when a signer is given), and answered in the legacy shape. Each also
warns (LegacyEndpointWarning, at the calling line) and is recorded in
``compat.audit_log()``, until ``compat migrate`` rewrites it.

    python notifications_shim.py http://127.0.0.1:8080   # e.g. against `compat sandbox`
"""

from __future__ import annotations

import json
import sys
from typing import Optional

import compat

CLIENT_ID = "2022091910020000"
APP_ID = "2021004125637654"


def order_shipped(
    client: compat.LegacyClient, access_token: str, order_id: str, customer: str
) -> Optional[str]:
    """Tell the customer their order shipped, in Thai and English; the messageId, or None."""
    link = f"/pages/orders/detail?id={order_id}"
    try:
        response = client.send_inbox(  # type: ignore[deprecated]
            access_token=access_token,
            auth_client_id=APP_ID,
            request_id=f"order-{order_id}-shipped",
            template_code="TP_ORDER_SHIPPED",
            templates=[
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
            extend_info=json.dumps({"channel": "INBOX", "order": order_id}),
        )
    except compat.RequestFailed:
        return None
    return response.message_id


def flash_sale(client: compat.LegacyClient, access_token: str, discount: str) -> bool:
    """Announce a flash sale (a push message, sent as the endpoint page's sample does)."""
    try:
        client.send_by_access_token(  # type: ignore[deprecated]
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
            }
        )
    except compat.RequestFailed:
        return False
    return True


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: notifications_shim.py BASE_URL", file=sys.stderr)
        return 2
    token = "2019112719074101000700000077771xxxx"
    with compat.LegacyClient(args[0], CLIENT_ID) as client:
        print("order shipped, messageId:", order_shipped(client, token, "000042", "Somchai"))
        print("flash sale sent:", flash_sale(client, token, "30%"))
    print(compat.audit_log().to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
