"""Raw legacy bodies posted through LegacyClient.post."""

import os

import compat

INBOX = "/v2/messages/sendInbox"
wallet = compat.LegacyClient(os.environ.get("WALLET_URL", "https://wallet"), "c-1")


def survey(access_token, survey_id):
    answer = wallet.post(
        "/v2/messages/sendInbox",
        {
            "accessToken": access_token,
            "authClientId": "2021004125637654",
            "requestId": "survey-" + survey_id,
            "templateCode": "TP_SURVEY",
            "templates": [{"templateParameters": {"pushContentUrl": "/pages/survey"}}],
        },
    )
    return answer["result"]["resultCode"]
