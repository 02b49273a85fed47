"""The payload comes from a builder: nothing to see at the call."""

import requests


def build_inbox_payload(access_token, order_id):
    return {
        "accessToken": access_token,
        "authClientId": "2021004125637654",
        "requestId": "built-" + order_id,
        "templateCode": "TP_BUILT",
        "templates": [{"templateParameters": {"pushContentUrl": "/pages/built"}}],
    }


def send_built(base_url, access_token, order_id):
    payload = build_inbox_payload(access_token, order_id)
    return requests.post(base_url + "/v2/messages/sendInbox", json=payload).json()
