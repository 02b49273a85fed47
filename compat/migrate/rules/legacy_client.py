"""Calls of compat.LegacyClient's legacy methods become MessageClient.send calls.

``client.send_inbox({...})``, ``client.send_by_access_token(...)`` (a payload
or keyword fields) and ``client.post("/v2/messages/sendInbox", {...})`` are
rewritten only when ``client`` is provably a LegacyClient: a name bound to
``LegacyClient(...)`` in its scope (``with ... as`` included), a parameter
annotated as one, or ``self.attr`` that its class only assigns from
``LegacyClient(...)``. Anything else is left as it is.

The new body is what the translator makes of the payload under the policy the
client was built with (``policy=Policy(...)`` of literals, a module constant
bound to one, or none: ``Policy()``); a policy the source does not fix leaves
the call for manual work. A parameter's client is taken to be built in the
same module: every LegacyClient the module builds must have the same policy.

When every legacy call of the module is rewritten and its clients are used
only here, the clients become MessageClients (``policy=`` dropped: the rewrite
applied it) and the calls ``client.send(...)``; otherwise the calls become
``client.client.send(...)`` (the MessageClient every LegacyClient sends
through), and the LegacyClient left is marked for manual work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import attrs
import libcst as cst

from ... import _spec
from ...translate import Policy
from .._payload import Manual, translate_dict, translate_keywords

if TYPE_CHECKING:
    from .._plan import Context

ORDER = 10
SUMMARY = "LegacyClient.send_inbox / send_by_access_token / post -> MessageClient.send"
NAME = __name__.rsplit(".", 1)[1]
_SHIM = "LegacyClient"
#: LegacyClient's own options, which MessageClient does not take.
_SHIM_OPTIONS = ("policy", "trace")
#: what may be done with a client the rule turns into a MessageClient
_HARMLESS = {"close", "__enter__", "__exit__", "client"}


@attrs.define
class _Shim:
    """A receiver that is provably a LegacyClient."""

    policy: Optional[Policy]
    #: why the policy is not known
    reason: str = ""


@attrs.define
class _Call:
    node: cst.Call
    receiver: cst.BaseExpression
    body: cst.BaseExpression  # the new dict, or the name bound to it
    post: bool


def _scope_nodes(scope: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes of a function or module, not those of the functions and classes in it."""
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return node is scope or not isinstance(
                node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)
            )

    scope.visit(Collect())
    return found


