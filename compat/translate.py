"""Legacy request -> new request, and new response -> legacy response.

The rules are the contract's translation tables; names and limits come from
``compat._spec``. Every check runs before anything is sent. The payload given is
never modified.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable, Literal, NamedTuple, Optional, Union, overload

import attrs

from . import _spec
from ._validate import (
    Validator,
    _over,
    check_names,
    json_type,
    length_test,
    printable,
    string_test,
    template_checks,
    too_long,
)
from ._warn import warn
from ._wire import _compile, from_wire, to_wire, trusted_builder
from .errors import MissingFieldError, TranslationError, TranslationWarning, ValidationError
from .models import (
    LEGACY_MODELS,
    ContentTemplate,
    SendByAccessTokenRequest,
    SendByAccessTokenResponse,
    SendInboxRequest,
    SendInboxResponse,
    SendRequest,
    SendResponse,
)

__all__ = [
    "Change",
    "Policy",
    "Translation",
    "translate_response",
    "translate_send_by_access_token",
    "translate_send_inbox",
]

_NEW = _spec.SEND.request

#: The kinds of :class:`Change`, and which of them lose or invent data.
CHANGE_KINDS = ("renamed", "moved", "digested", "generated", "mapped", "defaulted", "dropped")
LOSSY_KINDS = frozenset({"digested", "generated", "dropped"})


def _one_of(*choices: str) -> Any:
    return attrs.validators.in_(choices)


def _check_optional_limit(wire: str) -> Any:
    limit = _NEW[wire].max_length
    assert limit is not None

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            msg = f"Policy.{attribute.name} must be a string, got {json_type(value)}"
            raise TypeError(msg)
        length = _over(value, limit)
        if length is not None:
            msg = (
                f"Policy.{attribute.name} is {length} characters long (UTF-16 code units); "
                f"the limit of {wire} is {limit}"
            )
            raise ValueError(msg)

    return check


def _freeze_codes(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


def _check_codes(
    instance: Any, attribute: attrs.Attribute[Any], value: Mapping[object, object]
) -> None:
    limit = _NEW["templateCode"].max_length
    assert limit is not None
    for old, new in value.items():
        if not isinstance(old, str) or not isinstance(new, str):
            msg = "Policy.template_codes must map strings to strings"
            raise TypeError(msg)
        length = _over(new, limit)
        if length is not None:
            msg = (
                f"Policy.template_codes maps {old!r} to a code {length} characters long; "
                f"the limit of templateCode is {limit}"
            )
            raise ValueError(msg)


@attrs.frozen
class Policy:
    """Every choice a migration must make, in one immutable place.

    Make a changed copy with :func:`attrs.evolve`.
    """

    #: appId used when a sendInbox call has no authClientId.
    app_id: Optional[str] = attrs.field(default=None, validator=_check_optional_limit("appId"))
    #: redirectUrl used when a call has none.
    default_redirect_url: Optional[str] = attrs.field(
        default=None, validator=_check_optional_limit("redirectUrl")
    )
    #: ``"error"``: a requestId over the new limit is a FieldTooLongError;
    #: ``"digest"``: it becomes the SHA-256 hex digest of its UTF-8 bytes.
    overlong_request_id: Literal["error", "digest"] = attrs.field(
        default="error", validator=_one_of("error", "digest")
    )
    #: ``"generate"``: a missing sendByAccessToken requestId becomes ``uuid4().hex``;
    #: ``"error"``: a MissingFieldError.
    missing_request_id: Literal["generate", "error"] = attrs.field(
        default="generate", validator=_one_of("generate", "error")
    )
    #: legacy templateCode -> new templateCode.
    template_codes: Mapping[str, str] = attrs.field(
        factory=dict, converter=_freeze_codes, validator=_check_codes, hash=False
    )
    #: ``"error"``: an unknown key is a ValidationError; ``"drop"``: it is dropped.
    unknown_fields: Literal["error", "drop"] = attrs.field(
        default="error", validator=_one_of("error", "drop")
    )
    #: keep ``pushContentUrl`` in templateParameters after moving it to redirectUrl.
    keep_moved_parameters: bool = False

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # template_codes is a read-only view, which pickle cannot copy: rebuild from a dict
        fields = {f.name: getattr(self, f.name) for f in attrs.fields(Policy)}
        fields["template_codes"] = dict(self.template_codes)
        return _policy, (fields,)


def _policy(fields: dict[str, Any]) -> Policy:
    return Policy(**fields)


class Change(NamedTuple):
    """One thing the translation changed: what kind, which field, and how."""

    #: renamed, moved, digested, generated, mapped, defaulted or dropped.
    kind: str
    #: the legacy field (its path, for template parameters).
    field: str
    detail: str

    @property
    def lossy(self) -> bool:
        """Whether the change loses or invents data (and so warns)."""
        return self.kind in LOSSY_KINDS

    def __str__(self) -> str:
        return f"{self.kind} {self.field}: {self.detail}"


@attrs.frozen
class Translation:
    """The result of translating one legacy request."""

    #: the legacy endpoint translated from.
    endpoint: str
    request: SendRequest
    changes: tuple[Change, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        """The JSON body to POST to ``/v2/miniprogram/message/send``."""
        return to_wire(self.request)


_TEMPLATE_KEYS = {
    alias: spec.wire for spec in _spec.CONTENT_TEMPLATE for alias in (spec.wire, spec.attr)
}


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


#: A missing requestId (``Policy(missing_request_id="generate")``), as the module to import
#: and the expression to write: the codemod writes out what :func:`new_request_id` does.
GENERATED_REQUEST_ID = ("uuid", "uuid.uuid4().hex")


#: The changes that are the same every time (changes are immutable).
_GENERATED = Change(
    "generated",
    "requestId",
    "none given: a random uuid4 was used, so retries of this call are not deduplicated",
)
_DEFAULTED_APP_ID = Change("defaulted", "appId", "from Policy.app_id")
_DEFAULTED_REDIRECT = Change("defaulted", "redirectUrl", "from Policy.default_redirect_url")


def _differ(one: Any, other: Any) -> bool:
    """Whether two values given for one field differ (values too deep to compare do:
    no field of the spec nests that deep, so the validator would refuse either)."""
    try:
        return bool(one != other)
    except RecursionError:
        return True


def new_request_id() -> str:
    """A fresh requestId for a call that has none: ``uuid.uuid4().hex``."""
    return uuid.uuid4().hex


_build_template = trusted_builder(ContentTemplate)
_build_request = trusted_builder(SendRequest)
_build_translation = trusted_builder(Translation)


class _Translator:
    """The translation of one legacy endpoint, prepared once from the spec."""

    def __init__(self, endpoint: _spec.Endpoint, model: type[Any]) -> None:
        self.endpoint = endpoint
        self.name = endpoint.name
        self.model = model
        redirect = _NEW["redirectUrl"]
        # The legacy fields, plus the redirectUrl a legacy caller may already give.
        self.input = _spec.Table(endpoint.request.name, (*endpoint.request.fields, redirect))
        self.validate = Validator(endpoint.name, self.input)
        # Valid, exact dicts, wire keys only: the usual payload needs nothing more than a copy.
        self.in_wire_form = Validator(endpoint.name, self.input, extra_keys="error").is_valid
        self.keys: dict[str, str] = {}
        for spec in self.input:
            self.keys[spec.wire] = self.keys[spec.attr] = spec.wire
        self.redirect_aliases = set()
        for alias in _spec.REDIRECT_ALIASES:
            for key in (alias, _snake(alias)):
                self.keys[key] = redirect.wire
                self.redirect_aliases.add(key)
        self.renames = endpoint.renames
        #: new wire name -> the legacy field it comes from (for messages).
        self.origin = {new: legacy for legacy, new in self.renames.items()}
        #: new fields whose limit is tighter than the legacy field they come from:
        #: only these need a second look once the legacy limits have passed.
        self.tightened: list[tuple[str, int]] = []
        for rule in endpoint.rules:
            if rule.legacy is None or rule.new is None:
                continue
            old, new = endpoint.request[rule.legacy], _NEW[rule.new]
            if (
                new.type == _spec.STRING
                and new.max_length is not None
                and (old.max_length is None or old.max_length > new.max_length)
            ):
                self.tightened.append((new.wire, new.max_length))
        self.request_id_limit = _NEW["requestId"].max_length or 0
        self.redirect_limit = redirect.max_length or 0
        #: (parameter, target, the change of moving it from each template, by index: as
        #: many as the endpoint's templates may be)
        templates = max(
            (spec.max_length or 0 for spec in self.input if spec.type == _spec.TEMPLATES),
            default=_spec.MAX_TEMPLATES,
        )
        self.moved = tuple(
            (
                parameter,
                target,
                tuple(
                    Change(
                        "moved",
                        f"templates[{index}].templateParameters.{parameter}",
                        f"-> {target}",
                    )
                    for index in range(templates)
                ),
            )
            for parameter, target in _spec.MOVED_PARAMETERS.items()
        )
        #: legacy name -> (new name, the change of renaming it): changes are immutable
        self.renamed = {
            legacy: (new, Change("renamed", legacy, f"{legacy} -> {new}"))
            for legacy, new in self.renames.items()
        }
        #: the usual payload's translation, generated (None: the rules below decide)
        self.usual = _usual_translation(self)

    def new_key(self, key: object) -> Optional[str]:
        """The new body's key for a legacy payload's top-level ``key`` (an alias, a wire or
        snake_case name); None for a key this endpoint does not know."""
        canonical = self.keys.get(key) if isinstance(key, str) else None
        if canonical is None:
            return None
        return self.renames.get(canonical, canonical)

    # -- input -------------------------------------------------------------

    def _keyed(
        self,
        payload: Mapping[Any, Any],
        keys: dict[str, str],
        prefix: str,
        policy: Policy,
        changes: list[Change],
    ) -> dict[str, Any]:
        """Copy ``payload`` with its keys made canonical (aliases, unknown keys)."""
        data: dict[str, Any] = {}
        given: dict[str, str] = {}
        for key, value in payload.items():
            canonical = keys.get(key) if isinstance(key, str) else None
            if canonical is None:
                field = prefix + printable(key)
                if policy.unknown_fields == "drop":
                    changes.append(Change("dropped", field, "unknown field dropped"))
                    continue
                msg = (
                    f"{self.name}: {field} is not a known field "
                    f"(known: {', '.join(sorted(set(keys.values())))}); "
                    'use Policy(unknown_fields="drop") to drop unknown fields'
                )
                raise ValidationError(msg, endpoint=self.name, field=field)
            if value is None:
                continue
            if canonical in data:
                if _differ(data[canonical], value):
                    msg = (
                        f"{self.name}: {prefix}{given[canonical]} and {prefix}{key} name the "
                        f"same field ({canonical}) with different values"
                    )
                    raise ValidationError(msg, endpoint=self.name, field=f"{prefix}{canonical}")
                continue
            data[canonical] = value
            given[canonical] = key
        return data

    def normalize(self, payload: Any, policy: Policy, changes: list[Change]) -> dict[str, Any]:
        """The payload as a fresh dict of wire keys; its templates as wire mappings."""
        if isinstance(payload, self.model):
            payload = to_wire(payload)
        elif not isinstance(payload, Mapping):
            msg = (
                f"{self.name}: the payload must be a mapping (wire or snake_case keys) or a "
                f"{self.model.__name__}, got {json_type(payload)}"
            )
            raise ValidationError(msg, endpoint=self.name, field="<payload>")
        data = self._keyed(payload, self.keys, "", policy, changes)
        changes.extend(
            Change("renamed", key, f"{key} -> redirectUrl")
            for key in self.redirect_aliases & payload.keys()
            if payload[key] is not None
        )
        templates = data.get("templates")
        if isinstance(templates, (list, tuple)):
            data["templates"] = [
                self._template(template, index, policy, changes)
                for index, template in enumerate(templates)
            ]
        return data

    def _template(self, template: Any, index: int, policy: Policy, changes: list[Change]) -> Any:
        if isinstance(template, ContentTemplate):
            return to_wire(template)
        if not isinstance(template, Mapping):
            return template  # the validator names the type
        return self._keyed(template, _TEMPLATE_KEYS, f"templates[{index}].", policy, changes)

    # -- rules -------------------------------------------------------------

    def __call__(self, payload: Any, policy: Policy) -> Translation:
        translation = self.usual(payload, policy)
        if translation is not None:
            return translation
        return self.rules(payload, policy)

    def rules(self, payload: Any, policy: Policy) -> Translation:
        """The translation of any payload, by the rules one after the other."""
        changes: list[Change] = []
        # whether a change may lose or invent data (and so warn): normalizing may drop
        # fields, and a requestId may be generated or digested below
        lossy = False
        if self.in_wire_form(payload):
            data: dict[str, Any] = payload.copy()  # optional fields may be None: absent
        else:
            data = self.normalize(payload, policy, changes)
            self.validate(data)
            lossy = True
        name = self.name

        for legacy, (new, renamed) in self.renamed.items():
            value = data.pop(legacy, None)
            if value is not None:
                data[new] = value
                changes.append(renamed)

        if policy.template_codes:
            code = data["templateCode"]
            mapped = policy.template_codes.get(code)
            if mapped is not None and mapped != code:
                data["templateCode"] = mapped  # within the limit: Policy checked it
                changes.append(Change("mapped", "templateCode", f"{code!r} -> {mapped!r}"))

        for wire, limit in self.tightened:
            value = data.get(wire)
            if value is not None and len(value) * 2 > limit:
                length = _over(value, limit)
                if length is not None and not (
                    wire == "requestId" and policy.overlong_request_id == "digest"
                ):
                    raise self._over_new_limit(wire, length, limit)

        if data.get("appId") is None:
            if policy.app_id is None:
                field = self.origin.get("appId", "appId")
                msg = (
                    f"{name}: {field} is missing and Policy.app_id is not set; "
                    f"{_spec.SEND.path} requires appId"
                )
                raise MissingFieldError(msg, endpoint=name, field=field)
            data["appId"] = policy.app_id
            changes.append(_DEFAULTED_APP_ID)

        request_id = data.get("requestId")
        if request_id is None:
            if policy.missing_request_id == "error":
                msg = f'{name}: requestId is missing (Policy(missing_request_id="error"))'
                raise MissingFieldError(msg, endpoint=name, field="requestId")
            data["requestId"] = new_request_id()
            changes.append(_GENERATED)
            lossy = True
        elif len(request_id) * 2 > self.request_id_limit:
            length = _over(request_id, self.request_id_limit)
            if length is not None:  # and the policy says digest, or it was raised above
                data["requestId"] = hashlib.sha256(request_id.encode("utf-8")).hexdigest()
                lossy = True
                changes.append(
                    Change(
                        "digested",
                        "requestId",
                        f"{length} characters, over the limit of {self.request_id_limit}: "
                        "replaced by the SHA-256 hex digest of its UTF-8 bytes",
                    )
                )

        templates = self._move_parameters(data, policy, changes)

        redirect = data.get("redirectUrl")
        if redirect is None:
            if policy.default_redirect_url is not None:
                redirect = policy.default_redirect_url
                changes.append(_DEFAULTED_REDIRECT)
            elif self.endpoint.redirect_required:
                msg = (
                    f"{name}: no redirectUrl: {_spec.SEND.path} requires one for INBOX "
                    "messages; give a top-level redirectUrl, a pushContentUrl template "
                    "parameter, or Policy.default_redirect_url"
                )
                raise MissingFieldError(msg, endpoint=name, field="redirectUrl")

        request = _build_request(
            data["appId"],
            data["accessToken"],
            data["requestId"],
            data["templateCode"],
            templates,
            redirect,
            data.get("extendInfo"),
        )
        if lossy:
            for change in changes:
                if change.kind in LOSSY_KINDS:
                    warn(f"{name}: {change}", TranslationWarning)
        return _build_translation(name, request, tuple(changes))

    def _move_parameters(
        self, data: dict[str, Any], policy: Policy, changes: list[Change]
    ) -> tuple[ContentTemplate, ...]:
        """Build the templates, moving pushContentUrl to redirectUrl on the way."""
        templates = data["templates"]
        # One private copy of each template's parameters, which the models then wrap.
        parameters = []
        for template in templates:
            params = template["templateParameters"]
            parameters.append(params.copy() if params.__class__ is dict else dict(params))
        for parameter, target, moves in self.moved:
            found = []
            for index, params in enumerate(parameters):
                if parameter in params:
                    found.append(index)
            if not found or not self._move_to(data, parameters, found, parameter, target):
                continue
            keep = policy.keep_moved_parameters
            for index in found:
                changes.append(moves[index])
                if not keep:
                    del parameters[index][parameter]
        built = []
        for params, template in zip(parameters, templates):
            built.append(_build_template(MappingProxyType(params), template.get("language")))
        return tuple(built)

    def _move_to(
        self,
        data: dict[str, Any],
        parameters: list[dict[str, str]],
        found: list[int],
        parameter: str,
        target: str,
    ) -> bool:
        """Set ``data[target]`` from the parameter found in these templates; False: leave it."""
        first = found[0]
        value = parameters[first][parameter]
        for index in found[1:]:
            if parameters[index][parameter] != value:
                msg = (
                    f"{self.name}: templates[{first}].templateParameters.{parameter} and "
                    f"templates[{index}].templateParameters.{parameter} differ; "
                    f"{_spec.SEND.path} has one {target} for all templates"
                )
                field = f"templates[{index}].templateParameters.{parameter}"
                raise TranslationError(msg, endpoint=self.name, field=field)
        top = data.get(target)
        if top is None:
            if len(value) * 2 > self.redirect_limit:
                length = _over(value, self.redirect_limit)
                if length is not None:
                    moved = f"templates[{first}].templateParameters.{parameter}"
                    raise self._over_new_limit(target, length, self.redirect_limit, moved)
            data[target] = value
            return True
        if top == value:
            return True
        if not self.endpoint.redirect_required:
            msg = (
                f"{self.name}: the top-level {target} and "
                f"templates[{first}].templateParameters.{parameter} differ; "
                f"{_spec.SEND.path} has one {target}"
            )
            raise TranslationError(msg, endpoint=self.name, field=target)
        return False  # sendInbox: a top-level redirectUrl comes first; the parameter stays.

    def _over_new_limit(
        self, wire: str, length: int, limit: int, moved: str = ""
    ) -> ValidationError:
        field = self.origin.get(wire, wire)
        hint = f" on {_spec.SEND.path}"
        if moved:  # the user wrote no such field: say which of theirs it is
            hint += f" (the value of {moved}, which moves there)"
        legacy = self.endpoint.request.by_wire.get(field)
        if legacy is not None and legacy.max_length != limit:
            hint += f" (the legacy limit was {legacy.max_length})"
        if field != wire:
            hint += f", where it is {wire}"
        if wire == "requestId":
            hint += '; shorten it or use Policy(overlong_request_id="digest")'
        elif wire == "templateCode":
            hint += "; map it to the new code with Policy.template_codes"
        return too_long(self.name, field, length, limit, hint)


def _usual_translation(translator: _Translator) -> Callable[[Any, Policy], Optional[Translation]]:
    """Generate the translation of the usual payload, straight-line, as the validator's
    ``is_valid`` is generated (one pass instead of a check and then the rules).

    The usual payload: an exact dict of the endpoint's wire fields and nothing else,
    each value within both endpoints' limits, every field the new body requires given,
    and each moved parameter (pushContentUrl) the same in every template, with no
    top-level field of its own. The policy changes nothing for it but whether moved
    parameters are kept. For it the generated code builds what :meth:`_Translator.rules`
    builds (the tests hold them to each other); for anything else it returns None, and
    the rules take the payload: a default, a generated or digested requestId, a mapped
    templateCode, a warning, an error naming the field.
    """
    if any(spec.type not in (_spec.STRING, _spec.TEMPLATES) for spec in translator.input):
        return lambda payload, policy: None  # pragma: no cover - no legacy table has one
    namespace = check_names(translator.input)
    namespace.update(
        NAME=translator.name,
        proxy=MappingProxyType,
        template_=_build_template,
        request_=_build_request,
        translation_=_build_translation,
    )
    bail = "return None"
    lines = [
        "def usual(data, policy):",
        "    if data.__class__ is not dict or not data.keys() <= KNOWN:",
        f"        {bail}",
        "    get = data.get",
    ]
    targets = set(_spec.MOVED_PARAMETERS.values())
    local: dict[str, str] = {}  # the new body's field -> the local holding its value
    renamed: list[str] = []  # the lines recording renames, in the rules' order
    for spec in translator.input:
        wire = translator.renames.get(spec.wire, spec.wire)
        new = _NEW[wire]
        var = local[wire] = f"v_{new.attr}"
        lines.append(f"    {var} = get({spec.wire!r})")
        if spec.type == _spec.TEMPLATES:
            continue  # read below, with the moves
        if wire in targets:  # a top-level value for a moved parameter: the rules decide
            lines += [f"    if {var} is not None:", f"        {bail}"]
            continue
        limits = [n for n in (spec.max_length, new.max_length) if n is not None]
        # a field the new body requires and the legacy one does not: the rules fill it in
        test = string_test(var, spec.required, min(limits) if limits else None, given=new.required)
        lines += [f"    if {test}:", f"        {bail}"]
        if spec.wire in translator.renamed:
            name = f"RENAMED_{spec.attr}"
            namespace[name] = translator.renamed[spec.wire][1]
            # as the rules: renamed when it has a value
            renamed += [f"    if {var} is not None:", f"        changes.append({name})"]
    code = local["templateCode"]
    lines += [
        "    codes = policy.template_codes",
        f"    if codes and {code} in codes:",
        f"        {bail}",
    ]
    spec = next(spec for spec in translator.input if spec.type == _spec.TEMPLATES)
    templates = local[spec.wire]
    most = min(n for n in (spec.max_length, _NEW[spec.wire].max_length) if n)
    lines += [
        f"    if {templates}.__class__ is not list or not "
        f"{spec.min_items or 0} <= len({templates}) <= {most}:",
        f"        {bail}",
        "    keep = policy.keep_moved_parameters",
        "    built = []",
    ]
    for index, (_parameter, _target, moves) in enumerate(translator.moved):
        namespace[f"MOVES_{index}"] = moves
        lines += [f"    moved_{index} = None", f"    found_{index} = []"]
    lines += [
        f"    for index, template in enumerate({templates}):",
        *template_checks("error", refuse=bail),
        "        template_parameters = template_parameters.copy()",
    ]
    for index, (parameter, _target, _moves) in enumerate(translator.moved):
        lines += [
            f"        if {parameter!r} in template_parameters:",
            f"            value = template_parameters[{parameter!r}]",
            f"            if moved_{index} is None:",
            f"                moved_{index} = value",
            f"            elif value != moved_{index}:",
            f"                {bail}",
            f"            found_{index}.append(MOVES_{index}[index])",
            "            if not keep:",
            f"                del template_parameters[{parameter!r}]",
        ]
    fields = [f.name for f in attrs.fields(ContentTemplate)]
    arguments = ", ".join(
        "proxy(template_parameters)" if name == "template_parameters" else name for name in fields
    )
    lines.append(f"        built.append(template_({arguments}))")
    lines += ["    changes = []", *renamed]
    for index, (_parameter, target, _moves) in enumerate(translator.moved):
        limit = _NEW[target].max_length or 0  # as the rules' limit of the target
        value = f"moved_{index}"
        lines += [
            f"    if {value} is not None:",
            f"        if {length_test(value, limit)}:",
            f"            {bail}",
            f"        {local[target]} = {value}",
            f"        changes += found_{index}",
        ]
    redirect = local[_NEW["redirectUrl"].wire]
    required = translator.endpoint.redirect_required
    when = "" if required else " and policy.default_redirect_url is not None"
    lines += [f"    if {redirect} is None{when}:", f"        {bail}"]
    values = []
    for field in attrs.fields(SendRequest):
        wire = next(s.wire for s in _NEW if s.attr == field.name)
        if wire == spec.wire:
            values.append("tuple(built)")
        else:
            values.append(local.get(wire, "None"))
    lines.append(f"    return translation_(NAME, request_({', '.join(values)}), tuple(changes))")
    usual: Callable[[Any, Policy], Optional[Translation]] = _compile(
        "usual", "\n".join(lines) + "\n", namespace
    )
    return usual


#: The translator of each legacy endpoint, by name: the shim, the gateway, the command
#: line and the codemod all run these.
TRANSLATORS: dict[str, _Translator] = {
    name: _Translator(endpoint, LEGACY_MODELS[name][0])
    for name, endpoint in _spec.LEGACY_ENDPOINTS.items()
}
_SEND_INBOX = TRANSLATORS[_spec.SEND_INBOX.name]
_SEND_BY_ACCESS_TOKEN = TRANSLATORS[_spec.SEND_BY_ACCESS_TOKEN.name]

_DEFAULT_POLICY = Policy()


def translate_send_inbox(
    payload: Union[SendInboxRequest, Mapping[str, Any]], policy: Policy = _DEFAULT_POLICY
) -> Translation:
    """Translate a legacy ``POST /v2/messages/sendInbox`` body.

    ``payload`` is a :class:`~compat.SendInboxRequest` or a mapping with wire
    (camelCase) or snake_case keys. Raises :class:`~compat.ValidationError` or
    :class:`~compat.TranslationError` before anything is sent; warns
    :class:`~compat.TranslationWarning` for lossy changes.
    """
    return _SEND_INBOX(payload, policy)


def translate_send_by_access_token(
    payload: Union[SendByAccessTokenRequest, Mapping[str, Any]],
    policy: Policy = _DEFAULT_POLICY,
) -> Translation:
    """Translate a legacy ``POST /v2/customers/message/sendByAccessToken`` body.

    Same conventions as :func:`translate_send_inbox`.
    """
    return _SEND_BY_ACCESS_TOKEN(payload, policy)


_RESPONSES: dict[str, type[Any]] = {name: models[1] for name, models in LEGACY_MODELS.items()}


@overload
def translate_response(
    endpoint: Literal["sendInbox"], response: Union[SendResponse, Mapping[str, Any]]
) -> SendInboxResponse: ...
@overload
def translate_response(
    endpoint: Literal["sendByAccessToken"], response: Union[SendResponse, Mapping[str, Any]]
) -> SendByAccessTokenResponse: ...
@overload
def translate_response(
    endpoint: str, response: Union[SendResponse, Mapping[str, Any]]
) -> Union[SendInboxResponse, SendByAccessTokenResponse]: ...
def translate_response(
    endpoint: str, response: Union[SendResponse, Mapping[str, Any]]
) -> Union[SendInboxResponse, SendByAccessTokenResponse]:
    """Turn a ``/v2/miniprogram/message/send`` response into the legacy endpoint's shape.

    ``endpoint`` is ``"sendInbox"`` or ``"sendByAccessToken"`` (or the legacy
    path). ``response`` is a :class:`~compat.SendResponse` or its wire body. A
    messageId is kept for sendInbox when the platform sent one, never invented.
    """
    legacy = None
    if isinstance(endpoint, str):
        legacy = _spec.LEGACY_ENDPOINTS.get(endpoint) or _spec.endpoint_for_path(endpoint)
    if legacy is None or not legacy.deprecated:
        msg = (
            f"translate_response() takes {' or '.join(map(repr, _RESPONSES))} "
            f"(or its path), got {printable(endpoint)[:80]!r}"
        )
        raise TranslationError(msg, endpoint=printable(endpoint)[:80])
    if not isinstance(response, SendResponse):
        response = from_wire(response, SendResponse)
    kwargs = {spec.attr: getattr(response, spec.attr) for spec in legacy.response}
    result: Union[SendInboxResponse, SendByAccessTokenResponse] = _RESPONSES[legacy.name](**kwargs)
    return result
