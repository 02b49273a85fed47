"""Signed requests: the signature covers the path, so the path is passed twice."""

import hashlib
import json

import requests

CLIENT_ID = "2022091910020000"


def signed_headers(path, body):
    digest = hashlib.sha256(f"POST {path}\n{CLIENT_ID}\n{body}".encode()).hexdigest()
    return {"Client-Id": CLIENT_ID, "Signature": f"algorithm=RSA256,signature={digest}"}


def delivery_slot(base_url, access_token, slot):
    payload = {
        "accessToken": access_token,
        "authClientId": "2021004125637654",
        "requestId": "slot-" + slot,
        "templateCode": "TP_SLOT",
        "templates": [{"templateParameters": {"slot": slot, "pushContentUrl": "/pages/slot"}}],
    }
    body = json.dumps(payload)
    headers = signed_headers("/v2/messages/sendInbox", body)
    headers["Content-Type"] = "application/json"
    return requests.post(base_url + "/v2/messages/sendInbox", data=body, headers=headers).json()
