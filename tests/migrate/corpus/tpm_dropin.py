"""The raw urllib3 code, with the drop-in TranslatingPoolManager swapped in."""

import json

import compat

http = compat.TranslatingPoolManager(policy=compat.Policy(default_redirect_url="/pages/home"))


def news(base_url, access_token, headline):
    payload = {
        "appId": "2021004125637654",
        "accessToken": access_token,
        "requestId": "news-" + headline[:10],
        "templateCode": "TP_NEWS",
        "templates": [{"templateParameters": {"headline": headline}}],
    }
    answer = http.request(
        "POST",
        base_url + "/v2/customers/message/sendByAccessToken",
        body=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(answer.data)
