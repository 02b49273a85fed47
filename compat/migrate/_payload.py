"""A legacy payload dict literal, rewritten into the new endpoint's body, in the source.

The same rules as the translator (``compat.translate``), applied to code
instead of values: keys renamed, ``pushContentUrl`` moved to ``redirectUrl``,
defaults filled from the options. Values that are not literals are moved as
they are written; whatever cannot be decided from the source raises
:class:`Manual` with the reason, and nothing is rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Optional

import attrs
import libcst as cst
import libcst.matchers as m

from .. import _spec
from .._validate import utf16_len

__all__ = ["Manual", "Options", "translate_dict", "translate_keywords"]

_NEW = _spec.SEND.request
_REDIRECT = "redirectUrl"
_ALIASES = dict.fromkeys(_spec.REDIRECT_ALIASES, _REDIRECT)


class Manual(Exception):
    """This site cannot be migrated safely; the message says why."""


def _freeze(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


@attrs.frozen
class Options:
    """The choices a migration makes (as :class:`compat.Policy` for the shim)."""

    app_id: Optional[str] = None
    default_redirect_url: Optional[str] = None
    overlong_request_id: str = "error"
    template_codes: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze, hash=False)
    keep_moved_parameters: bool = False
    #: mark what is left for manual work with a ``# compat: migrate manually:`` comment.
    annotate: bool = True
    #: rule names to run (empty: all) and to skip.
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()


def _string(value: str) -> cst.SimpleString:
    quote = "'" if '"' in value and "'" not in value else '"'
    escaped = value.replace("\\", "\\\\")
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def _renamed(key: cst.SimpleString, name: str) -> cst.SimpleString:
    return key.with_changes(value=f"{key.prefix}{key.quote}{name}{key.quote}")


def _literal(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _key(element: cst.BaseDictElement) -> str:
    if not isinstance(element, cst.DictElement):
        msg = "the payload unpacks another mapping (**); its keys cannot be read here"
        raise Manual(msg)
    key = _literal(element.key)
    if key is None:
        msg = "the payload has a key that is not a string literal"
        raise Manual(msg)
    return key


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in m.findall(node, m.Name()) if isinstance(n, cst.Name)}


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


def _element(key: str, value: cst.BaseExpression) -> cst.DictElement:
    return cst.DictElement(
        _string(key),
        value,
        whitespace_before_colon=cst.SimpleWhitespace(""),
        whitespace_after_colon=cst.SimpleWhitespace(" "),
    )


@attrs.define
class _Templates:
    """The moved parameter's value: one expression (and its code) for all templates."""

    value: Optional[cst.BaseExpression] = None
    code: Optional[str] = None


def _template(
    template: cst.BaseExpression,
    found: _Templates,
    keep: bool,
    bound: set[str],
    move: bool,
) -> cst.BaseExpression:
    if not isinstance(template, cst.Dict):
        msg = "a template is not written out as a dict literal"
        raise Manual(msg)
    parameter = next(iter(_spec.MOVED_PARAMETERS))
    elements = list(template.elements)
    for index, element in enumerate(elements):
        key = _key(element)
        if key not in _spec.CONTENT_TEMPLATE.by_wire:
            msg = f"a template has the unknown field {key!r}"
            raise Manual(msg)
        if key != "templateParameters":
            continue
        assert isinstance(element, cst.DictElement)
        parameters = element.value
        if not isinstance(parameters, cst.Dict):
            msg = (
                "templateParameters is not a dict literal, so a pushContentUrl in it cannot be seen"
            )
            raise Manual(msg)
        kept: list[cst.BaseDictElement] = []
        for item in parameters.elements:
            if _key(item) == parameter:
                assert isinstance(item, cst.DictElement)
                code = _code(item.value)
                if found.code is not None and code != found.code:
                    msg = f"the templates' {parameter} values differ; the new endpoint has one"
                    raise Manual(msg)
                if _names(item.value) & bound:
                    msg = f"{parameter} depends on the loop that builds the templates"
                    raise Manual(msg)
                found.code, found.value = code, item.value
                if keep or not move:
                    kept.append(item)
            else:
                kept.append(item)
        if len(kept) != len(parameters.elements):
            fixed = parameters.with_changes(elements=_with_commas(kept, parameters.elements))
            elements[index] = element.with_changes(value=fixed)
    return template.with_changes(elements=elements)


def _templates(
    value: cst.BaseExpression, found: _Templates, keep: bool, move: bool
) -> cst.BaseExpression:
    if isinstance(value, cst.List):
        items = []
        for item in value.elements:
            if not isinstance(item, cst.Element):
                msg = "the templates list unpacks another list (*)"
                raise Manual(msg)
            items.append(item.with_changes(value=_template(item.value, found, keep, set(), move)))
        return value.with_changes(elements=items)
    if isinstance(value, cst.ListComp):
        bound = _names(value.for_in.target)
        return value.with_changes(elt=_template(value.elt, found, keep, bound, move))
    msg = "templates is not a list literal or comprehension written here"
    raise Manual(msg)


