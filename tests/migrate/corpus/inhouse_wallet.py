"""An in-house Wallet helper in a module that also uses the shim."""

import json
import os

import urllib3

from compat import LegacyClient

WALLET_URL = os.environ.get("WALLET_URL", "https://wallet")


class Wallet:
    def __init__(self, base_url):
        self.base_url = base_url
        self.http = urllib3.PoolManager()

    def post(self, path, body):
        answer = self.http.request(
            "POST",
            self.base_url + path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        return json.loads(answer.data)


wallet = Wallet(WALLET_URL)
shim = LegacyClient(WALLET_URL, "c-1")


def stock_alert(access_token, sku):
    return wallet.post(
        "/v2/customers/message/sendByAccessToken",
        {
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "stock-" + sku,
            "templateCode": "TP_STOCK",
            "templates": [{"templateParameters": {"sku": sku}}],
        },
    )


def price_drop(access_token, sku):
    return shim.send_by_access_token(
        {
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "price-" + sku,
            "templateCode": "TP_PRICE",
            "templates": [{"templateParameters": {"sku": sku}}],
        }
    )
