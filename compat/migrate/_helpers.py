"""A helper of the code's own that a call hands the legacy path and its payload to.

``self._post(path, {...})`` is rewritten as a raw HTTP call only when the helper,
defined in the module (a function of the module, or a method of the class around the
call or of a base class of the module's), sends the payload as it is given: what it
does to it otherwise (adds a key, reads one, spreads it into another dict) would then
be done to the new body, which the shim never saw. A helper the module does not define
is taken at its word, as an HTTP client's method is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

if TYPE_CHECKING:
    from ._plan import Context

#: the arguments that carry the body, in the HTTP clients real code uses
BODY = ("json", "data", "body", "content")
#: what may be done to the path without telling one path from another
_PATH_METHODS = frozenset(("strip", "lstrip", "rstrip"))
#: methods that look a key up: a path given to one picks something by path
_LOOKUPS = frozenset(("get", "pop", "setdefault", "index", "startswith", "endswith"))
#: what copies a dict, or makes a new one of it and more
_COPIES = frozenset(("dict", "copy", "copy.copy", "deepcopy", "copy.deepcopy", "ChainMap"))
#: what binds a name
_BINDERS = (
    cst.AssignTarget,
    cst.AugAssign,
    cst.AnnAssign,
    cst.Del,
    cst.For,
    cst.CompFor,
    cst.WithItem,
    cst.AsName,
    cst.NamedExpr,
)
#: helpers followed into helpers, at most
_DEPTH = 3
#: bases followed up from a class, at most
_BASES = 10


def why_not_as_given(
    context: Context, call: cst.Call, path: cst.BaseExpression, payload: cst.BaseExpression
) -> Optional[str]:
    """Why ``call`` may not send ``payload`` to ``path`` as the two are given: it hands
    them to a helper the module defines, which does more with them (None: it does not,
    or the helper is not the module's)."""
    return _why(context, call, path, payload, 0)


def _why(
    context: Context,
    call: cst.Call,
    path: Optional[cst.BaseExpression],
    payload: cst.BaseExpression,
    depth: int,
) -> Optional[str]:
    found = _helper(context, call)
    if found is None:
        return None
    helper, skipped = found
    name = f"{helper.name.value}()"
    if depth >= _DEPTH:
        return f"the payload goes through helpers more than {_DEPTH} deep, down to {name}"
    given = _parameter(helper, call, payload, skipped)
    keyword = _keyword(call, payload)
    if given is None and keyword is not None and isinstance(helper.params.star_kwarg, cst.Param):
        # json={...} into **kwargs: followed when they go on whole to a call that sends
        # them, and the helper reads or sets only other keys of them (timeout=, headers=)
        kwargs = helper.params.star_kwarg.name
        for use in context.uses(kwargs):
            if not _passes_on(context, use, keyword):
                return (
                    f"the payload goes into {name} as {keyword}= in **{kwargs.value}, which it "
                    "does more with than pass on: migrate it with the calls to it by hand"
                )
        given = None if path is None else _parameter(helper, call, path, skipped)
        return _tells_paths_apart(context, name, given)
    if given is None:
        return (
            f"the payload reaches {name} by *args or **kwargs, where compat migrate does "
            f"not follow it: migrate {name} with the calls to it by hand"
        )
    for use in context.uses(given.name):
        inner = _handed_on(context, use, depth)
        if inner is not None:
            return inner
        done = _payload_use(context, use)
        if done is not None:
            return (
                f"the payload goes through {name}, which {done} before it is sent: migrate "
                f"{name} with the calls to it by hand"
            )
    if path is None:
        return None
    return _tells_paths_apart(context, name, _parameter(helper, call, path, skipped))


def _tells_paths_apart(context: Context, name: str, given: Optional[cst.Param]) -> Optional[str]:
    """Why the helper ``name``, which takes the legacy path as ``given``, may do another
    thing with the new path (None: it does not tell paths apart)."""
    for use in context.uses(given.name) if given is not None else ():
        if _picks_by(context, use):
            return (
                f"the legacy path goes through {name}, which tells paths apart: migrate "
                f"{name} with the calls to it by hand"
            )
    return None


def _keyword(call: cst.Call, value: cst.BaseExpression) -> Optional[str]:
    """The keyword ``value`` is given to ``call`` by, if any."""
    arg = next((a for a in call.args if a.value is value), None)
    return arg.keyword.value if arg is not None and arg.keyword is not None else None


def _passes_on(context: Context, use: cst.Name, keyword: str) -> bool:
    """Whether the helper, at ``use`` of its ``**kwargs``, passes them on whole to a call
    that is not another helper of the module's, or reads or sets a key other than
    ``keyword`` (the payload's)."""
    parent = context.parents.get(use)
    if isinstance(parent, cst.Arg) and parent.star == "**":
        call = context.parents.get(parent)
        return isinstance(call, cst.Call) and _helper(context, call) is None
    key: Optional[cst.BaseExpression] = None
    if isinstance(parent, cst.Attribute) and parent.value is use:
        call = context.parents.get(parent)
        if parent.attr.value in ("get", "pop", "setdefault") and isinstance(call, cst.Call):
            key = call.args[0].value if call.args else None
    elif isinstance(parent, cst.Subscript) and len(parent.slice) == 1:
        index = parent.slice[0].slice
        key = index.value if isinstance(index, cst.Index) else None
    elif isinstance(parent, cst.ComparisonTarget):  # "timeout" in kwargs
        comparison = context.parents.get(parent)
        key = comparison.left if isinstance(comparison, cst.Comparison) else None
    return isinstance(key, cst.SimpleString) and key.evaluated_value not in (keyword, None)


def _helper(context: Context, call: cst.Call) -> Optional[tuple[cst.FunctionDef, int]]:
    """The function of the module ``call`` calls, and how many of its parameters come
    before the call's arguments (``self``); None when it is not the module's."""
    func = call.func
    if isinstance(func, cst.Name):
        name = func.value
        if name in context.imported or name in context.module_values:
            return None
        found = context.functions.get(name, [])
        return (found[0], 0) if len(found) == 1 else None
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        return None
    owner = context.enclosing_class(call)
    if owner is None:
        return None
    method = _method(context, owner, func.attr.value, 0)
    if method is None:
        return None
    decorators = {context.code(d.decorator).strip() for d in method.decorators}
    if "property" in decorators or any(d.endswith(".setter") for d in decorators):
        return None
    return method, 0 if "staticmethod" in decorators else 1


def _method(
    context: Context, owner: cst.ClassDef, name: str, depth: int
) -> Optional[cst.FunctionDef]:
    """The method ``name`` of the class ``owner``: its own, else one its bases of the
    module define, in their order (None: defined twice, or by none the module has)."""
    found = [s for s in owner.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if found:
        return found[0] if len(found) == 1 else None
    if depth >= _BASES:
        return None  # a cycle (class A(B), class B(A)), which Python refuses to build
    for base in owner.bases:
        written = context.code(base.value).strip()
        if written == "object":
            continue
        parent = context.classes.get(written)
        if parent is None:
            return None  # a base from elsewhere may define it first
        method = _method(context, parent, name, depth + 1)
        if method is not None:
            return method
    return None


def _parameter(
    helper: cst.FunctionDef, call: cst.Call, value: cst.BaseExpression, skipped: int
) -> Optional[cst.Param]:
    """The parameter of ``helper`` that the argument ``value`` of ``call`` is bound to;
    None when it goes into ``*args`` or ``**kwargs`` (or the call cannot bind it)."""
    params = helper.params
    positional = [*params.posonly_params, *params.params]
    index = skipped
    for arg in call.args:
        if arg.star:
            return None  # what follows a * lands where the source does not say
        if arg.value is value:
            if arg.keyword is None:
                return positional[index] if index < len(positional) else None
            named = [*params.params, *params.kwonly_params]
            return next((p for p in named if p.name.value == arg.keyword.value), None)
        if arg.keyword is None:
            index += 1
    return None  # pragma: no cover - value is one of the call's arguments


def _handed_on(context: Context, use: cst.Name, depth: int) -> Optional[str]:
    """Why the helper that hands its payload on at ``use`` to another helper of the
    module's does not send it as given (None: it does not hand it to one, or that one
    sends it as it is)."""
    parent = context.parents.get(use)
    call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
    return _why(context, call, None, use, depth + 1) if isinstance(call, cst.Call) else None


def _payload_use(context: Context, use: cst.Name) -> Optional[str]:
    """What the helper does at ``use`` to its payload parameter that it would do to the
    new body too, and the shim never did: looks into it (an item, a method, ``in``, a
    loop over it), spreads, merges or copies it, or binds the name anew. None when it
    only takes it as a whole: sends it, serialises it, signs it, logs it or hands it on."""
    parent = context.parents.get(use)
    if isinstance(parent, cst.Subscript) and parent.value is use:
        return "reads or sets an item of it"
    if isinstance(parent, cst.Attribute) and parent.value is use:
        return None if parent.attr.value == "encode" else f"calls its {parent.attr.value}()"
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)) and not _is_none_test(parent):
        return "looks into it"
    if isinstance(parent, cst.StarredDictElement) or (isinstance(parent, cst.Arg) and parent.star):
        return "spreads it"
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is use:
        return "loops over it"
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.BitOr):
        return "merges another dict with it"
    call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
    if isinstance(call, cst.Call) and context.code(call.func).strip() in _COPIES:
        return "copies it (to change the copy?)"
    if isinstance(parent, cst.AssignTarget):
        assign = context.parents.get(parent)
        if isinstance(assign, cst.Assign) and _serialised(context, assign.value, use.value):
            return None  # payload = json.dumps(payload): what is sent is still the payload
    if isinstance(parent, _BINDERS):
        return f"binds {use.value} anew"
    return None


