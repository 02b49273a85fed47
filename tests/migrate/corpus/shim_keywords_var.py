"""Shim calls with keyword fields: templates from a constant, and written out."""

import os
from compat import LegacyClient

client = LegacyClient(os.environ.get("WALLET_URL", "https://wallet"), "c-1")
TEMPLATES = [{"templateParameters": {"x": "1"}}]


def kw(token):
    try:
        return client.send_by_access_token(  # type: ignore[deprecated]
            app_id="2021004125637654", access_token=token, request_id="kw-1",
            template_code="TP_KW", templates=TEMPLATES,
        )
    except Exception:
        return None


def kw_literal(token, who):
    return client.send_by_access_token(  # type: ignore[deprecated]
        app_id="2021004125637654", access_token=token, request_id="kw-2",
        template_code="TP_KW",
        templates=[{"templateParameters": {"who": who, "pushContentUrl": "/pages/kw"}}],
    )
