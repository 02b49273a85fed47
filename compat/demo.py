"""``compat demo``: legacy calls, served by the new endpoint, on an in-process sandbox.

This module plays the part of legacy application code: its calls are what the
warnings and the audit log point at.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any, Optional, TextIO

from . import _spec
from .auditlog import audit_log
from .errors import CompatError, LegacyEndpointWarning, TranslationWarning
from .legacy import LegacyClient
from .sandbox import Sandbox
from .translate import translate_send_by_access_token, translate_send_inbox

__all__ = ["run"]

TOKEN = "2019112719074101000700000077771xxxx"
PREFIX = "/api/open"
CLIENT_ID = "2022091910020000"

#: A sendInbox call as legacy code makes it: the link is a template parameter.
SEND_INBOX: dict[str, Any] = {
    "accessToken": TOKEN,
    "authClientId": "2021004125637654",
    "requestId": "order-20241127-000042-shipped",
    "templateCode": "TP_ORDER_SHIPPED",
    "templates": [
        {
            "templateParameters": {
                "customer": "Somchai",
                "order": "000042",
                "pushContentUrl": "/pages/orders/detail?id=000042",
            },
            "language": "th-TH",
        },
        {
            "templateParameters": {
                "customer": "Somchai",
                "order": "000042",
                "pushContentUrl": "/pages/orders/detail?id=000042",
            },
            "language": "en-US",
        },
    ],
}

#: The sendByAccessToken page's own sample: a pushContentUrl, and no requestId.
SEND_BY_ACCESS_TOKEN: dict[str, Any] = {
    "appId": "2021004125637654",
    "accessToken": TOKEN,
    "templateCode": "TP_FLASH_SALE",
    "templates": [
        {
            "templateParameters": {
                "discount": "30%",
                "pushContentUrl": "/pages/sale/flash",
            },
            "language": "en-US",
        }
    ],
}


def _keys() -> Optional[tuple[bytes, bytes, bytes]]:
    """Throwaway merchant and platform key pairs: (merchant private, merchant public,
    platform private) PEMs, or None without the ``rsa`` extra."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return None

    def private() -> Any:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    merchant, platform = private(), private()
    pkcs8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    return (
        merchant.private_bytes(pem, pkcs8, none),
        merchant.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo),
        platform.private_bytes(pem, pkcs8, none),
    )


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def _warnings(seen: list[warnings.WarningMessage], out: TextIO) -> None:
    for warning in seen:
        name = warning.category.__name__
        out.write(f"  ! {name} at {warning.filename}:{warning.lineno}:\n")
        out.write(_indent(str(warning.message)) + "\n")


def run(out: TextIO = sys.stdout) -> int:
    """Run the demo, writing to ``out``; 0 when every call went through."""
    keys = _keys()
    signer = verifier = None
    options: dict[str, Any] = {}
    if keys is not None:
        from .signing import RsaSigner, RsaVerifier

        merchant_private, merchant_public, platform_private = keys
        signer = RsaSigner(merchant_private)
        verifier = RsaVerifier(RsaSigner(platform_private).public_key_pem())
        options = {"merchant_public_key": merchant_public, "platform_private_key": platform_private}

    with Sandbox(prefix=PREFIX, client_id=CLIENT_ID, **options) as sandbox:
        out.write(
            "compat demo: legacy message calls, served by POST /v2/miniprogram/message/send\n\n"
        )
        out.write(f"sandbox platform: {sandbox.url} (in this process, port picked free)\n")
        if keys is not None:
            out.write(
                "signing: on. Throwaway RSA-2048 key pairs were made just now; the sandbox\n"
                "verifies every request signature and signs its answers, which the client checks.\n"
            )
        else:
            out.write("signing: off (install 'compat[rsa]' to see it on)\n")
        client = LegacyClient(sandbox.url, CLIENT_ID, signer=signer, verifier=verifier, retries=0)
        calls = [
            (_spec.SEND_INBOX, SEND_INBOX, translate_send_inbox),
            (_spec.SEND_BY_ACCESS_TOKEN, SEND_BY_ACCESS_TOKEN, translate_send_by_access_token),
        ]
        for number, (endpoint, payload, translate) in enumerate(calls, 1):
            method = endpoint.shim_method
            out.write(f"\n{number}. {endpoint.name}, as legacy code calls it\n")
            out.write(f"  client.{method}(payload) with the legacy payload:\n")
            out.write(_indent(dumps(payload)) + "\n")
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always", LegacyEndpointWarning)
                warnings.simplefilter("always", TranslationWarning)
                try:  # the legacy calls, on purpose: this is what the demo shows
                    if endpoint is _spec.SEND_INBOX:
                        response: Any = client.send_inbox(payload)  # type: ignore[deprecated]
                    else:
                        response = client.send_by_access_token(payload)  # type: ignore[deprecated]
                except CompatError as err:
                    out.write(f"  failed: {type(err).__name__}: {err}\n")
                    return 1
            _warnings(seen, out)
            received = sandbox.messages()[-1]
            out.write(f"  the sandbox received, at {received['path']} (token masked):\n")
            out.write(_indent(dumps(received["body"])) + "\n")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                changes = translate(payload).changes
            out.write("  what the translation changed:\n")
            for change in changes:
                out.write(f"    {change}\n")
            out.write("  the legacy-shaped answer the calling code gets back:\n")
            out.write(_indent(repr(response)) + "\n")
        client.close()

    log = audit_log()
    out.write(f"\naudit: {log!r}\n")
    for entry in log.entries():
        outcomes = ", ".join(f"{k} x{v}" for k, v in entry.outcomes.items())
        out.write(f"  {entry.endpoint:<18} {entry.site}  {entry.count} call(s): {outcomes}\n")
    out.write(
        "\ncompat.audit_log().to_json() has it all; COMPAT_AUDIT_FILE=path appends each call\n"
        "as a JSON line. Next: `compat translate` on your own payloads, and MIGRATION.md.\n"
    )
    return 0
