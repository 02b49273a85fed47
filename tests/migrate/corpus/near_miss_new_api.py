"""Already migrated: the new endpoint, its fields."""

import requests


def sent(base_url, access_token):
    return requests.post(
        base_url + "/v2/miniprogram/message/send",
        json={
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "new-1",
            "templateCode": "TP_NEW",
            "redirectUrl": "/pages/new",
            "templates": [{"templateParameters": {"who": "Ana"}}],
        },
    ).json()
