"""Templates built per language by a comprehension."""

import requests

TEXTS = {"en-US": "Your parcel is here", "th-TH": "พัสดุของคุณมาถึงแล้ว"}


def parcel(base_url, access_token, parcel_id):
    return requests.post(
        base_url + "/v2/messages/sendInbox",
        json={
            "accessToken": access_token,
            "authClientId": "2021004125637654",
            "requestId": "parcel-" + parcel_id,
            "templateCode": "TP_PARCEL",
            "templates": [
                {
                    "templateParameters": {"text": text, "pushContentUrl": "/pages/parcel"},
                    "language": language,
                }
                for language, text in TEXTS.items()
            ],
        },
        timeout=5,
    ).json()
