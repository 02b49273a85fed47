"""Wallet notifications over requests, the way a Django service writes them."""
import json
import uuid

import requests

APP_ID = "2021004125637654"
INBOX_PATH = "/v2/messages/sendInbox"
PUSH_PATH = "/v2/customers/message/sendByAccessToken"


class WalletNotifier:
    def __init__(self, base_url, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()

    def order_paid(self, token, order_id, amount):
        body = {
            "accessToken": token,
            "authClientId": APP_ID,
            "requestId": "paid-" + order_id,
            "templateCode": "TP_ORDER_PAID",
            "templates": [
                {
                    "templateParameters": {"amount": amount, "pushContentUrl": "/pages/order?id=" + order_id},
                    "language": "en-US",
                }
            ],
        }
        response = self.session.post(self.base_url + INBOX_PATH, json=body, timeout=10)
        response.raise_for_status()
        return response.json()["result"]["resultStatus"] == "S"

    def promo(self, token, title):
        response = self.session.post(
            f"{self.base_url}{PUSH_PATH}",
            data=json.dumps({
                "appId": APP_ID,
                "accessToken": token,
                "requestId": uuid.uuid4().hex,
                "templateCode": "TP_PROMO",
                "templates": [{"templateParameters": {"title": title}, "language": "en-US"}],
            }),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        return response.json()

    def reminder(self, token, text):
        payload = {
            "accessToken": token,
            "authClientId": APP_ID,
            "requestId": uuid.uuid4().hex,
            "templateCode": "TP_REMIND",
            "templates": [{"templateParameters": {"text": text, "pushContentUrl": "/pages/home"}}],
        }
        if len(text) > 40:
            payload["templateCode"] = "TP_REMIND_LONG"
        return self.session.post(self.base_url + INBOX_PATH, json=payload, timeout=10).json()
