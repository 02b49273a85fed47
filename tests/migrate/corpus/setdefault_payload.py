"""A payload completed with setdefault before it is posted."""

import requests


def send(base, token, extra=None):
    payload = {"appId": "2021004125637654", "accessToken": token, "templateCode": "TP",
               "templates": [{"templateParameters": {}}]}
    payload.setdefault("requestId", "r-1")
    return requests.post(base + "/v2/customers/message/sendByAccessToken", json=payload).json()
