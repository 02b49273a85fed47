"""What the project defines, where a module's names and objects come from: the modules
of the project a module imports, read where ``compat migrate`` follows a helper into
them (``from .http import post_json``), their functions and classes, and the classes of
the project's an object is made from, as the source says.

An import is looked up as Python would find it in the project: a relative one from the
importing file's package; an absolute one from the folder above the importing file's
top package (a script's own folder), then the working folder. What is not found there
(an installed library) is not read.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

import attrs
import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper

from .._source import DEFAULT_MAX_BYTES, PATHS, depends, python_text, read_bytes
from .._source.depends import module_file
from ._plan import Context

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._payload import Options

#: the steps taken from an object to what it is made of, at most
_STEPS = 3
#: bases followed up from a class, at most
_BASES = 10
#: imports followed to where a name is defined (``__init__.py`` importing it), at most
_REEXPORTS = 3
#: why a module imported relatively is not read
_NOT_LOOKED_FOR = "which compat migrate does not look for in a source given without its file"
#: modules read, by file: (size, mtime), their digest and their context (None: not
#: Python compat reads)
_READ: dict[str, tuple[tuple[int, int], Optional[str], Optional[Context]]] = {}
_READ_KEPT = 8


def _module_file(context: Context, level: int, dotted: str) -> Optional[str]:
    """:func:`module_file` for an import of the module of ``context``, looked up once (and
    told each time: the audit keeps a file's result with what it rests on)."""
    key = (level, dotted)
    if key not in context.module_files:
        context.module_files[key] = module_file(context.path, level, dotted)
    found = context.module_files[key]
    depends.tell_module(context.path, level, dotted, found)
    return found


def module_context(path: str, options: Options) -> Optional[Context]:
    """The planning context of the Python module in ``path`` (read once while it does not
    change); None when it cannot be read or parsed."""
    try:
        stat = os.stat(path)
    except OSError:
        depends.read(path, None)
        return None
    key = (stat.st_size, stat.st_mtime_ns)
    known = _READ.get(path)
    if known is not None and known[0] == key:
        depends.read(path, known[1])
        return known[2]
    if len(_READ) >= _READ_KEPT:
        _READ.clear()
    context: Optional[Context] = None
    digest: Optional[str] = None
    try:  # read as depends.file_digest reads it: one byte past the most it takes
        data = read_bytes(path, DEFAULT_MAX_BYTES + 1)
        digest = depends.digest(data)
        if len(data) <= DEFAULT_MAX_BYTES:
            text = python_text(data)[0]
            module = cst.parse_module(text)
            context = Context(MetadataWrapper(module, unsafe_skip_copy=True), options, text, path)
    except (OSError, ValueError, RecursionError, cst.ParserSyntaxError):
        context = None
    _READ[path] = (key, digest, context)
    depends.read(path, digest)
    return context


@attrs.frozen
class Helper:
    """A helper a call calls: its definition, the context of the module that defines
    it, how it is named, and how many of its parameters come before the call's
    arguments (``self``)."""

    function: cst.FunctionDef
    context: Context
    name: str
    skipped: int


def called(context: Context, call: cst.Call) -> Optional[Helper]:
    """The helper of the project's that ``call`` calls; None when the project does not
    define it (or defines it twice)."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        return function_named(context, func)
    owner = context.enclosing_class(call)
    if owner is None:
        return None
    method = method_of(context, owner, func.attr.value, 0)
    return None if method is None else as_method(*method, f"{func.attr.value}()")


def as_method(function: cst.FunctionDef, where: Context, name: str) -> Optional[Helper]:
    """A method as the helper a call through ``self`` (or an object) calls; None for a
    property, whose value is called."""
    decorators = {where.code(d.decorator).strip() for d in function.decorators}
    if "property" in decorators or any(d.endswith(".setter") for d in decorators):
        return None
    return Helper(function, where, name, 0 if "staticmethod" in decorators else 1)


def function_named(context: Context, func: cst.BaseExpression) -> Optional[Helper]:
    """The function of the project's that ``func`` names (``name``, ``module.name``);
    None when the project does not define it (or defines it twice)."""
    if isinstance(func, cst.Name):
        name = func.value
        if name in context.imported or name in context.module_values:
            return None
        found = context.functions.get(name, [])
        if found:
            return Helper(found[0], context, f"{name}()", 0) if len(found) == 1 else None
        return _imported_function(context, name, 0)
    if not isinstance(func, cst.Attribute):
        return None
    owner = context.code(func.value).strip()
    source = _as_module(context, owner)
    if source is None:
        return None
    helper = _defined(context, source[0], source[1], func.attr.value, 0)
    return None if helper is None else attrs.evolve(helper, name=f"{owner}.{helper.name}")


def _as_module(context: Context, local: str) -> Optional[tuple[int, str, str]]:
    """The import of a module that binds ``local`` (``import x``, ``from . import x``),
    as ``import x`` (``from x import name`` as ``x.name``'s); None when it binds no
    module, or ``from x import name`` imports something a module of the project defines
    (an object, not the module ``x.name``)."""
    source = context.import_sources.get(local)
    if source is None or not source[2]:
        return source
    level, module, name = source
    if level and context.path is None:
        raise Unread(f"{local} comes from {'.' * level}{module}, {_NOT_LOOKED_FOR}")
    dotted = f"{module}.{name}" if module else name
    return (level, dotted, "") if _module_file(context, level, dotted) else None


def _imported_function(context: Context, name: str, depth: int) -> Optional[Helper]:
    """The function ``name`` that the module imports from a module of the project, as
    ``from [.]module import name`` (maybe under another name)."""
    source = context.import_sources.get(name)
    if source is None or not source[2]:
        return None
    level, module, original = source
    found = _defined(context, level, module, original, depth)
    if found is None:
        return None
    return attrs.evolve(found, name=f"{original}() from {'.' * level}{module}")


def _defined(context: Context, level: int, module: str, name: str, depth: int) -> Optional[Helper]:
    """The function ``name`` of the project's module ``module`` (``level`` dots before it)
    that the module of ``context`` imports, or of the module it imports it from."""
    imported = _imported_module(context, level, module, f"{name}()")
    if imported is None:
        return None
    found = imported.functions.get(name, [])
    if found:
        return Helper(found[0], imported, f"{name}()", 0) if len(found) == 1 else None
    if depth >= _REEXPORTS or name in imported.module_values:
        return None
    return _imported_function(imported, name, depth + 1)


class Unread(Exception):
    """A helper of the project's that compat migrate cannot read: a relative import
    (which only the project has) of a module it cannot find or parse."""


def _imported_module(context: Context, level: int, module: str, what: str) -> Optional[Context]:
    """The context of the module of the project that the module of ``context`` imports as
    ``module`` (``level`` dots before it), for ``what`` it defines; None when the project
    has no such module (an installed library's)."""
    path = _module_file(context, level, module)
    imported = module_context(path, context.options) if path is not None else None
    if imported is None and level:
        where = "." * level + module
        why = (
            "which compat migrate cannot read as Python"
            if path is not None
            else "which is not found"
        )
        if context.path is None:
            why = _NOT_LOOKED_FOR
        raise Unread(f"{what} comes from {where}, {why}")
    return imported


def method_of(
    context: Context, owner: cst.ClassDef, name: str, depth: int
) -> Optional[tuple[cst.FunctionDef, Context]]:
    """The method ``name`` of the class ``owner`` (of the module of ``context``), and the
    context of the module that defines it: the class's own, else one its bases define, in
    their order, when the project defines them (None: defined twice, or by none of the
    project's bases)."""
    found = [s for s in owner.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if found:
        return (found[0], context) if len(found) == 1 else None
    if depth >= _BASES:
        return None  # a cycle (class A(B), class B(A)), which Python refuses to build
    for base in owner.bases:
        written = context.code(base.value).strip()
        if written == "object":
            continue
        parent = _class_named(context, written)
        if parent is None:
            return None  # a base from elsewhere may define it first
        method = method_of(parent[1], parent[0], name, depth + 1)
        if method is not None:
            return method
    return None


def _class_named(
    context: Context, written: str, what: str = "the base class"
) -> Optional[tuple[cst.ClassDef, Context]]:
    """The class a base written ``written`` (``Base``, ``http.Base``) names, and the
    context of the module that defines it, when the project does."""
    parent = context.classes.get(written)
    if parent is not None:
        return parent, context
    owner, _, attr = written.rpartition(".")
    if owner:
        source = _as_module(context, owner)
    else:
        source = context.import_sources.get(written)
        if source is not None and not source[2]:
            source = None  # import Base: a module, not a class
    if source is None:
        return None
    level, module, name = source
    imported = _imported_module(context, level, module, f"{what} {written}")
    found = imported.classes.get(attr or name) if imported is not None else None
    return None if found is None or imported is None else (found, imported)


def receiver_classes(context: Context, call: cst.Call) -> list[tuple[str, cst.ClassDef, Context]]:
    """The classes of the project's the receiver of ``call`` (``receiver.method(...)``) may
    be an object of, as the source says (:func:`classes_of`); ``self`` is one of the
    class around the call. With the written receiver, and the context of the module that
    defines each class."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    receiver = func.value
    label = context.code(receiver).strip()
    if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
        owner = context.enclosing_class(call)
        return [(label, owner, context)] if owner is not None else []
    return [(label, *found) for found in classes_of(context, receiver, call, 0)]


def classes_of(
    context: Context, value: cst.BaseExpression, near: cst.CSTNode, depth: int
) -> list[tuple[cst.ClassDef, Context]]:
    """The classes of the project's that ``value`` (read at ``near``) may be an object of,
    as the source says: ``Class(...)``; a call of a function of the project's, by its
    return annotation and what it returns; a name, by its annotation as a parameter and
    what it is bound to (in the function, the module, a ``with``, or the module of the
    project it is imported from); ``self.attr``, by what the class assigns it and how it
    annotates it. A few steps deep; what the source does not say is not guessed."""
    if depth > _STEPS:
        return []
    found: list[tuple[cst.ClassDef, Context]] = []

    def follow(values: Iterable[Optional[cst.CSTNode]], where: Context) -> None:
        for bound in values:
            if isinstance(bound, cst.BaseExpression):
                found.extend(classes_of(where, bound, bound, depth + 1))

    if isinstance(value, cst.Call):
        made = _class_named(context, context.code(value.func).strip(), "the class")
        if made is not None:
            return [made]
        function = function_named(context, value.func)
        if function is not None:
            returns = function.function.returns
            follow([returns.annotation] if returns is not None else [], function.context)
            outer = function.function
            follow(
                [r.value for r in function.context.nodes(outer) if isinstance(r, cst.Return)],
                function.context,
            )
        return found
    for annotation in _annotations(value):
        made = _class_named(context, annotation, "the class")
        if made is not None:
            return [made]
    if isinstance(value, cst.Name):
        scope = context.function(near)
        if isinstance(scope, cst.FunctionDef):
            params = scope.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            follow(
                [
                    p.annotation.annotation
                    for p in every
                    if p.name.value == value.value and p.annotation
                ],
                context,
            )
    for bound, where in bindings_of(context, value, near):
        follow([bound], where)
    return found


def bindings_of(
    context: Context, value: cst.BaseExpression, near: cst.CSTNode
) -> list[tuple[cst.BaseExpression, Context]]:
    """What the source binds the name or ``self.attr`` ``value`` (read at ``near``) to,
    and the context of the module where it does: a name, in the function (or the module,
    outside one), in a ``with``, and in the module of the project it is imported from;
    ``self.attr``, what the class assigns it and how it annotates it."""
    if isinstance(value, cst.Name):
        scope = context.function(near)
        if isinstance(scope, cst.FunctionDef):
            bound = context.assigned(value, near)
        else:
            bound = list(context.module_values.get(value.value, []))
        bound.extend(
            n.item
            for n in context.nodes(scope)
            if isinstance(n, cst.WithItem)
            and n.asname is not None
            and isinstance(n.asname.name, cst.Name)
            and n.asname.name.value == value.value
        )
        found = [(v, context) for v in bound if isinstance(v, cst.BaseExpression)]
        imported = imported_object(context, value.value)
        if imported is not None:
            where, name = imported
            found.extend((v, where) for v in where.module_values.get(name, []))
        return found
    if (
        isinstance(value, cst.Attribute)
        and isinstance(value.value, cst.Name)
        and value.value.value == "self"
    ):
        owner = context.enclosing_class(near)
        if owner is not None:
            return [(v, context) for v in _assigned_to(context, owner, value.attr.value)]
    return []


def imported_object(context: Context, local: str) -> Optional[tuple[Context, str]]:
    """The module of the project that ``local`` is imported from as an object (``from
    .wallet import session``: not a module), and its name there."""
    source = context.import_sources.get(local)
    if source is None or not source[2] or _as_module(context, local) is not None:
        return None
    imported = _imported_module(context, source[0], source[1], local)
    return None if imported is None else (imported, source[2])


def _shadowed(context: Context, name: cst.Name) -> bool:
    """Whether ``name``, where it is read, may be something else than what the module's
    import binds: a parameter or variable of the function it is in or of one around that
    (``def notify(settings): ... settings.INBOX_PATH``), or a name the module binds again
    (``settings = load_tenant()``, in a block too) or its functions declare ``global``."""
    if context.local(name, name):
        return True
    declared, bindings, _ = context._module_bindings
    return name.value in declared or bindings[name.value] > 1


def imported_constant(context: Context, use: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The value a module of the project binds, once and at its top level, to the name
    ``use`` reads: ``NAME`` imported from it, or ``module.NAME``; None for anything else
    (a module compat migrate cannot read included)."""
    found = imported_binding(context, use)
    return None if found is None else found[1]


def imported_binding(
    context: Context, use: cst.BaseExpression
) -> Optional[tuple[Context, cst.BaseExpression]]:
    """:func:`imported_constant`, and the context of the module that binds it."""
    try:
        if isinstance(use, cst.Name):
            if _shadowed(context, use):
                return None
            found = imported_object(context, use.value)
            if found is None:
                return None
            imported, name = found
        elif isinstance(use, cst.Attribute) and isinstance(use.value, cst.Name):
            if _shadowed(context, use.value):
                return None
            module = module_named(context, use.value.value)
            if module is None:
                return None
            imported, name = module, use.attr.value
        else:
            return None
    except Unread:
        return None
    value = imported.module_value(name)
    return None if value is None else (imported, value)


def module_named(context: Context, local: str) -> Optional[Context]:
    """The module of the project the module of ``context`` imports as ``local`` (``from
    . import settings``, ``import svc.settings as conf``); None for anything else."""
    source = _as_module(context, local)
    return None if source is None else _imported_module(context, source[0], source[1], local)


def imports_legacy_path(context: Context) -> bool:
    """Whether the module imports from a module of the project a constant holding a
    legacy path (``from .settings import INBOX_PATH``), or imports such a module whole
    (``from . import settings``, for ``settings.INBOX_PATH``)."""
    for local in context.import_sources:
        try:
            module = module_named(context, local)
            if module is not None:
                held = [v for values in module.module_values.values() for v in values]
            else:  # an object imported from a module of the project, or not the project's
                found = imported_object(context, local)
                value = found[0].module_value(found[1]) if found is not None else None
                held = [value] if value is not None else []
        except Unread:
            continue
        if any(isinstance(v, cst.SimpleString) and PATHS.search(v.value) for v in held):
            return True
    return False


def _annotations(value: cst.BaseExpression) -> list[str]:
    """The class names an annotation may name: ``X``, ``mod.X``, ``Optional[X]``,
    ``X | None``, ``"X"``."""
    if isinstance(value, (cst.Name, cst.Attribute)):
        return [get_full_name_for_node(value) or ""]
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        try:
            return _annotations(cst.parse_expression(value.evaluated_value.strip()))
        except cst.ParserSyntaxError:
            return []
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.BitOr):
        return [*_annotations(value.left), *_annotations(value.right)]
    if isinstance(value, cst.Subscript):
        return [
            name
            for element in value.slice
            if isinstance(element.slice, cst.Index)
            for name in _annotations(element.slice.value)
        ]
    return []


def _assigned_to(context: Context, owner: cst.ClassDef, attr: str) -> list[cst.BaseExpression]:
    """What the methods of ``owner`` assign to ``self.attr``, and how the class (or they)
    annotate it."""
    values = []
    for node in context.nodes(owner):
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AnnAssign):
            targets = [node.target]
            line = context.parents.get(node)
            if _is_attr(node.target, attr) or (
                isinstance(node.target, cst.Name)
                and node.target.value == attr
                and line is not None
                and context.parents.get(line) is owner.body
            ):
                values.append(node.annotation.annotation)
        else:
            continue
        value = node.value
        if value is not None and any(_is_attr(t, attr) for t in targets):
            values.append(value)
    return values


def _is_attr(target: cst.BaseExpression, attr: str) -> bool:
    """Whether ``target`` is ``self.attr``."""
    return (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == "self"
        and target.attr.value == attr
    )


def subclass_of(
    context: Context, call: cst.Call, shim: str
) -> Optional[tuple[cst.ClassDef, Context]]:
    """The class of the project's, deriving from compat's ``shim`` (maybe through others
    of the project's), that the receiver of ``call`` may be an object of, and the context
    of the module that defines it."""
    for _, found, where in receiver_classes(context, call):
        if _derives(where, found, shim, 0):
            return found, where
    return None


def _derives(context: Context, owner: cst.ClassDef, shim: str, depth: int) -> bool:
    if depth >= _BASES:
        return False
    for base in owner.bases:
        if context.is_compat(base.value, shim):
            return True
        parent = _class_named(context, context.code(base.value).strip())
        if parent is not None and _derives(parent[1], parent[0], shim, depth + 1):
            return True
    return False


def mounted(context: Context, call: cst.Call) -> list[tuple[str, cst.ClassDef, Context]]:
    """The transport adapters of the project's mounted on the receiver of ``call``
    (``session.mount(prefix, Adapter())`` in the module, or in the module of the project
    it is imported from), with the written receiver and the context of the module that
    defines each adapter's class."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    label = context.code(func.value).strip()
    places = [(context, label)]
    imported = imported_object(context, label)
    if imported is not None:
        places.append(imported)
    found: list[tuple[str, cst.ClassDef, Context]] = []
    for where, name in places:
        for mount in where.method_calls("mount"):
            mounted = mount.func
            assert isinstance(mounted, cst.Attribute)
            if len(mount.args) >= 2 and where.code(mounted.value).strip() == name:
                adapters = classes_of(where, mount.args[1].value, mount, 0)
                found.extend((label, *adapter) for adapter in adapters)
    return found
