"""Planning a module's migration: what each rule replaces, and what stays manual.

A visitor walks the module once and records replacements by node identity
(the payload dict may sit in an assignment above the call that sends it); a
transformer then applies them, and adds the ``# compat: migrate manually:``
comments. The rules (``compat.migrate.rules``) decide per call.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import attrs
import libcst as cst
from libcst.metadata import PositionProvider

from .. import _spec
from .._source import PATHS, CompatImports
from ._options import MANUAL_MARK, ManualSite

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .._source.elsewhere import Index
    from ..translate import Policy
    from ._options import Options

__all__ = ["MANUAL_MARK", "Context", "ManualSite", "Plan"]

Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]
#: What binds a name to a value: ``name = value``, or ``name: type = value``.
Binding = Union[cst.Assign, cst.AnnAssign]


def _target(binding: Binding) -> cst.BaseAssignTargetExpression:
    """What a binding assigns (the first target of ``a = b = value``)."""
    return binding.targets[0].target if isinstance(binding, cst.Assign) else binding.target


@attrs.frozen
class Bound:
    """A function's one binding of a name (see :meth:`Context.binding`)."""

    name: cst.Name
    value: cst.BaseExpression


@attrs.define
class Plan:
    replacements: dict[cst.CSTNode, cst.CSTNode] = attrs.field(factory=dict)
    notes: dict[Statement, list[str]] = attrs.field(factory=dict)
    #: the statements left for manual work (marked, unless marks are off)
    marked: set[cst.CSTNode] = attrs.field(factory=set)
    rewrites: Counter[str] = attrs.field(factory=Counter)
    manual: list[ManualSite] = attrs.field(factory=list)
    imports: set[str] = attrs.field(factory=set)
    #: what a call left for manual work is made of (its path, its payload), with the
    #: reason a mark on them gives
    related: dict[cst.CSTNode, str] = attrs.field(factory=dict)
    #: names to take out of the ``from ... import`` statements that hold them (an import
    #: nothing uses once the plan is applied)
    unimported: set[cst.ImportAlias] = attrs.field(factory=set)


#: the methods of a logger (``logging.Logger``, structlog, loguru)
_LOG_METHODS = frozenset(
    ("debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg")
)


