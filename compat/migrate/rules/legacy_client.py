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

The shim answers in the legacy shape (``SendInboxResponse``, ``SendByAccessTokenResponse``,
or, from ``post``, their wire dict); ``MessageClient.send`` in the new one, which
``isinstance``, ``==``, ``to_wire`` and callers can tell apart. Where the answer is
dropped, or only its legacy fields are read (``response.result``, ``["messageId"]``),
the call becomes ``client.send(...)``; anywhere else (returned, passed on, compared)
``translate_response("sendInbox", client.send(...))``, the shim's own turn of the answer.

When every legacy call of the module is rewritten and its clients are used
only here, the clients become MessageClients (``policy=`` dropped: the rewrite
applied it; so is ``from compat import Policy`` when nothing else reads it) and the
calls ``client.send(...)``; otherwise the calls become
``client.client.send(...)`` (the MessageClient every LegacyClient sends
through), and the LegacyClient left is marked for manual work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

import attrs
import libcst as cst

from ... import _spec
from ..._source import LEGACY_CLIENT
from ...models import LEGACY_MODELS
from .._paths import Paths
from .._payload import Manual, _literal, generated_once, translate_dict, translate_keywords
from .._project import Unread, subclass_of
from .._receivers import Receivers

if TYPE_CHECKING:
    from ...translate import Policy
    from .._plan import Context

ORDER = 10
SUMMARY = "LegacyClient.send_inbox / send_by_access_token / post -> MessageClient.send"
NAME = __name__.rsplit(".", 1)[1]
_SHIM = LEGACY_CLIENT
#: LegacyClient's own options, which MessageClient does not take.
_SHIM_OPTIONS = ("policy", "trace")
#: what may be done with a client the rule turns into a MessageClient
_HARMLESS = {"close", "__enter__", "__exit__", "client"}


@attrs.define
class _Call:
    node: cst.Call
    receiver: cst.BaseExpression
    body: cst.BaseExpression  # the new dict, or the name bound to it
    post: bool
    #: the legacy endpoint whose answer the call must still give, or None: only legacy
    #: fields of the answer are read
    answer: Optional[str] = None


