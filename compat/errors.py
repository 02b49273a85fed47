"""Exceptions and warning categories.

Every exception ``compat`` raises derives from :class:`CompatError`; the ones
about bad input also derive from :class:`ValueError`. Messages name the
endpoint, the wire field, the limit and what was given (its length or type),
never the value of a secret such as an access token.
"""

from __future__ import annotations

import re
import sys
import warnings
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from .models import Result

__all__ = [
    "ApiError",
    "CompatError",
    "FieldTooLongError",
    "LegacyEndpointWarning",
    "MissingFieldError",
    "RequestFailed",
    "ResultUnknown",
    "SignatureError",
    "TranslationError",
    "TranslationWarning",
    "TransportError",
    "ValidationError",
]


class CompatError(Exception):
    """The root of every exception raised by ``compat``."""


class ValidationError(CompatError, ValueError):
    """A payload breaks a rule of an endpoint's spec; raised before any network I/O.

    :ivar endpoint: the endpoint whose rule is broken (``"sendInbox"``,
        ``"sendByAccessToken"`` or ``"send"``).
    :ivar field: the wire name of the field, with its path inside the payload
        for nested fields (``"templates[0].language"``).
    """

    def __init__(self, message: str, *, endpoint: str, field: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class MissingFieldError(ValidationError):
    """A required field is absent (or ``None``) and no policy supplies it."""


class FieldTooLongError(ValidationError):
    """A string (or list) is longer than its limit.

    :ivar limit: the maximum, in UTF-16 code units for strings, entries for lists.
    :ivar length: the actual length, in the same unit.
    """

    def __init__(self, message: str, *, endpoint: str, field: str, limit: int, length: int) -> None:
        super().__init__(message, endpoint=endpoint, field=field)
        self.limit = limit
        self.length = length


class TranslationError(CompatError, ValueError):
    """A legacy payload is valid on its own but cannot be translated unambiguously.

    For example two templates carrying different ``pushContentUrl`` values,
    which the new API can only send as one ``redirectUrl``.
    """

    def __init__(self, message: str, *, endpoint: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class ApiError(CompatError):
    """The platform answered with a result other than success.

    :ivar result: the platform's :class:`~compat.Result`.
    :ivar request_id: the requestId that was sent; sending again with the same
        requestId is safe (the platform deduplicates on it).
    """

    def __init__(self, message: str, *, result: Result, request_id: Optional[str]) -> None:
        super().__init__(message)
        self.result = result
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class RequestFailed(ApiError):
    """The platform answered ``F``: the request failed and must not be retried as is."""


class ResultUnknown(ApiError):
    """The platform answered ``U`` on every attempt: the outcome is unknown.

    The message may or may not have been delivered. Send again later with the
    same requestId; the platform delivers it at most once.
    """


class TransportError(CompatError):
    """The platform could not be reached (or did not answer) on any attempt.

    :ivar request_id: the requestId that was sent; retry later with the same one.
    """

    def __init__(self, message: str, *, request_id: Optional[str]) -> None:
        super().__init__(message)
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class SignatureError(CompatError):
    """A response's signature is missing or does not verify with the platform's public key.

    The request may have been processed: send again with the same requestId.

    :ivar request_id: the requestId that was sent.
    """

    def __init__(self, message: str, *, request_id: Optional[str]) -> None:
        super().__init__(message)
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class LegacyEndpointWarning(DeprecationWarning):
    """A deprecated endpoint was called (through the shim or an intercepted request)."""


class TranslationWarning(UserWarning):
    """A translation changed data in a lossy way: digested, generated or dropped."""


def _show_by_default(category: type[Warning]) -> None:
    """Show ``category`` once per call site unless the warning filters already decide.

    Python hides DeprecationWarning outside ``__main__`` by default, which would
    hide every deprecated call a library or service makes. When the first filter
    that applies to ``category`` unconditionally is that default,
    ``ignore::DeprecationWarning``, a ``default`` filter for ``category`` goes in
    front of it. Filters a user sets (``-W``, ``PYTHONWARNINGS``, pytest's
    ``filterwarnings``, ``simplefilter``) keep their say: they are inserted later, in
    front, or are already there and decide first (``simplefilter("ignore")``, for
    every warning, is not Python's default); and when ``-W`` or ``PYTHONWARNINGS`` was
    given, nothing is changed at all.
    """
    if sys.warnoptions:
        return
    for action, message, filtered, module, lineno in warnings.filters:
        # message and module are compiled patterns, or plain strings in the C defaults
        if getattr(message, "pattern", message) or getattr(module, "pattern", module):
            continue  # conditional: does not decide for every call site
        if lineno or not issubclass(category, filtered):
            continue
        if action == "ignore" and filtered is DeprecationWarning:
            warnings.filterwarnings("default", category=category)
        return


def _apply_warning_options() -> None:
    """Apply the ``-W`` and ``PYTHONWARNINGS`` options that name compat's categories.

    Python reads those options at start-up, before site-packages can be imported,
    so it drops ``-W error::compat.LegacyEndpointWarning`` (saying "Invalid -W
    option ignored"). compat applies such options itself, in the same order,
    when it is imported.
    """
    categories = {f"compat.{c.__name__}": c for c in (LegacyEndpointWarning, TranslationWarning)}
    categories.update({f"compat.errors.{c.__name__}": c for c in categories.values()})
    actions = ("default", "error", "ignore", "always", "module", "once")
    for option in sys.warnoptions:
        fields = [field.strip() for field in option.split(":")]
        if len(fields) < 3 or fields[2] not in categories:
            continue
        fields += [""] * (5 - len(fields))
        action, message, category, module, lineno = fields[:5]
        chosen = [a for a in actions if a.startswith(action)] if action else ["default"]
        if len(chosen) != 1 or (lineno and not lineno.isdigit()):
            continue
        warnings.filterwarnings(
            chosen[0],  # type: ignore[arg-type]
            message=re.escape(message),
            category=categories[category],
            module=re.escape(module) + r"\Z" if module else "",
            lineno=int(lineno or 0),
        )


def _rebuild(cls: type[BaseException], message: str, state: dict[str, Any]) -> BaseException:
    """Unpickle an exception whose ``__init__`` takes keyword-only context."""
    exc = cls.__new__(cls)
    exc.args = (message,)
    exc.__dict__.update(state)
    return exc
