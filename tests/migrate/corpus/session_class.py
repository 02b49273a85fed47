"""A class-based wallet client on a requests.Session."""

import requests


class WalletClient:
    def __init__(self, base_url, client_id, app_id):
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.session = requests.Session()
        self.session.headers.update({"Client-Id": client_id})

    def push_promotion(self, access_token, campaign):
        response = self.session.post(
            f"{self.base_url}/v2/customers/message/sendByAccessToken",
            json={
                "appId": self.app_id,
                "accessToken": access_token,
                "requestId": f"promo-{campaign}-{access_token[-6:]}",
                "templateCode": "TP_PROMO",
                "templates": [{"templateParameters": {"campaign": campaign}}],
            },
            timeout=10,
        )
        return response.json()
