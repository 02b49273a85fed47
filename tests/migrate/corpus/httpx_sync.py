"""Refund notices with httpx, the body bound in the function."""

import httpx

BASE_URL = "https://open.wallet.example"


def refund_notice(access_token, refund_id, amount, base_url=BASE_URL):
    url = f"{base_url}/v2/messages/sendInbox"
    body = {
        "accessToken": access_token,
        "authClientId": "2021004125637654",
        "requestId": "refund-" + refund_id,
        "templateCode": "TP_REFUND",
        "templates": [
            {"templateParameters": {"amount": amount, "pushContentUrl": "/pages/refunds"}}
        ],
    }
    with httpx.Client(timeout=5.0) as client:
        answer = client.post(url, json=body, headers={"Content-Type": "application/json"})
    return answer.json()