class Rule:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.calls: list[_Call] = []
        self.failed = False
        self.receivers = Receivers(context, _SHIM)

    def call(self, node: cst.Call) -> bool:
        context = self.context
        func = node.func
        if not isinstance(func, cst.Attribute):
            return False
        method = func.attr.value
        endpoint = _spec.SHIM_METHODS.get(method)
        if not context.uses_compat:
            # a legacy method of an object of a subclass of the shim that another module
            # of the project defines (this one imports nothing of compat)
            subclass = self._subclass(node) if endpoint is not None else None
            if subclass is not None:
                context.manual(NAME, node, subclass)
                self.failed = True
            return subclass is not None
        arguments = list(node.args)
        if endpoint is None:
            if method != "post" or not arguments or arguments[0].keyword is not None:
                return False
            found = Paths(context).resolve(arguments[0].value, node)
            if found is None:
                return False
            endpoint, arguments = found.endpoint, arguments[1:]
        shim = self.receivers.shim(func.value, node)
        if shim is None:
            if method == "post":
                return False  # not compat's post: a raw HTTP call, for the raw_http rule
            receiver = context.code(func.value).strip()
            reason = self._subclass(node) or (
                f"{receiver} is not provably a compat.LegacyClient (built, annotated or "
                "assigned from one here), so this call is left as it is"
            )
            context.manual(NAME, node, reason)
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
        post = method == "post"
        answer = None if self._fields_read(node, endpoint, post) else endpoint.name
        self.calls.append(_Call(node, func.value, body, post, answer))
        return True

    def _subclass(self, node: cst.Call) -> Optional[str]:
        """Why the call ``node`` is left when its receiver is an object of a subclass of the
        shim that the project defines (None: nothing says it is one)."""
        context = self.context
        try:
            found = subclass_of(context, node, _SHIM)
        except Unread:  # a module it would come from cannot be read: nothing says so
            return None
        if found is None:
            return None
        subclass, where = found
        assert isinstance(node.func, cst.Attribute)
        return (
            f"{context.code(node.func.value).strip()} is a {subclass.name.value}, a subclass "
            f"of compat.LegacyClient {'this module' if where is context else 'the project'} "
            "defines, which may change what the shim sends: migrate the class and its calls "
            "by hand"
        )

    def _fields_read(self, node: cst.Call, endpoint: _spec.Endpoint, post: bool) -> bool:
        """Whether the answer of the shim call ``node`` is dropped, or only fields of the
        legacy answer are read from it (then the new answer gives the same)."""
        context = self.context
        parent = context.parents.get(node)
        if isinstance(parent, cst.Expr):
            return True
        if isinstance(parent, cst.Assign) and parent.value is node:
            target = parent.targets[0].target
            bound = context.binding(target, node) if isinstance(target, cst.Name) else None
            if bound is None or bound.value is not node:
                return False
            uses = context.uses(bound.name)
            return all(_reads_a_field(context, use, endpoint, post) for use in uses)
        return _reads_a_field(context, node, endpoint, post)

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
            body, needs = translate_keywords(node, endpoint, policy, self._never_none(node))
            self.context.plan.imports.update(needs)
            return body
        if len(positional) != 1 or len(arguments) != 1:
            msg = "the call's arguments are not one payload"
            raise Manual(msg)
        value = positional[0].value
        if isinstance(value, cst.Dict):
            body, needs = translate_dict(value, endpoint, policy, never_none=self._never_none(node))
            generated_once(self.context, value, node, needs)
            self.context.plan.imports.update(needs)
            return body
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, node)
            if assign is not None and isinstance(assign.value, cst.Dict):
                why = self.context.shared(assign, node)
                if why is not None:
                    raise Manual(why)
                body, needs = translate_dict(
                    assign.value, endpoint, policy, never_none=self._never_none(node)
                )
                generated_once(self.context, assign.value, node, needs)
                self.context.plan.imports.update(needs)
                self.context.plan.replacements[assign.value] = body
                return value
            why = self.context.module_name(value, node)
            if why is not None:
                raise Manual(why)
        model = self._model(value, node)
        if model is not None:
            msg = (
                f"the payload is a compat.{model}, which compat migrate does not read: send "
                "the new request by hand (compat translate prints its body)"
            )
            raise Manual(msg)
        msg = "the payload is not a dict literal here or a name bound to one in this function"
        raise Manual(msg)

    def _model(self, value: cst.BaseExpression, near: cst.Call) -> Optional[str]:
        """The legacy request model of compat that ``value`` builds (or a name bound once
        in the function to one built there), if any."""
        if isinstance(value, cst.Name):
            bound = self.context.binding(value, near)
            value = bound.value if bound is not None else value
        if not isinstance(value, cst.Call):
            return None
        names = (request.__name__ for request, _ in LEGACY_MODELS.values())
        return next((n for n in names if self.context.is_compat(value.func, n)), None)

    def _never_none(self, call: cst.Call) -> Callable[[cst.BaseExpression], bool]:
        return lambda node: self.context.never_none(node, call)

    # -- the module as a whole ---------------------------------------------------------

    def _references(self) -> list[cst.CSTNode]:
        nodes = self.context.nodes(self.context.module)
        return [n for n in nodes if self.receivers.is_shim(n) or _imported_name(self.context, n)]

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
        for construction in self.receivers.constructions():
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
                # self.attr in a class; an attribute of another object is out of sight
                owner = target.value
                if not (isinstance(owner, cst.Name) and owner.value == "self"):
                    return False
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
            if call.answer is not None:
                send = cst.Call(
                    cst.parse_expression(context.compat_name("translate_response")),
                    [cst.Arg(cst.SimpleString(f'"{call.answer}"')), cst.Arg(send)],
                )
            if call.post:
                send = cst.Call(
                    cst.parse_expression(context.compat_name("to_wire")), [cst.Arg(send)]
                )
            context.plan.replacements[call.node] = send
            context.plan.rewrites[NAME] += 1
        if whole:
            dropped: list[cst.Arg] = []
            for reference in self._references():
                parent = context.parents.get(reference)
                if isinstance(parent, cst.Call) and parent.func is reference:
                    args = [
                        a
                        for a in parent.args
                        if a.keyword is None or a.keyword.value not in _SHIM_OPTIONS
                    ]
                    dropped.extend(a for a in parent.args if a not in args)
                    if args and len(args) != len(parent.args):
                        last = parent.args[-1]  # its comma and the line break after it
                        args[-1] = args[-1].with_changes(
                            comma=last.comma, whitespace_after_arg=last.whitespace_after_arg
                        )
                    context.plan.replacements[parent] = parent.with_changes(
                        func=_message_client(reference), args=args
                    )
                else:
                    context.plan.replacements[reference] = _message_client(reference)
            context.plan.unimported.update(_unused_options(context, dropped))
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


