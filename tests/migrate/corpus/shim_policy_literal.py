"""Cart reminders through the drop-in shim, with the policy written in the code."""

import os

from compat import LegacyClient, Policy

client = LegacyClient(
    os.environ.get("WALLET_URL", "https://open.wallet.example"),
    "2022091910020000",
    policy=Policy(
        template_codes={"TP_CART_REMINDER_V1": "TP_CART_REMINDER"},
        app_id="APP9",
        default_redirect_url="/pages/cart",
    ),
)


def cart_reminder(access_token, count):
    response = client.send_inbox(
        {
            "accessToken": access_token,
            "requestId": f"cart-{access_token[-4:]}-{count}",
            "templateCode": "TP_CART_REMINDER_V1",
            "templates": [{"templateParameters": {"count": str(count)}}],
        }
    )
    return response.result.result_status
