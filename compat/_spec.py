"""The endpoints, their fields and the legacy -> new rules, written down once.

Everything else reads these tables: the models are checked against them, the
wire converter takes its names and field order from them, the validator its
types and limits, the translator its renames and limits, ``MIGRATION.md`` its
field tables (``python -m compat._docs`` writes them), and the audit and codemod
their paths and field names.

Lengths are counted in UTF-16 code units: the platform runs on Java, where a
character outside the Basic Multilingual Plane counts twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Data types, as the endpoint pages name them.
STRING = "String"
TEMPLATES = "Array<ContentTemplate>"
PARAMETERS = "Map<String, String>"
RESULT = "Result"


@attrs.frozen
class FieldSpec:
    """One field of a request or response body."""

    #: camelCase name on the wire.
    wire: str
    #: snake_case attribute name on the model; also accepted as a key alias.
    attr: str
    #: one of STRING, TEMPLATES, PARAMETERS, RESULT.
    type: str
    required: bool
    #: maximum length in UTF-16 code units (strings) or entries (arrays).
    max_length: Optional[int] = None
    #: minimum number of entries (arrays only).
    min_items: Optional[int] = None
    #: what the field is, in a few words.
    notes: str = ""

    @property
    def limit_text(self) -> str:
        """The limit as the docs tables show it."""
        if self.type == TEMPLATES:
            return f"{self.min_items}..{self.max_length} entries"
        return str(self.max_length) if self.max_length is not None else "-"


@attrs.frozen
class Table:
    """The fields of one body, in the order the endpoint page lists them."""

    name: str
    fields: tuple[FieldSpec, ...]
    by_wire: dict[str, FieldSpec] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "by_wire", {f.wire: f for f in self.fields})

    def __getitem__(self, wire: str) -> FieldSpec:
        return self.by_wire[wire]

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)


@attrs.frozen
class FieldRule:
    """One row of a legacy endpoint's migration table."""

    #: the legacy wire field, or None for a field only the new API has.
    legacy: Optional[str]
    #: the new wire field, or None for a field the new API does not have.
    new: Optional[str]
    #: what the translator does, in words (MIGRATION.md shows it).
    rule: str


@attrs.frozen
class Endpoint:
    """An endpoint: its name, path, bodies and, for legacy ones, the way across."""

    name: str
    path: str
    request: Table
    response: Table
    #: result statuses the endpoint answers with.
    statuses: tuple[str, ...]
    #: the endpoint that replaces this one (None for the new endpoint).
    replacement: Optional[str] = None
    #: legacy -> new field rules (empty for the new endpoint).
    rules: tuple[FieldRule, ...] = ()
    #: whether a translated call must end up with a redirectUrl (INBOX messages do).
    redirect_required: bool = False
    #: the method of ``compat.LegacyClient`` that makes this legacy call (legacy ones only).
    shim_method: Optional[str] = None

    @property
    def deprecated(self) -> bool:
        return self.replacement is not None

    @property
    def cli_name(self) -> str:
        """The endpoint as the command line names it: ``sendInbox`` -> ``send-inbox``."""
        return "".join("-" + c.lower() if c.isupper() else c for c in self.name)

    @property
    def renames(self) -> dict[str, str]:
        """Legacy wire name -> new wire name, for the fields whose name changes."""
        return {
            r.legacy: r.new
            for r in self.rules
            if r.legacy is not None and r.new is not None and r.legacy != r.new
        }


def _s(
    wire: str,
    attr: str,
    required: bool,
    max_length: Optional[int],
    notes: str,
) -> FieldSpec:
    return FieldSpec(wire, attr, STRING, required, max_length, None, notes)


def _templates(notes: str) -> FieldSpec:
    return FieldSpec("templates", "templates", TEMPLATES, True, MAX_TEMPLATES, 1, notes)


#: A message carries 1 to MAX_TEMPLATES content templates (one per language).
MAX_TEMPLATES = 5

CONTENT_TEMPLATE = Table(
    "ContentTemplate",
    (
        FieldSpec(
            "templateParameters",
            "template_parameters",
            PARAMETERS,
            True,
            notes="values for the template's ${variables}",
        ),
        _s("language", "language", False, None, 'e.g. "en-US"'),
    ),
)

RESULT_TABLE = Table(
    "Result",
    (
        _s("resultStatus", "result_status", True, 1, "S, F, U (or A on legacy endpoints)"),
        _s("resultCode", "result_code", True, 64, 'e.g. "SUCCESS"'),
        _s("resultMessage", "result_message", False, 256, "human-readable detail"),
    ),
)

