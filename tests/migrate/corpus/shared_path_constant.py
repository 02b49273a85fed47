"""One path constant, two uses: one can be migrated, one cannot."""

import requests

BASE = "https://wallet"
PATH = "/v2/messages/sendInbox"


def direct(access_token, base=BASE):
    return requests.post(
        base + PATH,
        json={
            "accessToken": access_token,
            "authClientId": "2021004125637654",
            "requestId": "direct-1",
            "templateCode": "TP_DIRECT",
            "templates": [{"templateParameters": {"pushContentUrl": "/pages/d"}}],
        },
    ).json()


def forwarded(payload, base=BASE):
    return requests.post(base + PATH, json=payload).json()
