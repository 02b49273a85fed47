"""The standard library only: urllib.request."""

import json
import urllib.request


def welcome(base_url, access_token):
    data = json.dumps(
        {
            "accessToken": access_token,
            "authClientId": "2021004125637654",
            "requestId": "welcome-" + access_token[-8:],
            "templateCode": "TP_WELCOME",
            "templates": [{"templateParameters": {"pushContentUrl": "/pages/welcome"}}],
        }
    ).encode()
    request = urllib.request.Request(
        base_url + "/v2/messages/sendInbox",
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())
