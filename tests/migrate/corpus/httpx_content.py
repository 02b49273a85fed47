"""httpx with the JSON body passed as content=."""

import json
import httpx


def ping(base, token):
    payload = {
        "accessToken": token,
        "authClientId": "2021004125637654",
        "requestId": "ping-1",
        "templateCode": "TP_PING",
        "templates": [{"templateParameters": {"pushContentUrl": "/pages/ping"}, "language": "en-US"}],
        "extendInfo": json.dumps({"k": 1}),
    }
    with httpx.Client() as c:
        return c.post(f"{base}/v2/messages/sendInbox", content=json.dumps(payload),
                      headers={"content-type": "application/json"}).json()