class Context:
    """What the rules may ask about the module being planned."""

    def __init__(
        self,
        wrapper: cst.MetadataWrapper,
        options: Options,
        source: str,
        path: Optional[str] = None,
    ) -> None:
        self.module = wrapper.module
        #: the text the module was parsed from, and its file (None: not known)
        self.source = source
        self.path = path
        self.options = options
        self.wrapper = wrapper
        self._positions: Optional[Any] = None
        self._nodes: dict[int, list[cst.CSTNode]] = {}
        #: every node's parent (one walk of the module; libcst's provider costs three)
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._nodes[id(self.module)] = walk(self.module, self.parents)
        self._scope_bindings: dict[int, tuple[dict[str, list[Binding]], set[str]]] = {}
        self._binder_names: dict[int, _Binders] = {}
        self.plan = Plan()
        self._own_places: dict[tuple[str, Optional[str]], Optional[str]] = {}
        #: what the module's top-level imports bind of compat
        self.imports = CompatImports()
        #: the local names of the compat package, and of its members (local -> compat name)
        self.compat_modules = self.imports.modules
        self.compat_names = self.imports.names
        #: names that top-level ``import X`` statements bind (``uuid``, an alias, ...)
        self.imported: set[str] = set()
        #: what the module's top-level imports bind, by local name: (dots, module, name)
        #: for ``from [dots]module import name``, (0, module, "") for ``import module``
        #: (the local name dotted as the module, or its alias)
        self.import_sources: dict[str, tuple[int, str, str]] = {}
        #: the files of the modules it imports, by (dots, module), once looked up
        self.module_files: dict[tuple[int, str], Optional[str]] = {}
        #: the module's top-level ``from compat import ...`` statements (not ``*``)
        self.compat_imports: list[cst.ImportFrom] = []
        self.constants: dict[str, str] = {}
        #: module-level name -> every value assigned to it at the top level
        self.module_values: dict[str, list[cst.BaseExpression]] = {}
        for node in self.module.body:
            self._note_imports(node)

    def _note_imports(self, node: cst.CSTNode) -> None:
        if not isinstance(node, cst.SimpleStatementLine):
            return
        for statement in node.body:
            if isinstance(statement, cst.Import):
                for alias in statement.names:
                    name = self.code(alias.name)
                    asname = self.code(alias.asname.name) if alias.asname else None
                    self.imported.add(asname or name.split(".")[0])
                    self.imports.add_import(name, asname)
                    self.import_sources[asname or name] = (0, name, "")
            elif isinstance(statement, cst.ImportFrom) and not isinstance(
                statement.names, cst.ImportStar
            ):
                level = len(statement.relative)
                module = self.code(statement.module) if statement.module is not None else ""
                if module == "compat":
                    self.compat_imports.append(statement)
                for alias in statement.names:
                    name = self.code(alias.name)
                    asname = self.code(alias.asname.name) if alias.asname else None
                    self.import_sources[asname or name] = (level, module, name)
                    if statement.module is not None:
                        self.imports.add_from(module, name, asname)
            elif isinstance(statement, (cst.Assign, cst.AnnAssign)):
                targets = (
                    [t.target for t in statement.targets]
                    if isinstance(statement, cst.Assign)
                    else [statement.target]
                )
                value = statement.value
                for target in targets:
                    if isinstance(target, cst.Name) and value is not None:
                        self.module_values.setdefault(target.value, []).append(value)
                if (
                    len(targets) == 1
                    and isinstance(targets[0], cst.Name)
                    and isinstance(value, cst.SimpleString)
                ):
                    text = value.evaluated_value
                    if isinstance(text, str):
                        self.constants[targets[0].value] = text

    def compat_name(self, name: str) -> str:
        """How this module can name ``compat.<name>``; plans the import when it cannot yet."""
        if self.compat_modules:
            return f"{sorted(self.compat_modules)[0]}.{name}"
        for local, real in self.compat_names.items():
            if real == name:
                return local
        self.plan.imports.add(f"compat.{name}")
        return name

    @property
    def positions(self) -> Any:
        """Line numbers: resolved only when something needs them (they cost a code pass)."""
        if self._positions is None:
            self._positions = self.wrapper.resolve(PositionProvider)
        return self._positions

    def nodes(self, scope: cst.CSTNode) -> list[cst.CSTNode]:
        """Every node under ``scope`` (walked once, then remembered)."""
        found = self._nodes.get(id(scope))
        if found is None:
            found = self._nodes[id(scope)] = walk(scope)
        return found

    def is_compat(self, node: cst.CSTNode, name: str) -> bool:
        """Whether ``node`` names ``compat.<name>`` (through any import alias)."""
        # by class, not isinstance: see _PLAIN_BINDERS
        if type(node) is cst.Name:
            return self.compat_names.get(node.value) == name
        if type(node) is cst.Attribute:
            if node.attr.value != name:
                return False
            code = self.code(node.value)
            return code in self.compat_modules or code in ("compat.legacy", "compat.translate")
        return False

    def policy_of(self, value: Optional[cst.BaseExpression]) -> tuple[Optional[Policy], str]:
        """The :class:`compat.Policy` an expression is, when the source fixes it; else the reason.

        ``None`` (or no value) is ``Policy()``; a ``Policy(...)`` call of literals, or a
        module-level name bound once to one (of the module, or of another module of the
        project: ``config.POLICY``) and set nowhere else, is that policy.
        """
        from ..translate import Policy

        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return Policy(), ""
        seen = self.code(value).strip()
        unfixed = f"the client's policy ({seen}) is not fixed by the source"
        if isinstance(value, (cst.Name, cst.Attribute)):
            # a constant of the module, or of another module of the project (read there)
            from ._project import imported_binding

            name = value.value if isinstance(value, cst.Name) else value.attr.value
            own = isinstance(value, cst.Name) and name in self.module_values
            found = None if own else imported_binding(self, value)
            place = self.elsewhere(name) if own or found is not None else None
            if place is not None:
                return None, f"{unfixed}: {name} is set again at {place}"
            if own:
                value = self.module_value(name) or value
            elif found is not None:
                where, bound = found
                if isinstance(bound, cst.Call) and where.is_compat(bound.func, "Policy"):
                    policy, why = where.policy_of(bound)
                    return policy, why.replace(where.code(bound).strip(), seen, 1)
        literal = None
        if isinstance(value, cst.Call) and self.is_compat(value.func, "Policy"):
            literal = self._literal_arguments(value)
        if literal is None:
            taken = None  # a constant it takes, set elsewhere
            if isinstance(value, cst.Call):
                taken = next((n for n in map(self._constant_name, value.args) if n), None)
            place = self.elsewhere(taken) if taken is not None else None
            return None, unfixed if place is None else f"{unfixed}: {taken} is set again at {place}"
        args, kwargs = literal
        try:
            return Policy(*args, **kwargs), ""
        except (ValueError, TypeError) as err:
            raised = err.args[0] if err.args and isinstance(err.args[0], str) else err
            return None, f"the client's policy ({seen}) raises when it is built: {raised}"

    def _literal_arguments(self, call: cst.Call) -> Optional[tuple[list[Any], dict[str, Any]]]:
        """The values of a call's arguments, when each is a literal, a constant bound to one
        (of the module, or of another module of the project: ``settings.APP_ID``), or
        ``**NAME`` with ``NAME`` a module-level dict of literals used nowhere else
        (``Policy(**SETTINGS)``); else None."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        try:
            for a in call.args:
                if a.star == "*":
                    return None
                if a.star == "**":
                    value = self._spread_constant(a.value)
                else:
                    value = self._constant_value(a.value, call)
                if value is None:
                    return None
                literal = ast.literal_eval(self.code(value).strip())
                if a.star == "**":
                    if kwargs.keys() & literal.keys():
                        return None  # given twice: the call raises
                    kwargs.update(literal)
                elif a.keyword is None:
                    args.append(literal)
                else:
                    kwargs[a.keyword.value] = literal
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        return args, kwargs

    def _constant_value(self, value: cst.BaseExpression, near: cst.CSTNode) -> cst.BaseExpression:
        """What a constant ``value`` names is bound to, when the source fixes it: a name
        the module binds once (and nothing binds again), or a constant of another module
        of the project (``settings.APP_ID``); else ``value`` itself."""
        if isinstance(value, cst.Name) and not self.local(value, near):
            if value.value in self.module_values:
                return self.fixed_value(value.value) or value
        elif not isinstance(value, cst.Attribute):
            return value
        return self.fixed_imported(value) or value

    def _constant_name(self, arg: cst.Arg) -> Optional[str]:
        """The name of the constant an argument reads, when it is one that is set
        elsewhere (:meth:`elsewhere`)."""
        name = last_name(arg.value)
        return name if name is not None and self.elsewhere(name) is not None else None

    def _spread_constant(self, value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The dict a module-level name spread by ``**NAME`` is bound to, when the module
        binds it once and uses it nowhere but in ``**NAME`` (nothing changes it)."""
        if not isinstance(value, cst.Name):
            return None
        bound = self.fixed_value(value.value)
        binding = self.parents.get(bound) if isinstance(bound, cst.Dict) else None
        targets = [t.target for t in binding.targets] if isinstance(binding, cst.Assign) else []
        target = next(
            (t for t in targets if isinstance(t, cst.Name) and t.value == value.value), None
        )
        if target is None:
            return None
        spread = (self.parents.get(use) for use in self.uses(target))
        return bound if all(isinstance(a, cst.Arg) and a.star == "**" for a in spread) else None

    def method_calls(self, name: str) -> list[cst.Call]:
        """The module's calls of a method named ``name`` (``x.name(...)``)."""
        return self._method_calls.get(name, [])

    def attribute_assignments(self, attr: str) -> list[cst.Assign]:
        """The module's assignments to an attribute named ``attr`` (``x.attr = ...``)."""
        return self._attribute_assignments.get(attr, [])

    @functools.cached_property
    def _attribute_assignments(self) -> dict[str, list[cst.Assign]]:
        found: dict[str, list[cst.Assign]] = {}
        for node in self.nodes(self.module):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if isinstance(target.target, cst.Attribute):
                        found.setdefault(target.target.attr.value, []).append(node)
        return found

    @functools.cached_property
    def _method_calls(self) -> dict[str, list[cst.Call]]:
        found: dict[str, list[cst.Call]] = {}
        for node in self.nodes(self.module):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                found.setdefault(node.func.attr.value, []).append(node)
        return found

    @functools.cached_property
    def classes(self) -> dict[str, cst.ClassDef]:
        """The classes the module's top level defines, by name (the last of a name)."""
        return {s.name.value: s for s in self.module.body if isinstance(s, cst.ClassDef)}

    @functools.cached_property
    def functions(self) -> dict[str, list[cst.FunctionDef]]:
        """The functions the module's top level defines, by name (each ``def`` of one)."""
        found: dict[str, list[cst.FunctionDef]] = {}
        for statement in self.module.body:
            if isinstance(statement, cst.FunctionDef):
                found.setdefault(statement.name.value, []).append(statement)
        return found

    def enclosing_class(self, node: cst.CSTNode) -> Optional[cst.ClassDef]:
        """The class whose ``self`` a function around ``node`` sees: the class of the
        method it is in, or of the method a function it is in is nested in."""
        owner = self.parents.get(self.function(node))
        while owner is not None and not isinstance(owner, cst.ClassDef):
            owner = self.parents.get(owner)
        return owner

    def fixed_value(self, name: str) -> Optional[cst.BaseExpression]:
        """:meth:`module_value`, when nothing in the module or the project sets ``name``
        otherwise (:meth:`elsewhere`): what the module's constant holds when read."""
        value = self.module_value(name)
        return value if value is not None and self.elsewhere(name) is None else None

    def fixed_imported(self, use: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The value of another module's constant that ``use`` reads
        (:func:`compat.migrate._project.imported_constant`), when nothing sets it
        otherwise (:meth:`elsewhere`)."""
        from ._project import imported_constant

        value = imported_constant(self, use)
        name = last_name(use)
        if value is None or name is None or self.elsewhere(name) is not None:
            return None
        return value

    def elsewhere(self, name: str, owner: Optional[str] = None) -> Optional[str]:
        """Where this module or another of the project may set the constant ``name`` (of
        the class ``owner``, or of a module) to another value than the one bound to it:
        what the source binds it to is then not what it holds when read
        (``settings.INBOX_PATH = os.environ[...]``, ``self.INBOX_PATH = path`` in
        ``__init__``, a test's ``monkeypatch.setattr``, a subclass). None when nothing
        does. Ask it wherever a constant's value is taken for what a call sends."""
        from .._source.elsewhere import own_place, set_elsewhere

        key = (name, owner)
        if key not in self._own_places:  # the module's own source
            index = self._own_index
            self._own_places[key] = own_place(index, self.source, name, owner, self.path)
        # the project's other modules: looked at once a run, and told to the audit's cache
        # for each module that asks
        return self._own_places[key] or set_elsewhere(self.path, name, owner)

    @functools.cached_property
    def _own_index(self) -> Optional[Index]:
        """What the module's own source may set (:func:`compat._source.elsewhere.own_index`)."""
        from .._source.elsewhere import own_index

        return own_index(self.source, self.path)

    def module_value(self, name: str) -> Optional[cst.BaseExpression]:
        """The value of a module-level ``name``, when the module binds it once and no
        function declares it ``global`` (and so may assign it)."""
        values = self.module_values.get(name, [])
        return values[0] if len(values) == 1 and not self.rebound(name) else None

    def rebound(self, name: str) -> bool:
        """Whether the module-level ``name`` may be bound to another value than its one
        top-level assignment: a function declares it ``global``; the module binds it
        again anywhere in its own code (in an ``if`` or ``try`` block, a loop, an import,
        a ``def``, ``+=``, ...); or a ``from ... import *`` comes after it."""
        declared, bindings, last_star = self._module_bindings
        if name in declared or bindings[name] != 1:
            return True
        values = self.module_values.get(name, [])
        bound = self.statement(values[0]) if values else None
        body = list(self.module.body)
        return last_star > (body.index(bound) if bound in body else -1)

    @functools.cached_property
    def _module_bindings(self) -> tuple[set[str], Counter[str], int]:
        """What binds the module's names (one pass, remembered): the names its functions
        declare ``global``; how many times the module's own code (outside its functions
        and classes) binds each name, as :meth:`_bindings` and :meth:`_binders` tell a
        binding, ``del`` too; and the index of the last top-level statement holding an
        ``import *`` (-1: none)."""
        declared = {
            n.name.value
            for node in self.nodes(self.module)
            if isinstance(node, cst.Global)
            for n in node.names
        }
        bindings: Counter[str] = Counter()
        last_star = -1
        for index, statement in enumerate(self.module.body):
            for node in walk(statement, enter=_in_module_scope):
                assigned, changed = _plainly_bound(node)
                bindings.update(assigned)
                bindings.update(changed)
                bindings.update(_bound_otherwise(node, self.code))
                if type(node) is cst.Del:
                    bindings.update(_names_in(node.target))
                if type(node) is cst.ImportFrom and isinstance(node.names, cst.ImportStar):
                    last_star = index
        return declared, bindings, last_star

    @property
    def uses_compat(self) -> bool:
        return bool(self.compat_modules or self.compat_names)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def line(self, node: cst.CSTNode) -> int:
        return int(self.positions[node].start.line)

    def statement(self, node: cst.CSTNode) -> Optional[Statement]:
        current: Optional[cst.CSTNode] = node
        while current is not None:
            if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return current
            current = self.parents.get(current)
        return None

    def function(self, node: cst.CSTNode) -> cst.CSTNode:
        """The function around ``node``, or the module."""
        current: Optional[cst.CSTNode] = self.parents.get(node)
        while current is not None and type(current) is not cst.FunctionDef:
            current = self.parents.get(current)
        return current if current is not None else self.module

    def where(self, node: cst.CSTNode, module: str = "here") -> str:
        """Where ``node`` is, for a reason: ``in f()``, else ``module``."""
        function = self.function(node)
        return f"in {function.name.value}()" if isinstance(function, cst.FunctionDef) else module

    def relate(self, parts: list[Optional[cst.CSTNode]], call: cst.CSTNode) -> None:
        """``parts`` belong to ``call``, which is left for manual work."""
        reason = (
            f"this goes with a call {self.where(call)} that is left for manual work (see its mark)"
        )
        for part in parts:
            if part is not None:
                self.plan.related[part] = reason

    def manual(self, rule: str, node: cst.CSTNode, reason: str) -> None:
        reason = _one_line(reason)  # it may quote code that spans lines; a comment cannot
        self.plan.manual.append(ManualSite(self.line(node), rule, reason))
        statement = self.statement(node)
        if statement is not None:
            self.plan.marked.add(statement)
            if self.options.annotate:
                self.plan.notes.setdefault(statement, []).append(reason)

    # -- strings and names ------------------------------------------------------------

    def legacy_path_in(
        self, node: cst.BaseExpression
    ) -> Optional[tuple[_spec.Endpoint, StringPart]]:
        """The legacy endpoint a string expression names, and the literal that holds the path."""
        for literal in _string_parts(node):
            raw = literal.value
            match = PATHS.search(raw)
            if match and match.lastgroup:
                return _spec.LEGACY_ENDPOINTS[match.lastgroup], literal
        return None

    def binding(self, name: cst.Name, near: cst.CSTNode) -> Optional[Bound]:
        """The one assignment of ``name`` in the function around ``near`` (annotated or not),
        if it is the only one and the name is not changed otherwise (item or attribute
        assignment, augmented).

        None outside functions: a module's names are what other modules import, and what
        its functions read; rewriting one in place would change what they send.
        """
        scope = self.function(near)
        if scope is self.module:
            return None
        assigns, changed = self._bindings(scope)
        found = assigns.get(name.value, [])
        if name.value in changed or len(found) != 1:
            return None
        one = found[0]
        bound = _target(one)
        if isinstance(one, cst.Assign) and len(one.targets) != 1:
            return None
        assert isinstance(bound, cst.Name)  # as _bindings has it
        assert one.value is not None
        return Bound(bound, one.value)

    def sole_binding(self, name: cst.Name, near: cst.CSTNode) -> Optional[Bound]:
        """:meth:`binding`, when nothing else in the function binds ``name`` either: not a
        parameter, a loop's or a ``with``'s target, ``:=``, ``except ... as``, an import,
        a ``def`` or ``class``, ``global`` or ``nonlocal`` (the value read is then the one
        assigned, wherever it is read after it)."""
        bound = self.binding(name, near)
        if bound is None:
            return None
        binders = self._binders(self.function(near))
        return None if name.value in binders.params or binders.others[name.value] else bound

    def _binders(self, scope: cst.CSTNode) -> _Binders:
        """The parameters of ``scope``, the names it binds otherwise than by a plain
        assignment (see :meth:`sole_binding`), how many times each, the ``for`` loops
        that bind each, and its local names (:meth:`local`)."""
        known = self._binder_names.get(id(scope))
        if known is None:  # one pass over the function, remembered
            known = self._binder_names[id(scope)] = _Binders(set(), Counter(), {}, set())
            others = known.others
            for node in self.nodes(scope):
                if type(node) in _TARGET_HOLDERS:
                    target = getattr(node, "target", None) or getattr(node, "asname", None)
                    if target is not None:
                        known.local.update(_mentioned(target))
                if type(node) is cst.Param:
                    known.params.add(node.name.value)
                    known.local.add(node.name.value)
                elif node is not scope:
                    bound = _bound_otherwise(node, self.code)
                    others.update(bound)
                    # local too: an ``as`` (except, import), ``:=``, a def or class, and a
                    # ``global`` (the module's name, which the function may bind anew)
                    known.local.update(bound)
                    if isinstance(node, cst.For):
                        for name in bound:
                            known.loops.setdefault(name, []).append(node)
        return known

    def _bindings(self, scope: cst.CSTNode) -> tuple[dict[str, list[Binding]], set[str]]:
        """Each name's plain assignments in ``scope`` (annotated or not), and the names
        changed otherwise there (one pass over the scope, remembered). An annotation alone
        (``name: type``) binds nothing."""
        known = self._scope_bindings.get(id(scope))
        if known is not None:
            return known
        assigns: dict[str, list[Binding]] = {}
        changed: set[str] = set()
        for node in self.nodes(scope):
            assigned, changes = _plainly_bound(node)
            if assigned and isinstance(node, (cst.Assign, cst.AnnAssign)):  # what binds them
                for name in assigned:
                    assigns.setdefault(name, []).append(node)
            changed |= changes
        known = self._scope_bindings[id(scope)] = (assigns, changed)
        return known

    def module_name(self, name: cst.Name, near: cst.CSTNode) -> Optional[str]:
        """Why a module-level name is not read for its value here (see :meth:`binding`)."""
        if self.function(near) is not self.module or name.value not in self.module_values:
            return None
        return (
            f"{name.value}, the payload, is a name of the module, which its functions and other "
            "modules may use too: it is not rewritten in place (build the payload in the call)"
        )

    def assigned(self, name: cst.Name, near: cst.CSTNode) -> list[Optional[cst.CSTNode]]:
        """The values ``name`` is assigned in the function around ``near``, or, when the
        function does not bind it, the module's (none in the module's own code)."""
        scope = self.function(near)
        if scope is self.module:
            return []
        values: list[Optional[cst.CSTNode]] = [
            bound.value for bound in self._bindings(scope)[0].get(name.value, [])
        ]
        if not values and not self.local(name, near):
            values.extend(self.module_values.get(name.value, []))
        return values

    def changed(self, name: cst.Name, near: cst.CSTNode) -> bool:
        """Whether ``name`` is assigned in the function around ``near`` (so, when it has no
        :meth:`binding`, assigned more than once or changed after)."""
        return name.value in self._bindings(self.function(near))[0]

    def shared(
        self,
        assign: Bound,
        call: cst.CSTNode,
        also: Optional[Callable[[cst.Name], bool]] = None,
        *,
        dumped: bool = False,
    ) -> Optional[str]:
        """Why the value bound by ``assign`` may not be only what ``call`` sends as it is
        written: its name is used elsewhere in the function. There the dict may change
        (passed to a function, given another name, a method called on it or on a part of
        it); or, ``dumped``, the payload's JSON goes somewhere else too (to another URL, a
        signature), which would then get the new body. Uses in ``call`` are safe, and so
        are logging it and those ``also`` says are."""
        name = assign.name
        for node in self.uses(name):
            if self.inside(node, call) or (also is not None and also(node)) or self._logged(node):
                continue
            if dumped or self._dumped(node):
                what = (
                    "the payload as JSON, is also used"
                    if dumped
                    else "the payload, is also written as JSON"
                )
                return (
                    f"{name.value}, {what} elsewhere {self.where(node)} (another send, a "
                    "signature?), which would get the new body too: migrate this call by hand"
                )
            parent = self.parents.get(node)
            if isinstance(parent, cst.Subscript) and parent.value is node:
                return (
                    f"{name.value}, the payload, is also used by key elsewhere "
                    f"{self.where(node)} ({_one_line(self.code(parent).strip())}), to read or "
                    "change what it holds, and the new body's keys and values are not the "
                    "legacy ones: migrate this call by hand"
                )
            return (
                f"{name.value}, the payload, is also used elsewhere {self.where(node)} "
                "(passed on, given another name, or changed there), so what is sent cannot be "
                "read from its literal"
            )
        return None

    def uses(self, name: cst.Name) -> Iterator[cst.Name]:
        """The uses of the variable ``name`` assigns, in its function (not ``other.name``,
        nor a keyword ``f(name=...)``, nor an annotation alone, ``name: type``)."""
        for node in self.nodes(self.function(name)):
            if not isinstance(node, cst.Name) or node.value != name.value or node is name:
                continue
            parent = self.parents.get(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            if isinstance(parent, cst.Arg) and parent.keyword is node:
                continue
            if isinstance(parent, cst.AnnAssign) and parent.target is node and parent.value is None:
                continue
            yield node

    def built_for_each_send(self, payload: cst.CSTNode, call: cst.Call) -> Optional[str]:
        """Why the literal ``payload``, sent by ``call``, may be built once for several
        sends (the caller puts a requestId of its own in it, as the translator gives
        each send one): bound by ``functools.partial``, a name used more than once, or a
        name built before a loop, or outside a lambda, that sends it. None when each
        send builds it anew."""
        if self.inside(payload, call):  # written in the call: built each time it is made
            if self.code(call.func).strip() in PARTIAL:
                return f"{self.code(call.func).strip()} builds it once for every call it makes"
            return None
        scope = self.function(call)
        statement = self.statement(payload)
        assign = self.parents.get(payload)
        if not isinstance(assign, (cst.Assign, cst.AnnAssign)) or statement is None:
            return "it is not built by one assignment"  # pragma: no cover
        bound = _target(assign)
        name = self.code(bound).strip()
        uses = sum(1 for _ in self.uses(bound)) if isinstance(bound, cst.Name) else 2
        if uses > 1:
            return f"{name} is used {uses} times, so it may be sent more than once"
        around = self.parents.get(call)
        while around is not None and around is not scope:
            if isinstance(around, _REPEATED) and not self.inside(statement, around):
                kind = "a lambda" if isinstance(around, cst.Lambda) else "a loop"
                return f"{name} is built once, before {kind} that sends it"
            around = self.parents.get(around)
        return None

    def _logged(self, name: cst.Name) -> bool:
        """Whether ``name`` is only logged or printed: an argument of ``print(...)`` or of
        a logger's method (``log.info(...)``, ``self.logger.debug(...)``), maybe as what
        ``json.dumps(...)`` writes, or a slice of it (``json.dumps(payload)[:200]``). What
        is logged changes with the body; what is sent does not."""
        node: cst.CSTNode = name
        if self._dumped(name):  # the name is an argument of json.dumps(...): that call's
            node = self.parents[self.parents[name]]
            above = self.parents.get(node)
            if isinstance(above, cst.Subscript) and above.value is node:
                node = above
        argument = self.parents.get(node)
        call = self.parents.get(argument) if isinstance(argument, cst.Arg) else None
        if not isinstance(call, cst.Call):
            return False
        func = call.func
        if isinstance(func, cst.Name):
            return func.value == "print"
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _LOG_METHODS
            and "log" in self.code(func.value).lower()
        )

    def _dumped(self, name: cst.Name) -> bool:
        """Whether ``name`` is what a ``json.dumps(...)`` writes."""
        argument = self.parents.get(name)
        call = self.parents.get(argument) if isinstance(argument, cst.Arg) else None
        return (
            isinstance(call, cst.Call)
            and call.args[0] is argument
            and self.code(call.func).strip() in ("json.dumps", "dumps")
        )

    def inside(self, node: cst.CSTNode, outer: cst.CSTNode) -> bool:
        """Whether ``node`` is ``outer`` or inside it."""
        here: Optional[cst.CSTNode] = node
        while here is not None:
            if here is outer:
                return True
            here = self.parents.get(here)
        return False

    def local(self, name: cst.Name, near: cst.CSTNode) -> bool:
        """Whether ``name`` is a parameter or a variable of the function around ``near``, or
        of a function around that one (a closure reads the nearest: not the module's)."""
        return self.is_local(name.value, near)

    def is_local(self, name: str, near: cst.CSTNode) -> bool:
        """:meth:`local`, for the name ``name``: bound by a function around ``near``, or by
        a lambda or comprehension between them."""
        around = self.functions_around(near)
        if any(name in self._binders(scope).local for scope in around):
            return True
        return self.bound_between(name, near)

    def bound_between(self, name: str, near: cst.CSTNode) -> bool:
        """Whether a lambda's parameter or a comprehension's target between ``near`` and the
        function around it (or the module) binds ``name``."""
        current = self.parents.get(near)
        while current is not None and type(current) is not cst.FunctionDef:
            if type(current) is cst.Lambda and name in names(current.params):
                return True
            clause = getattr(current, "for_in", None) if type(current) in _COMPREHENSIONS else None
            while clause is not None:
                if name in names(clause.target):
                    return True
                clause = clause.inner_for_in
            current = self.parents.get(current)
        return False

    def functions_around(self, near: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The functions around ``near``, nearest first."""
        scope = self.function(near)
        while scope is not self.module:
            yield scope
            scope = self.function(scope)

    def never_none(self, node: cst.BaseExpression, near: cst.CSTNode, depth: int = 0) -> bool:
        """Whether the source fixes that ``node`` is not None when it is sent (the shim
        leaves out or fills in a field that is None; a rewrite would send null).

        A literal, an f-string, arithmetic or concatenation, a string made by a call
        (``str(...)``, ``json.dumps(...)``, ``"...".format(...)``, ``x.strip()``), a
        uuid's ``.hex``; a name bound once in the function or the module to one of those;
        a parameter annotated ``str`` with no None default, or a field so declared by a
        class of the module (:meth:`_typed_str_field`); a loop variable of a
        comprehension over literals. Anything else may be None.
        """
        if depth > 4:
            return False
        if isinstance(node, _NEVER_NONE):
            return True
        if isinstance(node, cst.IfExp):
            return self.never_none(node.body, near, depth + 1) and self.never_none(
                node.orelse, near, depth + 1
            )
        if isinstance(node, cst.BooleanOperation):  # ``a or b`` is b when a is falsy
            return self.never_none(node.right, near, depth + 1) and (
                isinstance(node.operator, cst.Or) or self.never_none(node.left, near, depth + 1)
            )
        if isinstance(node, cst.Call):
            func = node.func
            if self.code(func).strip() in _STRING_CALLS:
                return True
            return isinstance(func, cst.Attribute) and func.attr.value in _STRING_METHODS
        if isinstance(node, cst.Attribute):
            if node.attr.value == "hex" and isinstance(node.value, cst.Call):  # uuid4().hex
                return True
            return self._typed_str_field(node, near) or self._imported_literal(node)
        if not isinstance(node, cst.Name):
            return False
        comprehension, looped = self._looped(node, near)
        if comprehension:
            return looped is not None and all(
                self.never_none(value, near, depth + 1) for value in looped
            )
        if self.bound_between(node.value, near):  # a lambda's parameter: given anything
            return False
        bound = self.sole_binding(node, near)
        if bound is not None:
            return self.never_none(bound.value, near, depth + 1)
        if self.local(node, near):
            scope = self.function(near)
            if scope is self.module or node.value not in self._binders(scope).local:
                return False  # a lambda's or comprehension's in the module, or a closure's
            binders = self._binders(scope)
            if self.changed(node, near):
                return False
            loops = binders.loops.get(node.value, [])
            if len(loops) == 1 and binders.others[node.value] == 1:  # bound by one loop only
                if node.value in binders.params:
                    return False
                looped = self._looped_over(loops[0].target, loops[0].iter, node, near)
                return looped is not None and all(
                    self.never_none(value, near, depth + 1) for value in looped
                )
            # a parameter annotated str, bound nowhere else
            return not binders.others[node.value] and self._typed_str(node, near)
        if node.value not in self.module_values:
            return self._imported_literal(node)
        value = self.fixed_value(node.value)
        return value is not None and self.never_none(value, near, depth + 1)

    def _imported_literal(self, use: Union[cst.Name, cst.Attribute]) -> bool:
        """Whether ``use`` reads a constant another module of the project binds once to a
        literal, an f-string or a concatenation (``settings.APP_ID``, ``APP_ID`` imported
        from it): never None."""
        return isinstance(self.fixed_imported(use), _NEVER_NONE)

    def _looped(
        self, name: cst.Name, near: cst.CSTNode
    ) -> tuple[bool, Optional[list[cst.BaseExpression]]]:
        """Whether a comprehension around ``name`` binds it; and the values it binds it to,
        when it loops over a literal list, tuple, set or dict (or a name bound once to
        one): its items, a dict's keys, or with ``.keys()``, ``.values()`` or ``.items()``
        (``for k, v in``)."""
        current = self.parents.get(name)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
                clause: Optional[cst.CompFor] = current.for_in
                while clause is not None:
                    if _mentions(clause.target, name.value):
                        return True, self._looped_over(clause.target, clause.iter, name, near)
                    clause = clause.inner_for_in
            current = self.parents.get(current)
        return False, None

    def _looped_over(
        self,
        target: cst.BaseAssignTargetExpression,
        iterated: cst.BaseExpression,
        name: cst.Name,
        near: cst.CSTNode,
    ) -> Optional[list[cst.BaseExpression]]:
        method = None
        if isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Attribute):
            method, iterated = iterated.func.attr.value, iterated.func.value
        if isinstance(iterated, cst.Name):
            bound = self.sole_binding(iterated, near)
            found = bound.value if bound is not None else self.module_value(iterated.value)
            iterated = found if found is not None else iterated
        if isinstance(iterated, cst.Dict) and method in (None, "keys", "values", "items"):
            pairs = [(e.key, e.value) for e in iterated.elements if isinstance(e, cst.DictElement)]
            if len(pairs) != len(iterated.elements):
                return None  # a ** in it
            if method == "items" and isinstance(target, cst.Tuple) and len(target.elements) == 2:
                first, second = (e.value for e in target.elements)
                if isinstance(first, cst.Name) and first.value == name.value:
                    return [key for key, _ in pairs]
                if isinstance(second, cst.Name) and second.value == name.value:
                    return [value for _, value in pairs]
                return None
            if isinstance(target, cst.Name):
                return (
                    [value for _, value in pairs]
                    if method == "values"
                    else [key for key, _ in pairs]
                )
            return None
        if (
            method is None
            and isinstance(iterated, (cst.List, cst.Tuple, cst.Set))
            and isinstance(target, cst.Name)
            and all(isinstance(e, cst.Element) for e in iterated.elements)
        ):
            return [e.value for e in iterated.elements]
        return None

    def _typed_str_field(self, node: cst.Attribute, near: cst.CSTNode) -> bool:
        """Whether ``node`` is ``owner.field``, with ``owner`` a parameter annotated with a
        class of the module (or ``self`` in a method of one) that declares ``field: str``
        (a dataclass's, attrs', pydantic's field, or a class's annotated attribute)."""
        owner = node.value
        if not isinstance(owner, cst.Name) or self.changed(owner, near):
            return False  # the parameter, not something assigned to the name
        function = self.function(near)
        if not isinstance(function, cst.FunctionDef):
            return False
        params = function.params
        found: Optional[cst.ClassDef] = None
        for index, param in enumerate((*params.posonly_params, *params.params)):
            if param.name.value != owner.value:
                continue
            if param.annotation is not None:
                found = self.classes.get(self.code(param.annotation.annotation).strip())
            elif index == 0 and owner.value == "self":
                around = self.parents.get(self.parents.get(function) or function)
                found = around if isinstance(around, cst.ClassDef) else None
        if found is None:
            return False
        return any(
            isinstance(small, cst.AnnAssign)
            and isinstance(small.target, cst.Name)
            and small.target.value == node.attr.value
            and self._declared_str(small.annotation, small.value)
            for statement in found.body.body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
        )

    def _typed_str(self, name: cst.Name, near: cst.CSTNode) -> bool:
        """Whether ``name`` is a parameter of the function around ``near`` annotated
        ``str``, with no None default."""
        function = self.function(near)
        assert isinstance(function, cst.FunctionDef)  # the name is local: in a function
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name.value:
                return self._declared_str(param.annotation, param.default)
        return False

    def _declared_str(
        self, annotation: Optional[cst.Annotation], default: Optional[cst.BaseExpression]
    ) -> bool:
        """Whether a parameter or field so declared is a str: annotated ``str``, and not
        None by default (``x: str = None``, an implicit Optional)."""
        return (
            annotation is not None
            and self.code(annotation.annotation).strip() in ("str", "builtins.str")
            and not (isinstance(default, cst.Name) and default.value == "None")
        )


@attrs.frozen
class _Binders:
    """What binds names in a function besides plain assignments (:meth:`Context._binders`)."""

    params: set[str]
    others: Counter[str]
    loops: dict[str, list[cst.For]]
    #: what :meth:`Context.local` reads: the parameters, and every name an assignment,
    #: a loop, a comprehension, an ``as``, ``:=``, a ``def`` or ``class`` or ``global``
    #: binds (of an attribute's target, the object's)
    local: set[str]


#: Expressions that are never None: literals, f-strings, and arithmetic or concatenation
#: (whose operands, were they None, would raise before anything is sent).
_NEVER_NONE = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.BinaryOperation,
)
#: Calls that make a string (or raise).
_STRING_CALLS = frozenset({"str", "repr", "ascii", "format", "chr", "json.dumps", "dumps"})
#: Methods of str (and of dates) that make one: on a value that is not a string, they
#: raise before anything is sent.
_STRING_METHODS = frozenset(
    {
        "format", "join", "strip", "lstrip", "rstrip", "lower", "upper", "title",
        "capitalize", "casefold", "replace", "zfill", "ljust", "rjust", "center",
        "removeprefix", "removesuffix", "decode", "hex", "isoformat", "strftime",
    }
)  # fmt: skip

_MUTATORS = {"update", "pop", "setdefault", "clear", "popitem", "__setitem__"}
#: calls that bind a function's arguments for later calls (``functools.partial(post, URL)``)
PARTIAL = ("partial", "functools.partial", "partialmethod", "functools.partialmethod")
#: what runs its body more than once for one pass of the code around it
_REPEATED = (
    cst.For,
    cst.While,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


#: What no rule looks for, and the walk does not enter: whitespace, comments and
#: punctuation (the rules read them straight from the node that has them).
_NOT_WALKED = frozenset(
    {
        cst.SimpleWhitespace,
        cst.ParenthesizedWhitespace,
        cst.TrailingWhitespace,
        cst.EmptyLine,
        cst.Newline,
        cst.Comment,
        cst.Comma,
        cst.Colon,
        cst.Semicolon,
        cst.Dot,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    }
)
#: The node classes that bind names (:func:`_plainly_bound`, :func:`_bound_otherwise`) or
#: hold a target (:meth:`Context._binders`), told by class: ``isinstance`` goes through
#: the ABC machinery for every class a node is not, and libcst's node classes have no
#: subclasses (a test holds them to that).
_PLAIN_BINDERS = frozenset({cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Attribute})
_OTHER_BINDERS = frozenset(
    {
        cst.For,
        cst.NamedExpr,
        cst.AsName,
        cst.ImportAlias,
        cst.FunctionDef,
        cst.ClassDef,
        cst.Global,
        cst.Nonlocal,
    }
)
_COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})
_TARGET_HOLDERS = frozenset({cst.AssignTarget, cst.AnnAssign, cst.For, cst.CompFor, cst.WithItem})


#: Each node class's fields, in their order (a node's children are in them).
_FIELDS: dict[type, tuple[str, ...]] = {}
#: Whether values of a type are walked: nodes, less those above. A look-up here costs a
#: fraction of ``isinstance(value, cst.CSTNode)``, which goes through the ABC machinery.
_WALKED: dict[type, bool] = {}


def _walked(kind: type) -> bool:
    """:data:`_WALKED` for ``kind``, worked out once."""
    known = _WALKED.get(kind)
    if known is None:
        known = _WALKED[kind] = issubclass(kind, cst.CSTNode) and kind not in _NOT_WALKED
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of ``node`` a rule may look for, read from its fields: libcst's own
    visit rebuilds every node it passes, at several times the cost.

    Fields come in their declared order, which is the source's but for some that
    libcst declares last (a function's decorators come after its body): no rule
    depends on the order of siblings.
    """
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(node))
    found: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        of = type(value)
        for item in value if of is tuple or of is list else (value,):
            kind = type(item)
            walked = _WALKED.get(kind)
            if walked or (walked is None and _walked(kind)):
                found.append(item)
    return found


def _in_module_scope(node: cst.CSTNode) -> bool:
    """Whether what is under ``node`` is still in the scope ``node`` is in (not in a
    function, class, lambda or comprehension of its own)."""
    return not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.CompFor))


