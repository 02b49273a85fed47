"""A requests.Session subclass that posts with self.request."""

import json
import requests


class Api(requests.Session):
    def __init__(self, base):
        super().__init__()
        self.base = base

    def notify(self, token, n):
        payload = {"appId": "2021004125637654", "accessToken": token,
                   "requestId": f"n-{n}", "templateCode": "TP_N",
                   "templates": [{"templateParameters": {"n": str(n)}}]}
        r = self.request("POST", self.base + "/v2/customers/message/sendByAccessToken",
                         data=json.dumps(payload),
                         headers={"Content-Type": "application/json"})
        return r.json()
