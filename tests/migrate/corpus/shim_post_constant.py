"""LegacyClient.post with the path in a module constant, the client made per call."""

import os
import compat

SEND = "/v2/customers/message/sendByAccessToken"


def deliver(token):
    with compat.LegacyClient(os.environ.get("WALLET_URL", "https://wallet"), "c-1") as c:
        return c.post(SEND, {"appId": "2021004125637654", "accessToken": token,
                             "requestId": "ctx-1", "templateCode": "TP_CTX",
                             "templates": [{"templateParameters": {}}]})
