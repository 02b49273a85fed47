"""Calls of compat.LegacyClient's legacy methods become MessageClient.send calls.

``client.send_inbox({...})``, ``client.send_by_access_token(...)`` (a payload
or keyword fields) and ``client.post("/v2/messages/sendInbox", {...})`` send
the body the shim would have sent. When every legacy call of the module can be
rewritten and every LegacyClient in it is made (or annotated) in the module
without a ``policy=``, the clients become MessageClients and the calls
``client.send(...)``; otherwise the calls become ``client.client.send(...)``
(the MessageClient every LegacyClient sends through), and what still uses
LegacyClient is marked for manual work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import attrs
import libcst as cst

from ... import _spec
from .._payload import Manual, translate_dict, translate_keywords

if TYPE_CHECKING:
    from .._plan import Context

ORDER = 10
SUMMARY = "LegacyClient.send_inbox / send_by_access_token / post -> MessageClient.send"
NAME = __name__.rsplit(".", 1)[1]

_METHODS = {
    "send_inbox": _spec.SEND_INBOX,
    "send_by_access_token": _spec.SEND_BY_ACCESS_TOKEN,
}


@attrs.define
class _Call:
    node: cst.Call
    receiver: cst.BaseExpression
    body: cst.BaseExpression  # the new dict, or the name bound to it
    post: bool


class Rule:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.calls: list[_Call] = []
        self.failed = False
        self.references: Optional[list[cst.CSTNode]] = None

    def call(self, node: cst.Call) -> bool:
        context = self.context
        func = node.func
        if not context.uses_compat or not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        endpoint = _METHODS.get(method)
        arguments = list(node.args)
        if endpoint is None:
            if method != "post" or not arguments or arguments[0].keyword is not None:
                return False
            found = context.legacy_path_in(arguments[0].value)
            if found is None:
                return False
            endpoint, arguments = found[0], arguments[1:]
        try:
            body = self._body(node, arguments, endpoint, keywords_allowed=method != "post")
        except Manual as err:
            context.manual(NAME, node, str(err))
            self.failed = True
            return True
        self.calls.append(_Call(node, func.value, body, method == "post"))
        return True

    def _body(
        self,
        node: cst.Call,
        arguments: list[cst.Arg],
        endpoint: _spec.Endpoint,
        keywords_allowed: bool,
    ) -> cst.BaseExpression:
        options = self.context.options
        positional = [a for a in arguments if a.keyword is None and not a.star]
        if not positional and keywords_allowed and arguments:
            body, needs = translate_keywords(node, endpoint, options)
            self.context.plan.imports.update(needs)
            return body
        if len(positional) != 1 or len(arguments) != 1:
            msg = "the call's arguments are not one payload"
            raise Manual(msg)
        value = positional[0].value
        if isinstance(value, cst.Dict):
            body, needs = translate_dict(value, endpoint, options)
            self.context.plan.imports.update(needs)
            return body
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, node)
            if assign is not None and isinstance(assign.value, cst.Dict):
                body, needs = translate_dict(assign.value, endpoint, options)
                self.context.plan.imports.update(needs)
                self.context.plan.replacements[assign.value] = body
                return value
        msg = "the payload is not a dict literal here or a name bound to one in this function"
        raise Manual(msg)

    # -- the module as a whole ---------------------------------------------------------

    def _is_legacy_client(self, node: cst.CSTNode) -> bool:
        context = self.context
        if isinstance(node, cst.Name):
            if context.compat_names.get(node.value) == "LegacyClient":
                return True
            parent = context.parents.get(node)
            # the imported name itself, in `from compat import LegacyClient as LC`
            return (
                node.value == "LegacyClient"
                and isinstance(parent, cst.ImportAlias)
                and parent.name is node
                and isinstance(context.parents.get(parent), cst.ImportFrom)
            )
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            return node.value.value in context.compat_modules and node.attr.value == "LegacyClient"
        return False

    def _references(self) -> list[cst.CSTNode]:
        if self.references is None:
            nodes = self.context.nodes(self.context.module)
            self.references = [n for n in nodes if self._is_legacy_client(n)]
        return self.references

    def _made_here(self, receiver: cst.BaseExpression, near: cst.CSTNode) -> bool:
        """Whether ``receiver`` is a name bound, in the module, to a LegacyClient."""
        if not isinstance(receiver, cst.Name):
            return False
        name = receiver.value
        for node in self.context.nodes(self.context.module):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                if self._is_legacy_client(node.value.func) and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets
                ):
                    return True
            elif isinstance(node, cst.WithItem) and isinstance(node.item, cst.Call):
                if self._is_legacy_client(node.item.func) and node.asname is not None:
                    target = node.asname.name
                    if isinstance(target, cst.Name) and target.value == name:
                        return True
            elif (
                isinstance(node, cst.Param)
                and node.name.value == name
                and node.annotation is not None
                and self._is_legacy_client(node.annotation.annotation)
            ):
                return True
        return False

    def _whole_module(self) -> bool:
        if self.failed or not self.calls:
            return False
        if not all(self._made_here(c.receiver, c.node) for c in self.calls):
            return False
        for reference in self._references():
            parent = self.context.parents.get(reference)
            if isinstance(parent, cst.Call) and parent.func is reference:
                if any(a.keyword is not None and a.keyword.value == "policy" for a in parent.args):
                    return False
            elif not isinstance(parent, (cst.Annotation, cst.ImportAlias, cst.AsName)):
                return False
        return True

    def finish(self) -> None:
        context = self.context
        whole = self._whole_module()
        for call in self.calls:
            receiver = call.receiver
            if not whole:
                receiver = cst.Attribute(receiver, cst.Name("client"))
            argument = cst.Arg(call.body)
            if call.node.args and call.node.args[-1].keyword is None:
                last = call.node.args[-1]
                argument = argument.with_changes(
                    comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
                )
            send: cst.BaseExpression = cst.Call(
                cst.Attribute(receiver, cst.Name("send")),
                [argument],
                whitespace_before_args=_kept(call),
            )
            if call.post:
                send = cst.Call(
                    cst.parse_expression(context.compat_name("to_wire")), [cst.Arg(send)]
                )
            context.plan.replacements[call.node] = send
            context.plan.rewrites[NAME] += 1
        if whole:
            for reference in self._references():
                context.plan.replacements[reference] = _message_client(reference)
            return
        for reference in self._references():
            parent = context.parents.get(reference)
            if isinstance(parent, cst.ImportAlias):
                context.manual(
                    NAME,
                    reference,
                    "LegacyClient is still used here; its calls now go through "
                    ".client.send: make the client a MessageClient where it is built",
                )
                break


def _kept(call: _Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after the call's ``(``, when the body keeps its own layout."""
    from .._payload import without_deprecation_ignores

    if isinstance(call.body, cst.Dict) and call.node.args and call.node.args[0].keyword is None:
        return without_deprecation_ignores(call.node.whitespace_before_args)
    return cst.SimpleWhitespace("")


def _message_client(reference: cst.CSTNode) -> cst.CSTNode:
    """LegacyClient -> MessageClient; an alias (``LC``) keeps its name, now a MessageClient."""
    if isinstance(reference, cst.Attribute):
        return reference.with_changes(attr=cst.Name("MessageClient"))
    assert isinstance(reference, cst.Name)
    return cst.Name("MessageClient") if reference.value == "LegacyClient" else reference
