"""Payloads written as dict(...) calls, and payloads built once and sent from more than
one place, over requests."""
import functools
import json

import requests

APP_ID = "2021004125637654"
BASE = "http://127.0.0.1:1"
INBOX = "/v2/messages/sendInbox"
PUSH = "/v2/customers/message/sendByAccessToken"


def order_ready(token, order_id, base=BASE):
    payload = dict(
        accessToken=token,
        authClientId=APP_ID,  # the mini program
        requestId=f"ready-{order_id}",
        templateCode="TP_READY",
        templates=[{"templateParameters": {"order": order_id, "pushContentUrl": f"/o/{order_id}"}}],
    )
    headers = {"Content-Type": "application/json"}
    return requests.post(base + INBOX, data=json.dumps(payload), headers=headers, timeout=5).json()


def flash(token, base=BASE):
    answer = requests.post(
        base + PUSH,
        json=dict(appId=APP_ID, accessToken=token, templateCode="TP_FLASH",
                  templates=[{"templateParameters": {"pct": "20"}}]),
        timeout=5,
    )
    return answer.json()


def flash_all(tokens, base=BASE):
    payload = {"appId": APP_ID, "accessToken": tokens[0], "templateCode": "TP_FLASH",
               "templates": [{"templateParameters": {"pct": "20"}}]}
    return [requests.post(base + PUSH, json=payload, timeout=5).json() for _ in tokens]


def flash_later(token, base=BASE):
    send = functools.partial(requests.post, base + PUSH, timeout=5)
    return send(json={"appId": APP_ID, "accessToken": token, "templateCode": "TP_FLASH",
                      "templates": [{"templateParameters": {"pct": "30"}}]}).json()


def tagged(token, tag, base=BASE):
    payload = {"accessToken": token, "authClientId": APP_ID, "requestId": f"tag-{tag}",
               "templateCode": "TP_TAG", "templates": [{"templateParameters": {"tag": tag}}]}
    add_link(payload, tag)
    return requests.post(base + INBOX, json=payload, timeout=5).json()


def add_link(payload, tag):
    payload["templates"][0]["templateParameters"]["pushContentUrl"] = f"/tags/{tag}"