def _picks_by(context: Context, use: cst.Name) -> bool:
    """Whether the helper tells one path from another at ``use``: compares it, looks it
    up, or tests how it starts or ends."""
    parent = context.parents.get(use)
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.Index, cst.If, cst.While)):
        return True
    if isinstance(parent, cst.Attribute) and parent.value is use:
        return parent.attr.value not in _PATH_METHODS
    call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        return call.func.attr.value in _LOOKUPS
    return isinstance(parent, cst.Match)


def _is_none_test(node: cst.CSTNode) -> bool:
    """Whether a comparison (or its target) is ``x is None`` or ``x is not None``: what a
    dict holds does not change it."""
    targets = node.comparisons if isinstance(node, cst.Comparison) else [node]
    return all(
        isinstance(t, cst.ComparisonTarget)
        and isinstance(t.operator, (cst.Is, cst.IsNot))
        and isinstance(t.comparator, cst.Name)
        and t.comparator.value == "None"
        for t in targets
    )


def _serialised(context: Context, value: cst.BaseExpression, name: str) -> bool:
    """Whether ``value`` is ``json.dumps(name, ...)`` (:meth:`Context._dumped`), maybe
    ``.encode(...)``d."""
    func = value.func if isinstance(value, cst.Call) else None
    if isinstance(func, cst.Attribute) and func.attr.value == "encode":
        value = func.value
    first = value.args[0].value if isinstance(value, cst.Call) and value.args else None
    return isinstance(first, cst.Name) and first.value == name and context._dumped(first)