_RESULT_FIELD = FieldSpec("result", "result", RESULT, True, notes="status and error code")
_EXTEND_INFO = _s("extendInfo", "extend_info", False, 4096, "free-form extension data")
_ACCESS_TOKEN = _s("accessToken", "access_token", True, 128, "the user's access token (secret)")
_APP_ID = _s("appId", "app_id", True, 32, "the mini program's app ID")

#: The one endpoint that replaces both legacy ones.
SEND = Endpoint(
    name="send",
    path="/v2/miniprogram/message/send",
    request=Table(
        "SendRequest",
        (
            _APP_ID,
            _ACCESS_TOKEN,
            _s("requestId", "request_id", True, 64, "idempotency key"),
            _s("templateCode", "template_code", True, 64, "template chosen on the portal"),
            _s(
                "redirectUrl",
                "redirect_url",
                False,
                2048,
                "page opened on click; required for PUSH and INBOX messages",
            ),
            _templates("content templates, one per language"),
            _EXTEND_INFO,
        ),
    ),
    response=Table(
        "SendResponse",
        (
            _RESULT_FIELD,
            _s(
                "messageId", "message_id", False, 64, "ID of the message, when the wallet sends one"
            ),
            _EXTEND_INFO,
        ),
    ),
    statuses=("S", "F", "U"),
)

SEND_INBOX = Endpoint(
    name="sendInbox",
    path="/v2/messages/sendInbox",
    request=Table(
        "SendInboxRequest",
        (
            _ACCESS_TOKEN,
            _s("authClientId", "auth_client_id", False, 128, "the mini program's app ID"),
            _s("requestId", "request_id", True, 128, "idempotency key"),
            _s("templateCode", "template_code", True, 256, "template chosen on the portal"),
            _templates("content templates of the inbox message"),
            _EXTEND_INFO,
        ),
    ),
    response=Table(
        "SendInboxResponse",
        (
            _RESULT_FIELD,
            _s("messageId", "message_id", False, 258, "ID of the message"),
            _EXTEND_INFO,
        ),
    ),
    statuses=("S", "A", "F", "U"),
    replacement="send",
    rules=(
        FieldRule("accessToken", "accessToken", "copied"),
        FieldRule(
            "authClientId",
            "appId",
            "renamed; when absent, `Policy.app_id`; neither: `MissingFieldError`; "
            "longer than the new limit: `FieldTooLongError`",
        ),
        FieldRule(
            "requestId",
            "requestId",
            "copied when within the new limit; longer: `FieldTooLongError`, or its "
            'SHA-256 hex digest with `Policy(overlong_request_id="digest")`',
        ),
        FieldRule(
            "templateCode",
            "templateCode",
            "`Policy.template_codes` maps it first; then longer than the new limit: "
            "`FieldTooLongError`",
        ),
        FieldRule(
            "templates",
            "templates",
            "copied; a `pushContentUrl` template parameter moves to `redirectUrl`",
        ),
        FieldRule(
            None,
            "redirectUrl",
            "first of: a top-level `redirectUrl` (or its alias `actionUrl`) in the payload; "
            "a moved `pushContentUrl`; `Policy.default_redirect_url`; else `MissingFieldError` "
            "(sendInbox messages are INBOX messages, which need one)",
        ),
        FieldRule("extendInfo", "extendInfo", "copied"),
    ),
    redirect_required=True,
    shim_method="send_inbox",
)

SEND_BY_ACCESS_TOKEN = Endpoint(
    name="sendByAccessToken",
    path="/v2/customers/message/sendByAccessToken",
    request=Table(
        "SendByAccessTokenRequest",
        (
            _APP_ID,
            _ACCESS_TOKEN,
            # Required by the endpoint page's table, yet its own sample omits it.
            _s("requestId", "request_id", False, 64, "idempotency key (required, often omitted)"),
            _s("templateCode", "template_code", True, 64, "template chosen on the portal"),
            _templates("content templates, one per language"),
            _EXTEND_INFO,
        ),
    ),
    response=Table(
        "SendByAccessTokenResponse",
        (_RESULT_FIELD, _EXTEND_INFO),
    ),
    statuses=("S", "A", "F", "U"),
    replacement="send",
    rules=(
        FieldRule("appId", "appId", "copied"),
        FieldRule("accessToken", "accessToken", "copied"),
        FieldRule(
            "requestId",
            "requestId",
            'copied; when absent, `uuid4().hex` (`Policy(missing_request_id="generate")`, '
            'the default) or `MissingFieldError` (`"error"`)',
        ),
        FieldRule("templateCode", "templateCode", "copied; `Policy.template_codes` maps it first"),
        FieldRule(
            "templates",
            "templates",
            "copied; a `pushContentUrl` template parameter moves to `redirectUrl` (removed "
            "from the parameters unless `Policy.keep_moved_parameters`)",
        ),
        FieldRule(
            None,
            "redirectUrl",
            "a moved `pushContentUrl`, or a top-level `redirectUrl`/`actionUrl`; different "
            "values: `TranslationError`; none: `Policy.default_redirect_url`, else omitted",
        ),
        FieldRule("extendInfo", "extendInfo", "copied"),
    ),
    shim_method="send_by_access_token",
)

