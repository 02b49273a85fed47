"""The request and response bodies of the three endpoints, as attrs classes.

Attributes are snake_case; on the wire (:func:`compat.to_wire`,
:func:`compat.from_wire`) they are camelCase, in the order of the endpoint
page. The models hold values only: validation against the endpoint's limits is
done by the translator and the client, so that a model can also carry what a
platform answered. An access token never shows in full in a repr.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Optional

import attrs

__all__ = [
    "ContentTemplate",
    "Result",
    "SendByAccessTokenRequest",
    "SendByAccessTokenResponse",
    "SendInboxRequest",
    "SendInboxResponse",
    "SendRequest",
    "SendResponse",
    "mask_secret",
]


#: What :func:`mask_secret` makes: at most two characters each side of one "…".
_MASKED = re.compile(r"[^…]{0,2}…[^…]{0,2}")


def mask_secret(value: object) -> str:
    """Show a secret by a few of its characters: at most 4, and at most a third of it
    (half at each end), so that two tokens can be told apart but neither guessed.
    A masked secret is shown as it is.

    >>> mask_secret("2019112719074101000700000077771xxxx")
    "'20…xx'"
    >>> mask_secret("short-token!")
    "'sh…n!'"
    """
    if not isinstance(value, str):
        return repr(value)
    if _MASKED.fullmatch(value):
        return f"'{value}'"
    shown = min(4, len(value) // 3)
    head, tail = (shown + 1) // 2, shown // 2
    return f"'{value[:head]}…{value[len(value) - tail :]}'"


_SECRET_FIELDS = ("accessToken",)


def mask_body(body: Any) -> Any:
    """A copy of a request body with its access token masked (as the inspection API shows it).

    Masking a masked body changes nothing.
    """
    if not isinstance(body, dict):
        return body
    masked = dict(body)
    for field in _SECRET_FIELDS:
        value = masked.get(field)
        if isinstance(value, str):
            masked[field] = mask_secret(value)[1:-1]
    return masked


def _frozen_parameters(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


def _parameters_repr(value: Mapping[str, str]) -> str:
    return repr(dict(value))


def _templates(value: Iterable[ContentTemplate]) -> tuple[ContentTemplate, ...]:
    return value if isinstance(value, tuple) else tuple(value)


@attrs.frozen
class ContentTemplate:
    """The template variables of a message, in one language."""

    template_parameters: Mapping[str, str] = attrs.field(
        converter=_frozen_parameters, repr=_parameters_repr
    )
    language: Optional[str] = None


@attrs.frozen
class Result:
    """The outcome the platform reports in every response."""

    #: S (success), F (failed), U (unknown: retry with the same requestId),
    #: A (accepted; legacy endpoints only).
    result_status: str
    result_code: str
    result_message: Optional[str] = None

    @property
    def succeeded(self) -> bool:
        """True for S, and for the legacy endpoints' A (accepted)."""
        return self.result_status in ("S", "A")


@attrs.frozen
class SendRequest:
    """A ``POST /v2/miniprogram/message/send`` request body."""

    app_id: str
    access_token: str = attrs.field(repr=mask_secret)
    request_id: str
    template_code: str
    templates: tuple[ContentTemplate, ...] = attrs.field(converter=_templates)
    redirect_url: Optional[str] = None
    extend_info: Optional[str] = None


@attrs.frozen
class SendResponse:
    """A ``POST /v2/miniprogram/message/send`` response body.

    ``extra`` keeps the fields a wallet sent that the spec does not list
    (read-only; not compared, not written by ``to_wire``).
    """

    result: Result
    message_id: Optional[str] = None
    extend_info: Optional[str] = None
    extra: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_parameters, kw_only=True, eq=False, repr=False
    )


@attrs.frozen
class SendInboxRequest:
    """A legacy ``POST /v2/messages/sendInbox`` request body."""

    access_token: str = attrs.field(repr=mask_secret)
    request_id: str
    template_code: str
    templates: tuple[ContentTemplate, ...] = attrs.field(converter=_templates)
    auth_client_id: Optional[str] = None
    extend_info: Optional[str] = None


@attrs.frozen
class SendInboxResponse:
    """A legacy ``POST /v2/messages/sendInbox`` response body."""

    result: Result
    message_id: Optional[str] = None
    extend_info: Optional[str] = None


@attrs.frozen
class SendByAccessTokenRequest:
    """A legacy ``POST /v2/customers/message/sendByAccessToken`` request body."""

    app_id: str
    access_token: str = attrs.field(repr=mask_secret)
    template_code: str
    templates: tuple[ContentTemplate, ...] = attrs.field(converter=_templates)
    request_id: Optional[str] = None
    extend_info: Optional[str] = None


@attrs.frozen
class SendByAccessTokenResponse:
    """A legacy ``POST /v2/customers/message/sendByAccessToken`` response body."""

    result: Result
    extend_info: Optional[str] = None


#: Each legacy endpoint's request and response models, by endpoint name: every table that
#: dispatches on a legacy endpoint (translators, responses, the wire converter) is made
#: from this one.
LEGACY_MODELS: dict[str, tuple[type[Any], type[Any]]] = {
    "sendInbox": (SendInboxRequest, SendInboxResponse),
    "sendByAccessToken": (SendByAccessTokenRequest, SendByAccessTokenResponse),
}
