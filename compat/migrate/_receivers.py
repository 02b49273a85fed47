"""Which receivers are provably one of compat's shims, and the policy each was built with.

A receiver is proven when it is a name bound to ``Shim(...)`` in its scope
(``with Shim(...) as name`` included), a parameter annotated as the shim, or
``self.attr`` that its class only assigns from ``Shim(...)``. Its policy is
that of its constructions (``policy=Policy(...)`` of literals, a module
constant bound to one, or none: ``Policy()``); a parameter's, that of every
construction in the module (all the same). Anything else is not proven.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import attrs
import libcst as cst

from ..translate import Policy
from ._plan import walk

#: the methods of a urllib3 pool that send a request (a TranslatingPoolManager's)
URLLIB3_METHODS = frozenset(("request", "request_encode_body", "request_encode_url", "urlopen"))

if TYPE_CHECKING:
    from ._plan import Context

__all__ = ["Receivers", "Shim", "argument"]


@attrs.define
class Shim:
    """A receiver that is provably a shim."""

    policy: Optional[Policy]
    #: why the policy is not known
    reason: str = ""
    #: the shim's constructions this receiver comes from (the module's, for a parameter)
    constructions: list[cst.Call] = attrs.field(factory=list)


def argument(call: cst.Call, keyword: str) -> Optional[cst.BaseExpression]:
    """The value of a keyword argument of ``call``."""
    return next(
        (a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None
    )


def scope_nodes(scope: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes of a function or module, not those of the functions and classes in it
    (which are found, not entered)."""
    inner = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    return walk(scope, enter=lambda n: n is scope or not isinstance(n, inner))


