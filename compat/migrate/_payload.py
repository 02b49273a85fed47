"""A legacy payload written in the source, run through the translator itself.

The codemod has no rules of its own: it reads the payload literal into a value,
with a *stand-in* string for every expression it cannot evaluate, runs the very
translator the shim runs (``compat.translate``), and writes the translation
back into the source, each stand-in replaced by the expression it stands for.

A stand-in is one value; the expression it stands for can take any. So the
rewrite is also checked in other *worlds*: each stand-in made long (past each
limit of the spec), or equal to any other string the payload or the policy
holds (a ``template_codes`` key, another field). In every world, the rewrite
must send what the translator would send, or both must refuse the call. Where
they differ, what the shim sends depends on a value the source does not fix,
and the site is left for manual work, with that reason.

Non-literal values are taken to be strings, as the legacy fields are.
"""

from __future__ import annotations

import ast
import warnings
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import attrs
import libcst as cst

from .. import _spec
from .._validate import Validator
from ..errors import CompatError
from ..translate import _TEMPLATE_KEYS, GENERATED_REQUEST_ID, TRANSLATORS, Policy
from ._options import DEFAULT_POLICY, Options
from ._plan import names

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    from ._plan import Context

__all__ = ["Manual", "Options", "generated_once", "translate_dict", "translate_keywords"]

_NEW = _spec.SEND.request
_CHECK_NEW = Validator(_spec.SEND.name, _NEW, extra_keys="error")


def _lengths() -> list[int]:
    """Lengths at which a stand-in is tried: just past every limit of the spec."""
    return sorted(
        {
            spec.max_length + 1
            for table in (_NEW, *(e.request for e in _spec.LEGACY_ENDPOINTS.values()))
            for spec in table
            if spec.type == _spec.STRING and spec.max_length is not None
        }
    )


class Manual(Exception):
    """This site cannot be migrated safely; the message says why. ``at``: the part of the
    payload it could not read, when that is what stopped it."""

    def __init__(self, message: str, at: Optional[cst.CSTNode] = None) -> None:
        super().__init__(message)
        self.at = at


# -- reading the source ------------------------------------------------------------------


@attrs.define(eq=False)
class _Unknown:
    """An expression of the source whose value the codemod cannot know."""

    node: cst.BaseExpression
    code: str
    #: the stand-in this expression is in the base world
    token: str
    #: set when the expression depends on the comprehension that builds the templates
    loop: bool = False
    #: set when the source does not fix that the expression is not None
    nullable: bool = True


@attrs.define(eq=False)
class _Generated:
    """A value the translator makes up: written as the expression that makes it."""

    module: str
    code: str


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


_LITERALS = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.UnaryOperation,
)


def _literal(node: cst.BaseExpression) -> tuple[bool, Any]:
    """(True, value) for a literal (a string, a number, None, True, False)."""
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return True, {"None": None, "True": True, "False": False}[node.value]
    if isinstance(node, _LITERALS):
        try:
            return True, ast.literal_eval(_code(node).strip())
        except (ValueError, SyntaxError):
            return False, None
    return False, None


