"""What users can import from ``compat`` is pinned here."""

from __future__ import annotations

import compat

CONTRACT = {
    # models and wire format
    "ContentTemplate",
    "Result",
    "SendRequest",
    "SendResponse",
    "SendInboxRequest",
    "SendInboxResponse",
    "SendByAccessTokenRequest",
    "SendByAccessTokenResponse",
    "to_wire",
    "from_wire",
    # translation
    "translate_send_inbox",
    "translate_send_by_access_token",
    "translate_response",
    "Translation",
    "Policy",
    "Change",
    # talking to the platform
    "MessageClient",
    "Retries",
    "RsaSigner",
    "RsaVerifier",
    # the drop-in shim and its audit
    "LegacyClient",
    "TranslatingPoolManager",
    "AuditLog",
    "audit_log",
    # errors and warnings
    "CompatError",
    "ValidationError",
    "MissingFieldError",
    "FieldTooLongError",
    "TranslationError",
    "ApiError",
    "RequestFailed",
    "ResultUnknown",
    "TransportError",
    "SignatureError",
    "LegacyEndpointWarning",
    "TranslationWarning",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(compat.__all__) == CONTRACT | {"__version__"}


def test_every_name_in_all_is_importable() -> None:
    for name in compat.__all__:
        assert getattr(compat, name) is not None


def test_version_is_a_release_string() -> None:
    parts = compat.__version__.split(".")
    assert len(parts) == 3
    assert all(part.isdigit() for part in parts)
