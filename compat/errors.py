"""Exceptions and warning categories.

Every exception ``compat`` raises derives from :class:`CompatError`; the ones
about bad input also derive from :class:`ValueError`. Messages name the
endpoint, the wire field, the limit and what was given (its length or type),
never the value of a secret such as an access token.
"""

from __future__ import annotations

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


def _rebuild(cls: type[BaseException], message: str, state: dict[str, Any]) -> BaseException:
    """Unpickle an exception whose ``__init__`` takes keyword-only context."""
    exc = cls.__new__(cls)
    exc.args = (message,)
    exc.__dict__.update(state)
    return exc