class Rule:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.calls: list[_Call] = []
        self.failed = False
        self._constructions: Optional[list[cst.Call]] = None

    def call(self, node: cst.Call) -> bool:
        context = self.context
        func = node.func
        if not context.uses_compat or not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        endpoint = _spec.SHIM_METHODS.get(method)
        arguments = list(node.args)
        if endpoint is None:
            if method != "post" or not arguments or arguments[0].keyword is not None:
                return False
            found = context.legacy_path_in(arguments[0].value)
            if found is None:
                return False
            endpoint, arguments = found[0], arguments[1:]
        shim = self.shim(func.value, node)
        if shim is None:
            if method == "post":
                return False  # not compat's post: a raw HTTP call, for the raw_http rule
            context.manual(
                NAME,
                node,
                f"{context.code(func.value).strip()} is not provably a compat.LegacyClient "
                "(built, annotated or assigned from one here), so this call is left as it is",
            )
            self.failed = True
            return True
        try:
            if shim.policy is None:
                raise Manual(shim.reason)
            body = self._body(node, arguments, endpoint, shim.policy, method != "post")
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
        policy: Policy,
        keywords_allowed: bool,
    ) -> cst.BaseExpression:
        positional = [a for a in arguments if a.keyword is None and not a.star]
        if not positional and keywords_allowed and arguments:
            body, needs = translate_keywords(node, endpoint, policy)
            self.context.plan.imports.update(needs)
            return body
        if len(positional) != 1 or len(arguments) != 1:
            msg = "the call's arguments are not one payload"
            raise Manual(msg)
        value = positional[0].value
        if isinstance(value, cst.Dict):
            body, needs = translate_dict(value, endpoint, policy)
            self.context.plan.imports.update(needs)
            return body
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, node)
            if assign is not None and isinstance(assign.value, cst.Dict):
                body, needs = translate_dict(assign.value, endpoint, policy)
                self.context.plan.imports.update(needs)
                self.context.plan.replacements[assign.value] = body
                return value
        msg = "the payload is not a dict literal here or a name bound to one in this function"
        raise Manual(msg)

    # -- receivers ---------------------------------------------------------------------

    def _is_shim(self, node: Optional[cst.CSTNode]) -> bool:
        return node is not None and self.context.is_compat(node, _SHIM)

    def _is_construction(self, node: Optional[cst.CSTNode]) -> bool:
        return isinstance(node, cst.Call) and self._is_shim(node.func)

    def constructions(self) -> list[cst.Call]:
        """Every ``LegacyClient(...)`` of the module."""
        if self._constructions is None:
            self._constructions = [
                n
                for n in self.context.nodes(self.context.module)
                if isinstance(n, cst.Call) and self._is_construction(n)
            ]
        return self._constructions

    def _policy(self, calls: list[cst.Call], what: str) -> _Shim:
        policies = []
        for call in calls:
            given = next(
                (
                    a.value
                    for a in call.args
                    if a.keyword is not None and a.keyword.value == "policy"
                ),
                None,
            )
            policy, reason = self.context.policy_of(given)
            if policy is None:
                return _Shim(None, reason)
            policies.append(policy)
        if not policies:
            return _Shim(
                None,
                f"{what} is a parameter, and this module builds no LegacyClient: the policy of "
                "the client passed in is set where it is built",
            )
        if any(p != policies[0] for p in policies[1:]):
            return _Shim(None, f"{what} may be built with different policies")
        return _Shim(policies[0])

    def shim(self, receiver: cst.BaseExpression, near: cst.CSTNode) -> Optional[_Shim]:
        """What is known of ``receiver`` when it is provably a LegacyClient, else None."""
        if isinstance(receiver, cst.Name):
            return self._name(receiver.value, near)
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            return self._attribute(receiver.value.value, receiver.attr.value, near)
        return None

    def _bindings(self, scope: cst.CSTNode, name: str) -> Optional[list[cst.CSTNode]]:
        """What ``name`` is bound to in ``scope`` (values, or annotations); None: unknown."""
        found: list[cst.CSTNode] = []
        for node in _scope_nodes(scope):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if isinstance(target.target, cst.Name) and target.target.value == name:
                        found.append(node.value)
                    elif _binds(target.target, name):
                        return None
            elif isinstance(node, cst.AnnAssign) and _binds(node.target, name):
                found.append(node.value if node.value is not None else node.annotation)
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                if _binds(node.asname.name, name):
                    found.append(node.item)
            elif isinstance(node, cst.Param) and node.name.value == name:
                found.append(node.annotation if node.annotation is not None else node)
            elif _rebinds(node, name):
                return None
        return found

    def _proven(self, found: list[cst.CSTNode], what: str) -> Optional[_Shim]:
        if not found:
            return None
        calls = []
        for value in found:
            if isinstance(value, cst.Annotation):
                if not self._is_shim(value.annotation):
                    return None
            elif self._is_construction(value):
                assert isinstance(value, cst.Call)
                calls.append(value)
            else:
                return None
        return self._policy(calls or self.constructions(), what)

    def _name(self, name: str, near: cst.CSTNode) -> Optional[_Shim]:
        scope = self.context.function(near)
        found = self._bindings(scope, name)
        if found is None:
            return None
        if not found and scope is not self.context.module:
            found = self._bindings(self.context.module, name)
            if found is None:
                return None
        return self._proven(found, name)

    def _attribute(self, owner: str, attr: str, near: cst.CSTNode) -> Optional[_Shim]:
        context = self.context
        current: Optional[cst.CSTNode] = context.parents.get(near)
        while current is not None and not isinstance(current, cst.ClassDef):
            current = context.parents.get(current)
        if current is None:
            return None
        found: list[cst.CSTNode] = []
        for node in context.nodes(current):
            targets: list[cst.BaseExpression] = []
            value: Optional[cst.CSTNode] = None
            if isinstance(node, cst.Assign):
                targets, value = [t.target for t in node.targets], node.value
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
                targets = [node.target]
                value = getattr(node, "value", None) or getattr(node, "annotation", None)
            for target in targets:
                if isinstance(target, cst.Attribute) and target.attr.value == attr:
                    if not isinstance(target.value, cst.Name) or target.value.value != owner:
                        return None
                    if isinstance(node, cst.AugAssign) or value is None:
                        return None
                    found.append(value)
                elif (
                    isinstance(target, cst.Name)
                    and target.value == attr
                    and isinstance(node, cst.AnnAssign)
                    and node.value is None
                    and context.function(node) is context.module
                ):
                    found.append(node.annotation)  # a class-level `attr: LegacyClient`
        return self._proven(found, f"{owner}.{attr}")

    # -- the module as a whole ---------------------------------------------------------

    def _references(self) -> list[cst.CSTNode]:
        nodes = self.context.nodes(self.context.module)
        return [n for n in nodes if self._is_shim(n) or _imported_name(self.context, n)]

    def _used_here_only(self) -> bool:
        """Whether the clients the module builds are used only by the rewritten calls
        (or closed, or passed to the module's own functions)."""
        context = self.context
        receivers = {
            id(c.node.func.value) for c in self.calls if isinstance(c.node.func, cst.Attribute)
        }
        functions = {
            n.name.value for n in context.nodes(context.module) if isinstance(n, cst.FunctionDef)
        }
        names: set[str] = set()
        for construction in self.constructions():
            parent = context.parents.get(construction)
            target: cst.CSTNode
            if isinstance(parent, cst.WithItem) and parent.asname is not None:
                target = parent.asname.name
            elif isinstance(parent, (cst.Assign, cst.AnnAssign)):
                targets = (
                    [t.target for t in parent.targets]
                    if isinstance(parent, cst.Assign)
                    else [parent.target]
                )
                if len(targets) != 1:
                    return False
                target = targets[0]
            else:
                return False
            if isinstance(target, cst.Attribute):
                names.add("." + target.attr.value)
            elif isinstance(target, cst.Name):
                names.add(target.value)
            else:
                return False
        for node in context.nodes(context.module):
            if isinstance(node, cst.Attribute) and "." + node.attr.value in names:
                use: cst.CSTNode = node
            elif isinstance(node, cst.Name) and node.value in names:
                parent = context.parents.get(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                use = node
            else:
                continue
            if id(use) in receivers or self._harmless(use, functions):
                continue
            return False
        return True

    def _harmless(self, use: cst.CSTNode, functions: set[str]) -> bool:
        context = self.context
        parent = context.parents.get(use)
        if isinstance(parent, cst.Attribute) and parent.value is use:
            return parent.attr.value in _HARMLESS
        if isinstance(parent, (cst.AssignTarget, cst.WithItem, cst.AsName, cst.Param)):
            return True
        if isinstance(parent, cst.AnnAssign) and parent.target is use:
            return True
        if isinstance(parent, cst.Arg):
            call = context.parents.get(parent)
            return (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value in functions
            )
        return isinstance(parent, cst.Param)

    def _whole_module(self) -> bool:
        if self.failed or not self.calls:
            return False
        for reference in self._references():
            parent = self.context.parents.get(reference)
            if isinstance(parent, cst.Call) and parent.func is reference:
                continue
            if not isinstance(parent, (cst.Annotation, cst.ImportAlias, cst.AsName)):
                return False
        return self._used_here_only()

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
                parent = context.parents.get(reference)
                if isinstance(parent, cst.Call) and parent.func is reference:
                    args = [
                        a
                        for a in parent.args
                        if a.keyword is None or a.keyword.value not in _SHIM_OPTIONS
                    ]
                    if args and len(args) != len(parent.args):
                        args[-1] = args[-1].with_changes(comma=parent.args[-1].comma)
                    context.plan.replacements[parent] = parent.with_changes(
                        func=_message_client(reference), args=args
                    )
                else:
                    context.plan.replacements[reference] = _message_client(reference)
            return
        for reference in self._references():
            if isinstance(context.parents.get(reference), cst.ImportAlias):
                context.manual(NAME, reference, STILL_USED)
                break


#: The mark on the import of a LegacyClient the rule could not replace (one text, so that
#: a rerun, which finds the calls already migrated, marks it the same way).
STILL_USED = (
    "LegacyClient is still used here: make each client a MessageClient where it is built "
    "once no legacy method is called on it (migrated calls go through .client.send)"
)


def _rebinds(node: cst.CSTNode, name: str) -> bool:
    """Whether ``node`` binds ``name`` in a way that is not a plain assignment."""
    if isinstance(node, (cst.For, cst.CompFor, cst.AugAssign, cst.NamedExpr)):
        return _binds(node.target, name)
    if isinstance(node, (cst.Global, cst.Nonlocal)):
        return any(n.name.value == name for n in node.names)
    return False


def _binds(target: cst.CSTNode, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_binds(e.value, name) for e in target.elements)
    if isinstance(target, cst.StarredElement):
        return _binds(target.value, name)
    return False


def _imported_name(context: Context, node: cst.CSTNode) -> bool:
    """``LegacyClient`` itself, in ``from compat import LegacyClient as LC``."""
    if not isinstance(node, cst.Name) or node.value != _SHIM:
        return False
    parent = context.parents.get(node)
    return (
        isinstance(parent, cst.ImportAlias)
        and parent.name is node
        and isinstance(context.parents.get(parent), cst.ImportFrom)
    )


def _kept(call: _Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after the call's ``(``, when the body keeps its own layout."""
    from .._payload import without_deprecation_ignores

    if isinstance(call.body, cst.Dict) and call.node.args and call.node.args[0].keyword is None:
        return without_deprecation_ignores(call.node.whitespace_before_args)
    return cst.SimpleWhitespace("")


def _message_client(reference: cst.CSTNode) -> cst.BaseExpression:
    """LegacyClient -> MessageClient; an alias (``LC``) keeps its name, now a MessageClient."""
    if isinstance(reference, cst.Attribute):
        return reference.with_changes(attr=cst.Name("MessageClient"))
    assert isinstance(reference, cst.Name)
    return cst.Name("MessageClient") if reference.value == _SHIM else reference
