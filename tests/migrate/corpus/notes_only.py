"""Notifications moved to the new endpoint (was POST /v2/messages/sendInbox)."""

import requests


def notify(base_url, access_token):
    # formerly /v2/customers/message/sendByAccessToken
    return requests.post(
        base_url + "/v2/miniprogram/message/send",
        json={
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "notes-1",
            "templateCode": "TP_NOTES",
            "redirectUrl": "/pages/notes",
            "templates": [{"templateParameters": {}}],
        },
    ).json()