def _pure(node: cst.BaseExpression) -> bool:
    """Whether two copies of the expression have the same value: names, attributes, and
    strings made of them (an f-string, a ``+``) and of literals."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _pure(node.value)
    if isinstance(node, cst.FormattedString):
        return all(
            isinstance(part, cst.FormattedStringText)
            or (
                isinstance(part, cst.FormattedStringExpression)
                and _pure(part.expression)
                and all(isinstance(p, cst.FormattedStringText) for p in part.format_spec or ())
            )
            for part in node.parts
        )
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return all(_literal(side)[0] or _pure(side) for side in (node.left, node.right))
    return False


#: What every stand-in starts with (a private-use character).
_STAND_IN = "\ue000"


def _own(value: Any, field: str) -> Any:
    """``value``, a literal of the source, unless it holds what stand-ins are made of
    (it would be taken for one, and written back as the expression it stands for)."""
    if isinstance(value, str) and _STAND_IN in value:
        msg = (
            f"{field or 'the payload'} holds U+E000, the character compat migrate marks "
            "unknown values with, so what the shim does with it cannot be proven here"
        )
        raise Manual(msg)
    return value


class _Reader:
    """Reads a payload literal into a value, with stand-ins for what is not literal."""

    def __init__(self, never_none: Callable[[cst.BaseExpression], bool]) -> None:
        self.never_none = never_none
        self.unknowns: list[_Unknown] = []
        self._shared: dict[str, _Unknown] = {}
        #: the names a comprehension binds, while reading its element
        self.loop: set[str] = set()
        self.iteration = 0
        #: the first literal of the source that spells each string read
        self.strings: dict[str, cst.BaseExpression] = {}

    def unknown(self, node: cst.BaseExpression) -> str:
        code = _code(node).strip()
        loop = bool(self.loop and names(node) & self.loop)
        key = f"{self.iteration}:{code}" if loop else code
        shared = self._shared.get(key) if _pure(node) else None
        if shared is None:
            token = _STAND_IN + chr(0xE100 + len(self.unknowns))
            shared = _Unknown(node, code, token, loop, not self.never_none(node))
            self.unknowns.append(shared)
            if _pure(node):
                self._shared[key] = shared
        return shared.token

    def value(self, node: cst.BaseExpression, kind: str = _spec.STRING, field: str = "") -> Any:
        """The value of ``node`` for a field of the spec type ``kind``."""
        found, value = _literal(node)
        if found:
            if isinstance(value, str):
                self.strings.setdefault(value, node)
            return _own(value, field)
        if kind == _spec.TEMPLATES:
            return self.templates(node, field)
        if isinstance(node, cst.Dict):
            return self.mapping(node, kind, field)
        if kind in (_spec.PARAMETERS, _TEMPLATE):
            msg = (
                f"{field} is not written out here as a dict literal, so what the shim does "
                "with it cannot be seen"
            )
            raise Manual(msg, node)
        if isinstance(node, (cst.List, cst.Tuple)):
            return [self.value(e.value, _spec.STRING, field) for e in node.elements]
        return self.unknown(node)

    def mapping(self, node: cst.Dict, kind: str, field: str) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                where = field or "the payload"
                msg = f"{where} unpacks another mapping (**): its keys cannot be read"
                raise Manual(msg)
            found, key = _literal(element.key)
            if not found or not isinstance(key, str):
                msg = f"{field or 'the payload'} has a key that is not a string literal"
                raise Manual(msg)
            _own(key, field)
            if key in out:
                msg = f"{field or 'the payload'} names {key!r} twice"
                raise Manual(msg)
            out[key] = self.value(element.value, _child_kind(kind, key), _path(field, key))
        return out

    def templates(self, node: cst.BaseExpression, field: str) -> list[Any]:
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for index, element in enumerate(node.elements):
                if not isinstance(element, cst.Element):
                    msg = f"{field} unpacks another list (*)"
                    raise Manual(msg)
                items.append(self.value(element.value, _TEMPLATE, f"{field}[{index}]"))
            return items
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            # two turns of the loop, each with its own stand-ins for what the loop binds
            bound: set[str] = set()
            clause: Optional[cst.CompFor] = node.for_in
            while clause is not None:
                bound |= names(clause.target)
                clause = clause.inner_for_in
            self.loop = bound
            try:
                turns = []
                for self.iteration in (1, 2):
                    turns.append(self.value(node.elt, _TEMPLATE, f"{field}[{self.iteration - 1}]"))
            finally:
                self.loop, self.iteration = set(), 0
            return turns
        msg = f"{field} is not written out here as a list literal or comprehension"
        raise Manual(msg, node)


_TEMPLATE = "template"


def _child_kind(kind: str, key: str) -> str:
    if kind == _TEMPLATE:
        spec = _spec.CONTENT_TEMPLATE.by_wire.get(_TEMPLATE_KEYS.get(key, key))
        return spec.type if spec is not None else _spec.STRING
    if kind == _spec.PARAMETERS:
        return _spec.STRING
    spec = _spec.SEND.request.by_wire.get(key)
    for endpoint in _spec.LEGACY_ENDPOINTS.values():
        spec = spec or endpoint.request.by_wire.get(key)
        spec = spec or next((s for s in endpoint.request if s.attr == key), None)
    return spec.type if spec is not None else _spec.STRING


def _path(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


# -- worlds ----------------------------------------------------------------------------


#: Where a string sits in a payload (or a body): the keys and indexes down to it.
_Place = tuple[Union[str, int], ...]


def _places(value: Any, place: _Place = ()) -> dict[str, list[_Place]]:
    """Each string of a payload (or of the translator's body) and where it sits: a world
    then copies only the lists and dicts on the way to its stand-in."""
    found: dict[str, list[_Place]] = {}
    if isinstance(value, str):
        found[value] = [place]
    elif isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            for text, places in _places(item, (*place, key)).items():
                found.setdefault(text, []).extend(places)
    return found


def _put(value: Any, places: Sequence[_Place], new: Optional[str], depth: int = 0) -> Any:
    """``value`` with ``new`` at each of ``places`` (a string's, from :func:`_places`):
    what no place goes through is shared with ``value``, which the translator only reads."""
    if not places:
        return value
    if len(places[0]) == depth:
        return new
    below: dict[Union[str, int], list[_Place]] = {}
    for place in places:
        below.setdefault(place[depth], []).append(place)
    copy = value.copy()
    for key, under in below.items():
        copy[key] = _put(value[key], under, new, depth + 1)
    return copy


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _worlds(
    tokens: Sequence[str],
    payload: Any,
    policy: Policy,
    lengths: Sequence[int],
    nullable: Collection[str],
) -> Iterator[tuple[str, Optional[str]]]:
    """Other values the stand-ins may take, one stand-in at a time: long ones
    (``lengths``), equal to every other string, and None for those ``nullable``.

    Two stand-ins made equal are tried once: the world where ``a`` takes ``b``'s value
    and the one where ``b`` takes ``a``'s differ only in which of two stand-ins of the
    same length and kind both places hold, which the translator cannot tell apart.
    """
    every = set(tokens)
    others = {s for s in _strings(payload) if s not in every}
    others.update(policy.template_codes)
    others.update(v for v in (policy.app_id, policy.default_redirect_url) if v is not None)
    for index, token in enumerate(tokens):
        for length in lengths:
            yield token, token + "x" * (length - len(token))
        for other in sorted(others.union(tokens[index + 1 :])):
            yield token, other
        if token in nullable:
            yield token, None


def _translate(name: str, payload: Any, policy: Policy) -> tuple[bool, Any]:
    """(True, new body) or (False, the error) from the translator the shim runs (its lossy
    changes' warnings are silenced by the caller)."""
    try:
        translation = TRANSLATORS[name](payload, policy)
    except CompatError as err:
        return False, err
    body = translation.to_wire()
    if any(c.kind == "generated" and c.field == "requestId" for c in translation.changes):
        body["requestId"] = _GENERATED
    return True, body


_GENERATED = _Generated(*GENERATED_REQUEST_ID)


def _leaves(body: Any, unknowns: dict[str, _Unknown]) -> Any:
    """The translator's body with each stand-in back as the expression it stands for."""
    if isinstance(body, str):
        unknown = unknowns.get(body)
        if unknown is not None:
            return unknown
        if any(token in body for token in unknowns):  # pragma: no cover - no rule computes one
            msg = "the new body would hold a value computed from an expression of the source"
            raise Manual(msg)
        return body
    if isinstance(body, dict):
        return {k: _leaves(v, unknowns) for k, v in body.items()}
    if isinstance(body, list):
        return [_leaves(v, unknowns) for v in body]
    return body


def _sent(body: Any) -> tuple[bool, Any]:
    """What the new endpoint makes of a body: (True, it) or (False, None) when refused.

    The body is the translator's (plain dicts, lists and strings), for which the
    validator's fast check is exact; were it ever not, the check says no, the rewrite
    and the shim then differ, and the site is left for manual work.
    """
    check = {**body, "requestId": "0" * 32} if body.get("requestId") is _GENERATED else body
    return (True, body) if _CHECK_NEW.is_valid(check) else (False, None)


def _same(expected: tuple[bool, Any], got: tuple[bool, Any]) -> bool:
    if not expected[0] or not got[0]:
        return expected[0] == got[0]
    return bool(expected[1] == got[1])


def _reason(err: Any, unknowns: Sequence[_Unknown]) -> str:
    text = str(err)
    for unknown in unknowns:
        text = text.replace(repr(unknown.token), unknown.code).replace(unknown.token, unknown.code)
    return text


# -- writing the source ----------------------------------------------------------------


def _string(value: str, quote: str = '"') -> cst.SimpleString:
    """A string literal for ``value``, in ``quote`` (``"`` or ``'``) unless it holds one."""
    text = repr(value)  # in single quotes, unless it holds one and no double quote
    if quote == '"' and text[0] == "'" and '"' not in value:
        text = f'"{text[1:-1]}"'
    return cst.SimpleString(text)


def _quote(nodes: Iterable[Optional[cst.CSTNode]]) -> str:
    """The quote the first string literal of ``nodes`` is written in (``"`` if none)."""
    return next((n.quote[0] for n in nodes if isinstance(n, cst.SimpleString)), '"')


def _element(key: str, value: cst.BaseExpression, quote: str = '"') -> cst.DictElement:
    return cst.DictElement(
        _string(key, quote),
        value,
        whitespace_before_colon=cst.SimpleWhitespace(""),
        whitespace_after_colon=cst.SimpleWhitespace(" "),
    )


def _renamed(key: cst.BaseExpression, name: str) -> cst.BaseExpression:
    if isinstance(key, cst.SimpleString) and key.prefix.lower() in ("", "u"):
        return key.with_changes(value=f"{key.prefix}{key.quote}{name}{key.quote}")
    return _string(name)


def _with_commas(
    elements: Sequence[cst.BaseDictElement], like: Sequence[cst.BaseDictElement]
) -> list[cst.BaseDictElement]:
    """Commas after every element but the last, in the style of ``like`` (the original).

    An element keeps its own comma (and so its line); an inserted one takes the comma
    of the element before it; the last takes the original last one's (trailing or not).
    """
    between = next(
        (e.comma for e in like[:-1] if isinstance(e.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    last = like[-1].comma if like else cst.MaybeSentinel.DEFAULT
    out: list[cst.BaseDictElement] = []
    for index, element in enumerate(elements):
        if index == len(elements) - 1:
            comma = last
        elif isinstance(element.comma, cst.Comma) and element.comma is not last:
            comma = element.comma
        elif out and isinstance(out[-1].comma, cst.Comma):
            comma = out[-1].comma
        else:
            comma = between
        out.append(element.with_changes(comma=comma))
    return out


class _Writer:
    def __init__(self, translator: Any, strings: dict[str, cst.BaseExpression], quote: str) -> None:
        self.translator = translator
        self.needs: set[str] = set()
        #: the source's literals by value: a string the translator moves (``pushContentUrl``
        #: to ``redirectUrl``) is written as the user wrote it (quotes, escapes)
        self.strings = strings
        #: how the payload writes its keys: new keys and values are written alike
        self.quote = quote

    def leaf(self, leaf: Any, node: Optional[cst.BaseExpression], field: str) -> cst.BaseExpression:
        if isinstance(leaf, _Unknown):
            # (a loop-bound value differs between the loop's two turns, so the translator
            # never moves one out of the templates)
            if node is not None and leaf.node is node:
                return node
            return leaf.node.deep_clone()
        if isinstance(leaf, _Generated):
            self.needs.add(leaf.module)
            return cst.parse_expression(leaf.code)
        if isinstance(leaf, str):
            if node is not None:
                found, value = _literal(node)
                if found and value == leaf:
                    return node
            written = self.strings.get(leaf)
            return written.deep_clone() if written is not None else _string(leaf, self.quote)
        raise AssertionError(leaf)  # pragma: no cover - the translator writes strings

    def body(self, rewrite: dict[str, Any], node: cst.Dict) -> cst.Dict:
        return self.mapping(rewrite, node, self.translator.new_key, "")

    def mapping(
        self,
        rewrite: dict[str, Any],
        node: cst.Dict,
        new_key: Callable[[object], Optional[str]],
        field: str,
    ) -> cst.Dict:
        elements: dict[str, cst.DictElement] = {}
        for element in node.elements:
            assert isinstance(element, cst.DictElement)
            key = _literal(element.key)[1]
            new = new_key(key)
            if new is None or new not in rewrite or new in elements:
                continue  # dropped (absent, an unknown field, the same field twice)
            value = self.value(rewrite[new], element.value, _path(field, new))
            if new != key:
                element = element.with_changes(key=_renamed(element.key, new))
            elements[new] = element.with_changes(value=value)
        order = list(elements)
        keys = list(rewrite)
        for position, key in enumerate(keys):
            if key in elements:
                continue
            value = self.value(rewrite[key], None, _path(field, key))
            elements[key] = _element(key, value, self.quote)
            after = next((k for k in keys[position + 1 :] if k in order), None)
            order.insert(order.index(after) if after is not None else len(order), key)
        return node.with_changes(elements=_with_commas([elements[k] for k in order], node.elements))

    def value(
        self, rewrite: Any, node: Optional[cst.BaseExpression], field: str
    ) -> cst.BaseExpression:
        if isinstance(rewrite, dict):  # templateParameters: the same keys, fewer
            assert isinstance(node, cst.Dict)
            return self.mapping(rewrite, node, _same_key, field)
        if isinstance(rewrite, list):
            return self.templates(rewrite, node, field)
        return self.leaf(rewrite, node, field)

    def template(self, rewrite: Any, node: cst.BaseExpression, field: str) -> cst.BaseExpression:
        assert isinstance(rewrite, dict)
        assert isinstance(node, cst.Dict)
        return self.mapping(rewrite, node, _template_key, field)

    def templates(self, rewrite: list[Any], node: Any, field: str) -> cst.BaseExpression:
        if isinstance(node, (cst.List, cst.Tuple)):
            elements = [
                element.with_changes(value=self.template(item, element.value, f"{field}[{i}]"))
                for i, (item, element) in enumerate(zip(rewrite, node.elements))
                if isinstance(element, cst.Element)
            ]
            return node.with_changes(elements=elements)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return node.with_changes(elt=self.template(rewrite[0], node.elt, f"{field}[0]"))
        raise AssertionError(field)  # pragma: no cover - the reader took only these


def _template_key(key: object) -> Optional[str]:
    return _TEMPLATE_KEYS.get(str(key))  # the reader took string keys only


def _same_key(key: object) -> Optional[str]:
    return str(key)


# -- the entry points ------------------------------------------------------------------


#: How compat migrate's options name the policy, for the reasons given on raw HTTP calls.
_FLAGS = {
    "Policy.app_id": "--app-id",
    "Policy.default_redirect_url": "--default-redirect-url",
    "Policy.template_codes": "--template-code OLD=NEW",
    'Policy(overlong_request_id="digest")': "--overlong-request-id digest",
    'Policy(unknown_fields="drop")': "--unknown-fields drop",
    'Policy(missing_request_id="error")': "--missing-request-id error",
}


def translate_dict(
    node: cst.Dict,
    endpoint: _spec.Endpoint,
    policy: Policy,
    *,
    never_none: Callable[[cst.BaseExpression], bool],
    raw: bool = False,
) -> tuple[cst.Dict, set[str]]:
    """The new body for the legacy payload ``node``, as the translator makes it under
    ``policy``; and the modules it needs (``uuid``).

    :param never_none: whether the source fixes that an expression is not None (the
        shim leaves out or fills in a field that is None: a rewrite would send null).
    :param raw: a raw HTTP call (its policy comes from the command line, and reasons
        name the command line's options).
    :raises Manual: when what the shim sends cannot be decided from the source.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the translator's lossy changes: not a warning here
            return _translate_dict(node, endpoint, policy, never_none)
    except Manual as err:
        if not raw:
            raise
        reason = str(err).replace("the shim refuses", "the translator refuses")
        for name, flag in _FLAGS.items():
            reason = reason.replace(name, flag)
        raise Manual(reason, err.at) from None


def generated_once(
    context: Context, payload: cst.BaseExpression, call: cst.Call, needs: set[str]
) -> None:
    """Raise :class:`Manual` when the new body ``payload`` generates a requestId
    (``needs`` has ``uuid``) but may be built once for several sends by ``call``: the
    shim gives each send a requestId of its own, and the platform would deliver only
    the first of the sends that share one."""
    if GENERATED_REQUEST_ID[0] not in needs:
        return
    why = context.built_for_each_send(payload, call)
    if why is not None:
        msg = (
            f"the payload has no requestId, and the shim gives each send one of its own; "
            f"here {why}: give it a requestId, then migrate"
        )
        raise Manual(msg)


def _translate_dict(
    node: cst.Dict,
    endpoint: _spec.Endpoint,
    policy: Policy,
    never_none: Callable[[cst.BaseExpression], bool],
) -> tuple[cst.Dict, set[str]]:
    translator = TRANSLATORS[endpoint.name]
    reader = _Reader(never_none)
    payload = reader.mapping(node, "", "")
    comprehension = any(u.loop for u in reader.unknowns)
    unknowns = {u.token: u for u in reader.unknowns}
    tokens = tuple(u.token for u in reader.unknowns)
    nullable = frozenset(u.token for u in reader.unknowns if u.nullable)
    outcome = _proof(endpoint.name, payload, policy, tokens, comprehension, nullable)
    if isinstance(outcome, _Refused):
        reason = _reason(outcome.error, reader.unknowns)
        if outcome.one_template_passes:
            reason = f"the templates' loop makes templates that differ where it matters: {reason}"
        msg = f"the shim refuses this call: {reason}"
        raise Manual(msg)
    if isinstance(outcome, _Depends) and outcome.what == "none":
        code = unknowns[outcome.token].code
        code = f"({code})" if " " in code else code  # ``a if b else None``: one thing
        msg = (
            f"what the shim sends depends on whether {code} is None "
            "(the shim then leaves the field out or fills it in, where the new body would "
            f"send null), which the source does not fix (under {_policy_text(policy)})"
        )
        raise Manual(msg)
    if isinstance(outcome, _Depends):
        msg = (
            f"what the shim sends depends on the {outcome.what} of "
            f"{unknowns[outcome.token].code}, which the source does not fix "
            f"(under {_policy_text(policy)})"
        )
        raise Manual(msg)
    rewrite = _leaves(outcome, unknowns)
    writer = _Writer(
        translator, reader.strings, _quote(getattr(e, "key", None) for e in node.elements)
    )
    new = writer.body(rewrite, node)
    return new, writer.needs


@attrs.frozen
class _Refused:
    """The translator refuses the payload: its error, stand-ins in it."""

    error: str
    #: the payload's templates come from a loop, and one of them alone passes
    one_template_passes: bool


@attrs.frozen
class _Depends:
    """What the translator sends depends on the ``what`` ("length", "value", or "none":
    whether it is None) of the stand-in ``token``."""

    token: str
    what: str


#: Proofs already made: a payload's shape (stand-ins numbered in the order they are
#: read) gives the same outcome wherever it is written, under the same translator
#: (registering an endpoint makes new ones) and limits. Bounded; emptied when full.
_PROOFS: dict[
    tuple[object, tuple[int, ...], Policy, tuple[str, ...], bool, frozenset[str], str], Any
] = {}
_PROOFS_KEPT = 512


def _proof(
    name: str,
    payload: dict[str, Any],
    policy: Policy,
    tokens: tuple[str, ...],
    comprehension: bool,
    nullable: frozenset[str] = frozenset(),
) -> Any:
    """What the translator makes of ``payload`` under ``policy`` in every world: the body
    (with stand-ins), or :class:`_Refused`, or :class:`_Depends`. Remembered by the
    payload's ``repr`` (exact for the strings, numbers, lists and dicts a reader makes).

    ``nullable``: the stand-ins of expressions that may be None."""
    lengths = tuple(_lengths())
    key = (TRANSLATORS[name], lengths, policy, tokens, comprehension, nullable, repr(payload))
    known = _PROOFS.get(key)
    if known is not None:
        return known
    if len(_PROOFS) >= _PROOFS_KEPT:
        _PROOFS.clear()
    ok, body = _translate(name, payload, policy)
    if not ok:
        single = False
        if comprehension and isinstance(payload.get("templates"), list):
            one = {**payload, "templates": payload["templates"][:1]}
            single = _translate(name, one, policy)[0]
        known = _Refused(str(body), single)
    else:
        known = body
        sent, given = _places(body), _places(payload)
        for token, value in _worlds(tokens, payload, policy, lengths, nullable):
            expected = _translate(name, _put(payload, given.get(token, ()), value), policy)
            # what the rewrite sends there: its expressions take the world's values, which
            # is the base world's body with the world's values for the stand-ins. A null
            # is refused: the new endpoint's fields are strings, and what a platform makes
            # of null in an optional one is written nowhere (compat's own validator reads
            # it as absent)
            places = sent.get(token, ())
            got = (False, None) if value is None and places else _sent(_put(body, places, value))
            if not _same(expected, got):
                what = "none" if value is None else "length" if value.startswith(token) else "value"
                known = _Depends(token, what)
                break
    _PROOFS[key] = known
    return known


def _policy_text(policy: Policy) -> str:
    given = []
    for field in attrs.fields(Policy):
        value = getattr(policy, field.name)
        if field.name == "template_codes":
            value = dict(value)
        if value != getattr(DEFAULT_POLICY, field.name):
            given.append(f"{field.name}={value!r}")
    return f"Policy({', '.join(given)})"


def without_deprecation_ignores(
    whitespace: cst.BaseParenthesizableWhitespace,
) -> cst.BaseParenthesizableWhitespace:
    """``whitespace``, less a ``# type: ignore[deprecated]`` the rewrite makes pointless."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        comment = whitespace.first_line.comment
        if comment is not None and "ignore[deprecated]" in comment.value:
            first = whitespace.first_line.with_changes(
                comment=None, whitespace=cst.SimpleWhitespace("")
            )
            return whitespace.with_changes(first_line=first)
    return whitespace


def translate_keywords(
    call: cst.Call,
    endpoint: _spec.Endpoint,
    policy: Policy,
    never_none: Callable[[cst.BaseExpression], bool],
) -> tuple[cst.Dict, set[str]]:
    """The new body for a shim call made with snake_case keyword fields, laid out as the call."""
    wire = {spec.attr: spec.wire for spec in endpoint.request}
    quote = _quote(argument.value for argument in call.args)
    elements = []
    for argument in call.args:
        keyword = argument.keyword.value if argument.keyword is not None else None
        if keyword is None or keyword not in wire or argument.star:
            msg = "the call's arguments are not the legacy fields as keywords"
            raise Manual(msg)
        element = _element(wire[keyword], argument.value, quote)
        elements.append(element.with_changes(comma=argument.comma))
    brace = cst.LeftCurlyBrace(
        whitespace_after=without_deprecation_ignores(call.whitespace_before_args)
    )
    return translate_dict(cst.Dict(elements, lbrace=brace), endpoint, policy, never_none=never_none)