def _plainly_bound(node: cst.CSTNode) -> tuple[list[str], set[str]]:
    """The names ``node`` binds by a plain assignment (``name = value``, ``name: type =
    value``; an annotation alone binds nothing), and those it changes otherwise (another
    target of an assignment, ``+=``, a mutating method: ``name.update(...)``)."""
    if type(node) not in _PLAIN_BINDERS:
        return [], set()
    if isinstance(node, cst.Assign):
        targets = [t.target for t in node.targets]
    elif isinstance(node, cst.AnnAssign) and node.value is not None:
        targets = [node.target]
    elif isinstance(node, cst.AugAssign):
        return [], _names_in(node.target)
    elif (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.attr.value in _MUTATORS
    ):
        return [], {node.value.value}
    else:
        return [], set()
    assigned = [t.value for t in targets if isinstance(t, cst.Name)]
    changed = {n for t in targets if not isinstance(t, cst.Name) for n in _names_in(t)}
    return assigned, changed


def _bound_otherwise(node: cst.CSTNode, code: Callable[[cst.CSTNode], str]) -> list[str]:
    """The names ``node`` binds otherwise than by a plain assignment: a loop's or a
    ``:=``'s target, an ``as`` (``with``, ``except``, an import's), an import, a ``def``
    or ``class``, ``global`` or ``nonlocal``."""
    if type(node) not in _OTHER_BINDERS:
        return []
    if isinstance(node, (cst.For, cst.NamedExpr)):
        return sorted(names(node.target))
    if isinstance(node, cst.AsName):
        return sorted(names(node.name))
    if isinstance(node, cst.ImportAlias):  # an alias is its AsName's (told once)
        return [] if node.asname else [code(node.name)]
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return [node.name.value]
    assert isinstance(node, (cst.Global, cst.Nonlocal))  # the last of _OTHER_BINDERS
    return [n.name.value for n in node.names]


