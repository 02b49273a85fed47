"""The shim's policy in a module constant, the client made per call."""

import os

import compat

POLICY = compat.Policy(app_id="2021004125637654", keep_moved_parameters=True)
WALLET_URL = os.environ.get("WALLET_URL", "https://open.wallet.example")


def parcel_ready(access_token, locker):
    with compat.LegacyClient(WALLET_URL, "2022091910020000", policy=POLICY) as client:
        answer = client.send_inbox(
            access_token=access_token,
            request_id="locker-" + locker,
            template_code="TP_LOCKER",
            templates=[{"templateParameters": {"locker": locker, "pushContentUrl": "/p/locker"}}],
        )
    return answer.message_id
