"""Order notifications over requests, with the endpoint in settings constants."""

import os

import requests

WALLET_URL = os.environ.get("WALLET_URL", "https://open.wallet.example/api")
CLIENT_ID = "2022091910020000"
APP_ID = "2021004125637654"
SEND_INBOX_PATH = "/v2/messages/sendInbox"
TIMEOUT = 5


def notify_order_paid(access_token, order_id):
    payload = {
        "accessToken": access_token,
        "authClientId": APP_ID,
        "requestId": f"paid-{order_id}",
        "templateCode": "TP_ORDER_PAID",
        "templates": [
            {
                "templateParameters": {
                    "order": order_id,
                    "pushContentUrl": f"/pages/orders/{order_id}",
                },
                "language": "en-US",
            }
        ],
    }
    response = requests.post(
        WALLET_URL + SEND_INBOX_PATH,
        json=payload,
        headers={"Client-Id": CLIENT_ID},
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return response.json()["result"]["resultStatus"] == "S"
