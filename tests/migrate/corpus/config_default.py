"""The endpoint comes from the environment, with the legacy path as its default."""

import os

import requests

INBOX_URL = os.environ.get("INBOX_URL", "https://wallet/v2/messages/sendInbox")


def relay(payload):
    return requests.post(INBOX_URL, json=payload, timeout=5).json()
