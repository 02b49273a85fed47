"""The drop-in pool manager, called through urlopen, with an app_id policy."""

import json
import compat

pool = compat.TranslatingPoolManager(policy=compat.Policy(app_id="2021004125637654"))


def go(base, token):
    r = pool.urlopen("POST", base + "/v2/messages/sendInbox", body=json.dumps({
        "accessToken": token, "requestId": "u-1", "templateCode": "TP",
        "templates": [{"templateParameters": {"pushContentUrl": "/pages/u"}}],
    }).encode(), headers={"Content-Type": "application/json"})
    return json.loads(r.data)
