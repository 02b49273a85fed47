"""urllib3 with a JSON body encoded by hand."""

import json

import urllib3

http = urllib3.PoolManager()


def shipped(base_url, access_token, order_id):
    answer = http.request(
        "POST",
        base_url + "/v2/messages/sendInbox",
        body=json.dumps(
            {
                "accessToken": access_token,
                "authClientId": "2021004125637654",
                "requestId": "ship-" + order_id,
                "templateCode": "TP_SHIPPED",
                "templates": [
                    {"templateParameters": {"order": order_id, "pushContentUrl": "/pages/ship"}}
                ],
            }
        ).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    return json.loads(answer.data)