#: All endpoints by name.
ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (SEND, SEND_INBOX, SEND_BY_ACCESS_TOKEN)}
#: The deprecated endpoints by name.
LEGACY_ENDPOINTS: dict[str, Endpoint] = {n: e for n, e in ENDPOINTS.items() if e.deprecated}

#: The deprecated endpoints by the name of the LegacyClient method that calls each.
SHIM_METHODS: dict[str, Endpoint] = {
    e.shim_method: e for e in LEGACY_ENDPOINTS.values() if e.shim_method is not None
}

#: Top-level keys accepted as another name of ``redirectUrl`` (the new endpoint's
#: own sample shows ``actionUrl``, which its table does not list).
REDIRECT_ALIASES: tuple[str, ...] = ("actionUrl",)

#: Template parameters that carry what the new API has as a top-level field.
MOVED_PARAMETERS: dict[str, str] = {"pushContentUrl": "redirectUrl"}

#: Result statuses and what they mean for the caller.
RESULT_STATUSES: dict[str, str] = {
    "S": "success",
    "A": "accepted (legacy endpoints only)",
    "F": "failed; do not retry as is",
    "U": "unknown; retry with the same requestId",
}

#: Platform result codes: code -> (status, meaning). Common to all Mini Program
#: OpenAPIs, then gateway-level, then endpoint-specific ones.
RESULT_CODES: dict[str, tuple[str, str]] = {
    "SUCCESS": ("S", "success"),
    "ACCEPT": ("A", "accepted by the wallet"),
    "PROCESS_FAIL": ("F", "general business failure"),
    "PARAM_ILLEGAL": ("F", "illegal parameters"),
    "INVALID_API": ("F", "API invalid or not active"),
    "ACCESS_DENIED": ("F", "access denied"),
    "REQUEST_TRAFFIC_EXCEED_LIMIT": ("F", "rate limit exceeded"),
    "EXPIRED_ACCESS_TOKEN": ("F", "access token expired"),
    "UNKNOWN_EXCEPTION": ("U", "unknown; call again with the same requestId"),
    "METHOD_NOT_SUPPORTED": ("F", "HTTP method not supported"),
    "MEDIA_TYPE_NOT_ACCEPTABLE": ("F", "media type not acceptable"),
    "INVALID_CLIENT": ("F", "unknown Client-Id"),
    "INVALID_SIGNATURE": ("F", "request signature does not verify"),
    "REPEAT_REQ_INCONSISTENT": ("F", "same requestId, different request"),
    "INVALID_ACCESS_TOKEN": ("F", "the access token is invalid"),
    "INVALID_AUTH_CLIENT": ("F", "the authClientId (app ID) is invalid"),
    "USER_STATUS_ERROR": ("F", "the user account is locked or unregistered"),
    "VERIFY_REQUEST_ID_INVALID": ("F", "the requestId is invalid"),
    "TEMPLATE_NOT_EXIST": ("F", "no such template"),
    "USER_NOT_SUBSCRIBED": ("F", "the user is not subscribed"),
    "MESSAGE_SEND_EXCEED_LIMIT": ("F", "message sending limit exceeded"),
}


def result(code: str, message: str) -> dict[str, str]:
    """The wire ``result`` for a platform result code, its status from RESULT_CODES."""
    return {"resultStatus": RESULT_CODES[code][0], "resultCode": code, "resultMessage": message}


def endpoint_for_path(path: str) -> Optional[Endpoint]:
    """The endpoint a request path is for, ignoring any wallet prefix and query."""
    path = path.split("?", 1)[0].rstrip("/")
    for endpoint in ENDPOINTS.values():
        if path == endpoint.path or path.endswith(endpoint.path):
            return endpoint
    return None
