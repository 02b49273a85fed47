"""Keep legacy Mini Program message calls working on ``/v2/miniprogram/message/send``.

The deprecated ``POST /v2/messages/sendInbox`` and
``POST /v2/customers/message/sendByAccessToken`` are translated to the endpoint
that replaced them, field by field, with every check made before anything is
sent. See README.md and MIGRATION.md.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from .errors import (
    ApiError,
    CompatError,
    FieldTooLongError,
    LegacyEndpointWarning,
    MissingFieldError,
    RequestFailed,
    ResultUnknown,
    SignatureError,
    TranslationError,
    TranslationWarning,
    TransportError,
    ValidationError,
    _apply_warning_options,
    _show_by_default,
)

if TYPE_CHECKING:
    from ._wire import from_wire, to_wire
    from .auditlog import AuditLog, audit_log
    from .client import MessageClient, Retries
    from .legacy import LegacyClient, TranslatingPoolManager
    from .models import (
        ContentTemplate,
        Result,
        SendByAccessTokenRequest,
        SendByAccessTokenResponse,
        SendInboxRequest,
        SendInboxResponse,
        SendRequest,
        SendResponse,
    )
    from .signing import RsaSigner, RsaVerifier
    from .translate import (
        Change,
        Policy,
        Translation,
        translate_response,
        translate_send_by_access_token,
        translate_send_inbox,
    )

__version__ = "0.1.0"

logging.getLogger("compat").addHandler(logging.NullHandler())
_show_by_default(LegacyEndpointWarning)
_apply_warning_options()

#: name -> the module it is imported from when first used: ``import compat`` (and so
#: ``compat audit``) loads neither the HTTP client stack nor the converter until then.
_LAZY = {
    "from_wire": "_wire",
    "to_wire": "_wire",
    "AuditLog": "auditlog",
    "audit_log": "auditlog",
    "MessageClient": "client",
    "Retries": "client",
    "LegacyClient": "legacy",
    "TranslatingPoolManager": "legacy",
    "ContentTemplate": "models",
    "Result": "models",
    "SendByAccessTokenRequest": "models",
    "SendByAccessTokenResponse": "models",
    "SendInboxRequest": "models",
    "SendInboxResponse": "models",
    "SendRequest": "models",
    "SendResponse": "models",
    "RsaSigner": "signing",
    "RsaVerifier": "signing",
    "Change": "translate",
    "Policy": "translate",
    "Translation": "translate",
    "translate_response": "translate",
    "translate_send_by_access_token": "translate",
    "translate_send_inbox": "translate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'compat' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ApiError",
    "AuditLog",
    "Change",
    "CompatError",
    "ContentTemplate",
    "FieldTooLongError",
    "LegacyClient",
    "LegacyEndpointWarning",
    "MessageClient",
    "MissingFieldError",
    "Policy",
    "RequestFailed",
    "Result",
    "ResultUnknown",
    "Retries",
    "RsaSigner",
    "RsaVerifier",
    "SendByAccessTokenRequest",
    "SendByAccessTokenResponse",
    "SendInboxRequest",
    "SendInboxResponse",
    "SendRequest",
    "SendResponse",
    "SignatureError",
    "TranslatingPoolManager",
    "Translation",
    "TranslationError",
    "TranslationWarning",
    "TransportError",
    "ValidationError",
    "__version__",
    "audit_log",
    "from_wire",
    "to_wire",
    "translate_response",
    "translate_send_by_access_token",
    "translate_send_inbox",
]
