"""urllib3, the payload and its JSON bound to names first."""

import json

import urllib3

HTTP = urllib3.PoolManager(retries=False)


def points_earned(base_url, access_token, points):
    payload = {
        "appId": "2021004125637654",
        "accessToken": access_token,
        "requestId": "points-" + points,
        "templateCode": "TP_POINTS",
        "templates": [{"templateParameters": {"points": points}, "language": "en-US"}],
    }
    body = json.dumps(payload)
    answer = HTTP.request(
        "POST",
        "%s/v2/customers/message/sendByAccessToken" % base_url,
        body=body,
        headers={"Content-Type": "application/json"},
    )
    return answer.status
