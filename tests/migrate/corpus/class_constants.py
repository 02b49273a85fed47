"""Endpoint paths kept as class attributes of an API client."""

import requests


class OpenApi:
    SEND_BY_TOKEN = "/v2/customers/message/sendByAccessToken"

    def __init__(self, base_url):
        self.base_url = base_url

    def flash_sale(self, access_token, discount):
        payload = {
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "flash-" + discount,
            "templateCode": "TP_FLASH",
            "templates": [
                {"templateParameters": {"discount": discount, "pushContentUrl": "/pages/sale"}}
            ],
        }
        return requests.request(
            "POST", self.base_url + self.SEND_BY_TOKEN, json=payload, timeout=5
        ).json()
