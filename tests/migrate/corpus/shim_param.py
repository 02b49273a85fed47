"""Functions that take the shim client as a parameter; main() builds it."""

import os

from compat import LegacyClient


def birthday(client: LegacyClient, access_token, name):
    return client.send_by_access_token(
        app_id="2021004125637654",
        access_token=access_token,
        request_id="bday-" + name,
        template_code="TP_BIRTHDAY",
        templates=[{"templateParameters": {"name": name}}],
    )


def main():
    with LegacyClient(os.environ.get("WALLET_URL", "https://wallet"), "c-1") as client:
        birthday(client, "2019112719074101000700000077771xxxx", "Ana")
