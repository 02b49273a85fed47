"""urllib.request: the URL on the Request, the body given to urlopen."""

import json
from urllib import request


def legacy(base, token):
    req = request.Request(f"{base}/v2/messages/sendInbox", method="POST",
                          headers={"Content-Type": "application/json"})
    body = json.dumps({"accessToken": token, "authClientId": "2021004125637654",
                       "requestId": "uc-1", "templateCode": "TP",
                       "templates": [{"templateParameters": {"pushContentUrl": "/x"}}]}).encode()
    with request.urlopen(req, data=body) as resp:
        return json.loads(resp.read())