def last_name(node: cst.BaseExpression) -> Optional[str]:
    """The name a constant is read by: ``NAME``, or the last of ``module.NAME``."""
    if isinstance(node, cst.Name):
        return node.value
    return node.attr.value if isinstance(node, cst.Attribute) else None


def walk(
    node: cst.CSTNode,
    parents: Optional[dict[cst.CSTNode, cst.CSTNode]] = None,
    enter: Optional[Callable[[cst.CSTNode], bool]] = None,
) -> list[cst.CSTNode]:
    """Every node under ``node`` (see :func:`children`), parents before their children;
    their parents into ``parents`` when given; ``enter`` says which nodes' children
    are taken (all, by default)."""
    found: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if enter is not None and not enter(current):
            continue
        below = children(current)
        if parents is not None:
            for child in below:
                parents[child] = current
        below.reverse()
        stack.extend(below)
    return found


def names(node: cst.CSTNode) -> set[str]:
    """Every name in ``node``."""
    if isinstance(node, cst.Name):
        return {node.value}
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


_LINE_BREAK = re.compile(r"[ \t]*\\?[ \t]*(?:\r\n|\r|\n)[ \t]*")


def _one_line(text: str) -> str:
    """``text`` with each line break (and a backslash continuing a line) made one space."""
    return _LINE_BREAK.sub(" ", text)


def _names_in(node: cst.CSTNode) -> set[str]:
    """The names a target changes (``x`` of ``x["k"]`` and ``x.y``; both of ``(x, y)``)."""
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        return _names_in(node.value)
    return names(node)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return name in _mentioned(node)


def _mentioned(node: cst.CSTNode) -> set[str]:
    """The names a target mentions (of an attribute, the object's)."""
    if isinstance(node, cst.Attribute):
        return _mentioned(node.value)
    return names(node)


StringPart = Union[cst.SimpleString, cst.FormattedStringText]


def _string_parts(node: cst.BaseExpression) -> list[StringPart]:
    """The literal pieces of a string expression whose text may hold a path."""
    if isinstance(node, cst.SimpleString):
        return [node]
    if isinstance(node, cst.FormattedString):
        return [p for p in node.parts if isinstance(p, cst.FormattedStringText)]
    if isinstance(node, cst.ConcatenatedString):
        return _string_parts(node.left) + _string_parts(node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _string_parts(node.left) + _string_parts(node.right)
    return []
