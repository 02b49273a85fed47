"""A service object that keeps its shim client on self."""

import os

from compat import LegacyClient as Legacy


class LoyaltyNotifier:
    def __init__(self):
        self.client = Legacy(os.environ.get("WALLET_URL", "https://wallet"), "2022091910020000")

    def tier_up(self, access_token, tier):
        return self.client.send_by_access_token(
            {
                "appId": "2021004125637654",
                "accessToken": access_token,
                "templateCode": "TP_TIER",
                "templates": [
                    {"templateParameters": {"tier": tier, "pushContentUrl": "/pages/tier"}},
                    {
                        "templateParameters": {"tier": tier, "pushContentUrl": "/pages/tier"},
                        "language": "th-TH",
                    },
                ],
            }
        )

    def close(self):
        self.client.close()
