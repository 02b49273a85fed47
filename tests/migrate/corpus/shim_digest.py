"""Long requestIds digested by the shim's policy: a literal one migrates, a computed one cannot."""

import os

from compat import LegacyClient, Policy

client = LegacyClient(
    os.environ.get("WALLET_URL", "https://wallet"),
    "c-1",
    policy=Policy(overlong_request_id="digest"),
)


def fixed(access_token):
    return client.send_by_access_token(
        {
            "appId": "2021004125637654",
            "accessToken": access_token,
            "requestId": "batch-2026-11-23-morning-run",
            "templateCode": "TP_BATCH",
            "templates": [{"templateParameters": {}}],
        }
    )


def computed(access_token, batch):
    return client.send_inbox(
        {
            "accessToken": access_token,
            "authClientId": "2021004125637654",
            "requestId": "batch-" + batch,
            "templateCode": "TP_BATCH",
            "templates": [{"templateParameters": {"pushContentUrl": "/pages/batch"}}],
        }
    )
