"""URLs joined onto a base that ends with a slash."""

from urllib.parse import urljoin

import requests


def coupon(base_url, access_token, code):
    url = urljoin(base_url, "v2/customers/message/sendByAccessToken")
    payload = {
        "appId": "2021004125637654",
        "accessToken": access_token,
        "requestId": "coupon-" + code,
        "templateCode": "TP_COUPON",
        "templates": [{"templateParameters": {"code": code, "pushContentUrl": "/pages/coupons"}}],
    }
    return requests.post(url, json=payload, timeout=5).json()