class Receivers:
    """Proofs about the receivers of one module, for one shim class (``LegacyClient``...)."""

    def __init__(self, context: Context, shim: str) -> None:
        self.context = context
        self.name = shim
        self._constructions: Optional[list[cst.Call]] = None
        self._scopes: dict[int, list[cst.CSTNode]] = {}

    def is_shim(self, node: Optional[cst.CSTNode]) -> bool:
        return node is not None and self.context.is_compat(node, self.name)

    def is_construction(self, node: Optional[cst.CSTNode]) -> bool:
        return isinstance(node, cst.Call) and self.is_shim(node.func)

    def constructions(self) -> list[cst.Call]:
        """Every ``Shim(...)`` of the module."""
        if self._constructions is None:
            self._constructions = [
                n
                for n in self.context.nodes(self.context.module)
                if isinstance(n, cst.Call) and self.is_construction(n)
            ]
        return self._constructions

    def shim(self, receiver: cst.BaseExpression, near: cst.CSTNode) -> Optional[Shim]:
        """What is known of ``receiver`` when it is provably the shim, else None."""
        if isinstance(receiver, cst.Name):
            return self._name(receiver.value, near)
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            return self._attribute(receiver.value.value, receiver.attr.value, near)
        return None

    def _policy(self, calls: list[cst.Call], what: str) -> Shim:
        policies = []
        for call in calls:
            spread = next((a for a in call.args if a.star == "**"), None)
            if spread is not None:
                code = self.context.code(spread.value).strip()
                reason = f"{what} is built with **{code}, which may hold its policy"
                return Shim(None, reason, calls)
            policy, reason = self.context.policy_of(argument(call, "policy"))
            if policy is None:
                return Shim(None, reason, calls)
            policies.append(policy)
        if not policies:
            return Shim(
                None,
                f"{what} is a parameter, and this module builds no {self.name}: the policy "
                "of the one passed in is set where it is built",
            )
        if any(p != policies[0] for p in policies[1:]):
            return Shim(None, f"{what} may be built with different policies", calls)
        return Shim(policies[0], "", calls)

    def may_be(self, receiver: cst.BaseExpression, method: str, near: cst.CSTNode) -> bool:
        """Whether ``receiver``, whose ``method`` is called at ``near``, may be the shim:
        it provably is; or it is imported from a module of the project that binds it to
        one; or the module builds one (for a TranslatingPoolManager, which takes the calls
        of any urllib3 pool: the project anywhere, for a method of urllib3's) and
        ``receiver`` is not provably something else (a module, a library's object, a name
        or attribute bound to another kind of object, ``self`` of a class not derived
        from the shim)."""
        if self.shim(receiver, near) is not None:
            return True
        root = receiver
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and root.value in self.context.import_sources:
            return self._imported(receiver)
        local = bool(self.constructions())
        if not local and (method not in URLLIB3_METHODS or not self._in_project()):
            return False
        other = self._other
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            # self.http, which the class only assigns from other calls
            owner, attr = receiver.value.value, receiver.attr.value
            return not other(self._attribute_values(owner, attr, near))
        if isinstance(receiver, cst.Call):  # urllib3.PoolManager().request(...)
            return not other([receiver])
        if not isinstance(receiver, cst.Name):
            return True
        if receiver.value == "self":
            around = self.context.enclosing_class(near)
            return around is None or any(self.is_shim(base.value) for base in around.bases)
        for scope in (self.context.function(near), self.context.module):
            found = self.bindings(scope, receiver.value)
            if found:
                return not other(found)
        return True

    def _imported(self, receiver: cst.BaseExpression) -> bool:
        """Whether a ``receiver`` imported (``POOL``, ``conf.POOL``) may be the shim: what
        a module of the project binds it to is one, or is not a call compat migrate can
        read, or from a module it cannot read (a library's object or module is not one)."""
        from ._project import Unread, imported_binding, imported_object

        try:
            if isinstance(receiver, cst.Name):
                found = imported_object(self.context, receiver.value)
                if found is None:
                    return False  # a module, or a library's object
                where, name = found
                bound = where.module_value(name)
            else:
                binding = imported_binding(self.context, receiver)
                if binding is None:  # a library's module (urllib.request), or not bound once
                    return self._of_the_project(receiver)
                where, bound = binding
        except Unread:  # from a module compat migrate cannot read: it may be
            return True
        if isinstance(bound, cst.Call):  # the shim, or another object it builds
            return where.is_compat(bound.func, self.name)
        return self._in_project()

    def _of_the_project(self, receiver: cst.BaseExpression) -> bool:
        """Whether an attribute ``receiver`` of an imported module may be the shim: the
        module is the project's (what it binds there is not read), and the project builds
        one."""
        from ._project import module_named

        root = receiver
        while isinstance(root, cst.Attribute):
            root = root.value
        assert isinstance(root, cst.Name)
        return module_named(self.context, root.value) is not None and self._in_project()

    def _in_project(self) -> bool:
        """Whether the project of the module builds a TranslatingPoolManager anywhere
        (a file names it), which any urllib3 pool passed around may be."""
        from .._source import POOL_MANAGER
        from .._source.elsewhere import holding

        path = self.context.path
        return self.name == POOL_MANAGER and path is not None and bool(holding(path, self.name))

    def _other(self, values: Optional[list[cst.CSTNode]]) -> bool:
        """Whether ``values`` (what a receiver is bound to) are all calls that build
        something else than the shim."""
        return bool(values) and all(
            isinstance(v, cst.Call) and not self.is_construction(v) for v in values or ()
        )

    def bindings(self, scope: cst.CSTNode, name: str) -> Optional[list[cst.CSTNode]]:
        """What ``name`` is bound to in ``scope`` (values, or annotations); None: unknown."""
        found: list[cst.CSTNode] = []
        nodes = self._scopes.get(id(scope))
        if nodes is None:
            nodes = self._scopes[id(scope)] = scope_nodes(scope)
        for node in nodes:
            # by class, not isinstance (see compat.migrate._plan._PLAIN_BINDERS)
            if type(node) is cst.Assign:
                for target in node.targets:
                    if isinstance(target.target, cst.Name) and target.target.value == name:
                        found.append(node.value)
                    elif _binds(target.target, name):
                        return None
            elif type(node) is cst.AnnAssign and _binds(node.target, name):
                found.append(node.value if node.value is not None else node.annotation)
            elif type(node) is cst.WithItem and node.asname is not None:
                if _binds(node.asname.name, name):
                    found.append(node.item)
            elif type(node) is cst.Param and node.name.value == name:
                found.append(node.annotation if node.annotation is not None else node)
            elif _rebinds(node, name):
                return None
        return found

    def _proven(self, found: list[cst.CSTNode], what: str) -> Optional[Shim]:
        if not found:
            return None
        calls = []
        for value in found:
            if isinstance(value, cst.Annotation):
                if not self.is_shim(value.annotation):
                    return None
            elif isinstance(value, cst.Call) and self.is_construction(value):
                calls.append(value)
            else:
                return None
        return self._policy(calls or self.constructions(), what)

    def _name(self, name: str, near: cst.CSTNode) -> Optional[Shim]:
        context = self.context
        if context.bound_between(name, near):  # a lambda's parameter, a comprehension's
            return None
        scope = context.function(near)
        found = self.bindings(scope, name)
        if found is None:
            return None
        if not found and scope is not context.module:
            if context.is_local(name, scope):  # a closure's: a function's around this one
                return None
            found = self.bindings(context.module, name)
            if found is None:
                return None
        return self._proven(found, name)

    def _attribute(self, owner: str, attr: str, near: cst.CSTNode) -> Optional[Shim]:
        found = self._attribute_values(owner, attr, near)
        return None if found is None else self._proven(found, f"{owner}.{attr}")

    def _attribute_values(
        self, owner: str, attr: str, near: cst.CSTNode
    ) -> Optional[list[cst.CSTNode]]:
        """What the class around ``near`` assigns to ``owner.attr`` (``self.http = ...``),
        or annotates it as at its top; None: not known (assigned otherwise, or through
        another name)."""
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
                    found.append(node.annotation)  # a class-level `attr: Shim`
        return found


#: What :func:`_rebinds` reads (told by class: see compat.migrate._plan._PLAIN_BINDERS).
_REBINDERS = frozenset(
    {cst.For, cst.CompFor, cst.AugAssign, cst.NamedExpr, cst.Global, cst.Nonlocal}
)


def _rebinds(node: cst.CSTNode, name: str) -> bool:
    """Whether ``node`` binds ``name`` in a way that is not a plain assignment."""
    if type(node) not in _REBINDERS:
        return False
    if isinstance(node, (cst.For, cst.CompFor, cst.AugAssign, cst.NamedExpr)):
        return _binds(node.target, name)
    assert isinstance(node, (cst.Global, cst.Nonlocal))  # the last of _REBINDERS
    return any(n.name.value == name for n in node.names)


def _binds(target: cst.CSTNode, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_binds(e.value, name) for e in target.elements)
    if isinstance(target, cst.StarredElement):
        return _binds(target.value, name)
    return False
