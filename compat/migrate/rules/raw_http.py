"""Raw HTTP calls to a legacy path, with their payload, become calls of the new endpoint.

A call whose arguments hold a legacy path (in a string, a URL, an f-string or
a concatenation; or in a name bound to one in the same function) *and* the
payload it sends (a dict literal in the same call, maybe inside
``json.dumps(...)``, or a name bound to a dict literal in the same function)
gets the new path and the new body together. The path is never rewritten
alone: without a payload it can see, the call is left for manual work.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ... import _spec
from ...audit._text import PATHS
from .._payload import Manual, translate_dict
from .._plan import Context, StringPart, _string_parts

ORDER = 20
SUMMARY = "a legacy path posted with its payload -> the new path with the new body"
NAME = __name__.rsplit(".", 1)[1]


class Rule:
    def __init__(self, context: Context) -> None:
        self.context = context

    def call(self, node: cst.Call) -> bool:
        context = self.context
        found = None
        for argument in node.args:
            found = self._path(argument.value, node)
            if found is not None:
                break
        if found is None:
            if any(self._split_path(a.value, node) for a in node.args):
                context.manual(
                    NAME,
                    node,
                    "the legacy path is built from pieces; write it out whole to migrate it",
                )
                return True
            return False
        endpoint, literal, path_argument = found
        try:
            payload = self._payload(node, path_argument, endpoint)
            body, needs = translate_dict(payload, endpoint, context.options.policy, raw=True)
        except Manual as err:
            context.manual(NAME, node, str(err))
            return True
        context.plan.imports.update(needs)
        context.plan.replacements[payload] = body
        new_text = literal.value.replace(endpoint.path, _spec.SEND.path, 1)
        context.plan.replacements[literal] = literal.with_changes(value=new_text)
        context.plan.rewrites[NAME] += 1
        return True

    def finish(self) -> None:
        """Every call is decided on its own: nothing to settle for the module."""

    def _path(
        self, value: cst.BaseExpression, near: cst.CSTNode
    ) -> Optional[tuple[_spec.Endpoint, StringPart, cst.BaseExpression]]:
        found = self.context.legacy_path_in(value)
        if found is not None:
            return found[0], found[1], value
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, near)
            if assign is not None:
                found = self.context.legacy_path_in(assign.value)
                if found is not None:
                    return found[0], found[1], value
        return None

    def _split_path(self, value: cst.BaseExpression, near: cst.CSTNode) -> bool:
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, near)
            if assign is None:
                return False
            value = assign.value
        text = ""
        for part in _walk_string(value, self.context):
            text += part
        return PATHS.search(text) is not None

    def _payload(
        self, node: cst.Call, path_argument: cst.BaseExpression, endpoint: _spec.Endpoint
    ) -> cst.Dict:
        candidates: list[cst.Dict] = []
        for argument in node.args:
            if argument.value is path_argument:
                continue
            value = argument.value
            if (
                isinstance(value, cst.Call)
                and self.context.code(value.func) in ("json.dumps", "dumps")
                and value.args
            ):
                value = value.args[0].value
            if isinstance(value, cst.Dict):
                candidates.append(value)
            elif isinstance(value, cst.Name):
                assign = self.context.binding(value, node)
                if assign is not None and isinstance(assign.value, cst.Dict):
                    candidates.append(assign.value)
        # headers, params...: only a dict with the endpoint's fields is its payload
        fields = set(endpoint.request.by_wire)
        shaped = [c for c in candidates if _keys(c) & fields]
        if len(shaped) == 1:
            return shaped[0]
        if len(candidates) != 1:
            msg = (
                "the payload posted to the legacy path is not a dict literal in this call "
                "or a name bound to one in this function"
            )
            raise Manual(msg)
        return candidates[0]


def _keys(node: cst.Dict) -> set[str]:
    keys = set()
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            value = element.key.evaluated_value
            if isinstance(value, str):
                keys.add(value)
    return keys


def _walk_string(value: cst.BaseExpression, context: Context) -> list[str]:
    """The text of a string expression: literal parts, module constants, and gaps."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return _walk_string(value.left, context) + _walk_string(value.right, context)
    if isinstance(value, cst.Name):
        return [context.constants.get(value.value, "\0")]
    parts = _string_parts(value)
    if parts:
        return [
            p.value if isinstance(p, cst.FormattedStringText) else str(p.evaluated_value)
            for p in parts
        ]
    return ["\0"]
