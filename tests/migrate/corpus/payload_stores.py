"""A payload completed item by item before it is posted."""

import requests


def pickup(base_url, access_token, store, link=None):
    payload = {
        "accessToken": access_token,
        "requestId": "pickup-" + store,
        "templateCode": "TP_PICKUP",
        "templates": [{"templateParameters": {"store": store}}],
    }
    payload["authClientId"] = "2021004125637654"
    if link:
        payload["templates"][0]["templateParameters"]["pushContentUrl"] = link
    return requests.post(base_url + "/v2/messages/sendInbox", json=payload).json()
