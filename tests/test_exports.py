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


def test_the_lazy_names_are_the_ones_type_checkers_see() -> None:
    """``compat/__init__.py`` names each lazily imported member twice: for type checkers
    (under ``TYPE_CHECKING``) and for the run-time look-up (``_LAZY``). They agree."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(compat.__file__).read_text(encoding="utf-8"))
    [guarded] = [
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n.test)
    ]
    static = {
        alias.name: node.module.lstrip(".") if node.module else ""
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert static == compat._LAZY
    assert set(compat._LAZY) <= set(compat.__all__)