def _imported_name(context: Context, node: cst.CSTNode) -> bool:
    """``LegacyClient`` itself, in ``from compat import LegacyClient as LC``."""
    if type(node) is not cst.Name or node.value != _SHIM:
        return False
    parent = context.parents.get(node)
    return (
        isinstance(parent, cst.ImportAlias)
        and parent.name is node
        and isinstance(context.parents.get(parent), cst.ImportFrom)
    )


def _unused_options(context: Context, dropped: list[cst.Arg]) -> list[cst.ImportAlias]:
    """The names the module's ``from compat import Policy`` binds that nothing reads but
    the ``dropped`` arguments (``policy=``, which was all the name was for)."""
    unused = []
    for statement in context.compat_imports:
        assert not isinstance(statement.names, cst.ImportStar)  # as Context keeps them
        for alias in statement.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if (
                alias.evaluated_name in _OPTION_TYPES
                and isinstance(bound, cst.Name)
                and not _read(context, bound, dropped)
            ):
                unused.append(alias)
    return unused


#: what the options the rule drops are built from
_OPTION_TYPES = ("Policy",)


def _read(context: Context, bound: cst.Name, dropped: list[cst.Arg]) -> bool:
    """Whether the module reads the name an import binds (``bound``) but in the
    ``dropped`` arguments; a string naming it counts (``__all__``, an annotation)."""
    if any(not any(context.inside(use, a) for a in dropped) for use in context.uses(bound)):
        return True
    return any(
        isinstance(node, cst.SimpleString) and node.evaluated_value == bound.value
        for node in context.nodes(context.module)
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


def _reads_a_field(
    context: Context, node: cst.CSTNode, endpoint: _spec.Endpoint, post: bool
) -> bool:
    """Whether ``node``, the shim's answer, is only read for a field of the legacy answer:
    ``node.message_id``; from ``post``'s dict, ``node["messageId"]`` or ``node.get(...)``."""
    parent = context.parents.get(node)
    if not post:
        return (
            isinstance(parent, cst.Attribute)
            and parent.value is node
            and parent.attr.value in {field.attr for field in endpoint.response}
        )
    keys = {field.wire for field in endpoint.response}
    if isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1:
        index = parent.slice[0].slice
        return isinstance(index, cst.Index) and _string(index.value) in keys
    if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "get":
        call = context.parents.get(parent)
        return (
            isinstance(call, cst.Call)
            and call.func is parent
            and bool(call.args)
            and call.args[0].keyword is None
            and _string(call.args[0].value) in keys
        )
    return False


def _string(node: cst.BaseExpression) -> Optional[str]:
    found, value = _literal(node)
    return value if found and isinstance(value, str) else None