def translate_dict(
    node: cst.Dict, endpoint: _spec.Endpoint, options: Options
) -> tuple[cst.Dict, set[str]]:
    """The new body for the legacy payload ``node``; and the modules it needs (``uuid``).

    :raises Manual: when the body cannot be decided from the source.
    """
    name = endpoint.name
    allowed = set(endpoint.request.by_wire) | {_REDIRECT, *_ALIASES}
    originals = list(node.elements)
    keys = [_key(e) for e in originals]
    if len(set(keys)) != len(keys):
        msg = "the payload names a field twice"
        raise Manual(msg)
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        msg = f"the payload has the unknown field {unknown[0]!r}"
        raise Manual(msg)
    renames = {**endpoint.renames, **_ALIASES}
    elements: dict[str, cst.DictElement] = {}
    for key, element in zip(keys, originals):
        assert isinstance(element, cst.DictElement)
        new = renames.get(key, key)
        if new != key:
            element = element.with_changes(key=_renamed(element.key, new))  # type: ignore[arg-type]
        elements[new] = element

    top = elements.get(_REDIRECT)
    found = _Templates()
    templates = elements.get("templates")
    if templates is None:
        msg = "the payload has no templates"
        raise Manual(msg)
    _templates(templates.value, found, True, True)  # look first: what is there to move?
    move = True
    if found.value is not None and top is not None and _code(top.value) != found.code:
        if not endpoint.redirect_required:
            msg = "a top-level redirectUrl and pushContentUrl differ; the new endpoint has one"
            raise Manual(msg)
        move = False  # sendInbox: the top-level redirectUrl comes first; the parameter stays
    new_templates = _templates(templates.value, _Templates(), options.keep_moved_parameters, move)
    elements["templates"] = templates.with_changes(value=new_templates)

    needs: set[str] = set()
    order = list(elements)
    if "appId" not in elements:
        if options.app_id is None:
            msg = f"{name} without authClientId: give the appId with --app-id"
            raise Manual(msg)
        elements["appId"] = _element("appId", _string(options.app_id))
        order.insert(0, "appId")
    if _REDIRECT not in elements:
        redirect: Optional[cst.BaseExpression] = None
        if found.value is not None and move:
            redirect = found.value
        elif options.default_redirect_url is not None:
            redirect = _string(options.default_redirect_url)
        elif endpoint.redirect_required:
            msg = f"{name} needs a redirectUrl: give one with --default-redirect-url"
            raise Manual(msg)
        if redirect is not None:
            elements[_REDIRECT] = _element(_REDIRECT, redirect)
            order.insert(order.index("templates"), _REDIRECT)
    if "requestId" not in elements:
        if endpoint.request["requestId"].required:
            msg = f"{name} without requestId"
            raise Manual(msg)
        # what the shim does (Policy(missing_request_id="generate")), written out
        call = cst.parse_expression("uuid.uuid4().hex")
        elements["requestId"] = _element("requestId", call)
        order.insert(order.index("templates"), "requestId")
        needs.add("uuid")
    _check_literals(elements, options, name)
    return node.with_changes(elements=_with_commas([elements[k] for k in order], originals)), needs


def _check_literals(elements: dict[str, cst.DictElement], options: Options, name: str) -> None:
    """Rule 3: literal values over the new limits are mapped where the options say how."""
    code = elements.get("templateCode")
    if code is not None:
        value = _literal(code.value)
        if value is not None and value in options.template_codes:
            elements["templateCode"] = code.with_changes(
                value=_string(options.template_codes[value])
            )
    request_id = elements.get("requestId")
    if request_id is not None:
        value = _literal(request_id.value)
        limit = _NEW["requestId"].max_length or 0
        if value is not None and utf16_len(value) > limit:
            if options.overlong_request_id != "digest":
                msg = (
                    f"requestId is {utf16_len(value)} characters long, over the limit of {limit}: "
                    "shorten it, or pass --overlong-request-id digest"
                )
                raise Manual(msg)
            digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
            elements["requestId"] = request_id.with_changes(value=_string(digest))
    for wire in ("templateCode", "appId"):
        element = elements.get(wire)
        value = _literal(element.value) if element is not None else None
        limit = _NEW[wire].max_length or 0
        if value is not None and utf16_len(value) > limit:
            hint = " (map it with --template-code OLD=NEW)" if wire == "templateCode" else ""
            msg = f"{wire} is {utf16_len(value)} characters long, over the limit of {limit}{hint}"
            raise Manual(msg)


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
    call: cst.Call, endpoint: _spec.Endpoint, options: Options
) -> tuple[cst.Dict, set[str]]:
    """The new body for a shim call made with snake_case keyword fields, laid out as the call."""
    wire = {spec.attr: spec.wire for spec in endpoint.request}
    elements = []
    for argument in call.args:
        keyword = argument.keyword.value if argument.keyword is not None else None
        if keyword is None or keyword not in wire or argument.star:
            msg = "the call's arguments are not the legacy fields as keywords"
            raise Manual(msg)
        element = _element(wire[keyword], argument.value)
        elements.append(element.with_changes(comma=argument.comma))
    brace = cst.LeftCurlyBrace(
        whitespace_after=without_deprecation_ignores(call.whitespace_before_args)
    )
    return translate_dict(cst.Dict(elements, lbrace=brace), endpoint, options)
