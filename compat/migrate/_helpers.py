"""A helper of the code's own that a call hands the legacy path and its payload to.

``self._post(path, {...})`` is rewritten as a raw HTTP call only when the helper sends
the payload as it is given: what it does to it otherwise (adds a key, reads one, spreads
it into another dict) would then be done to the new body, which the shim never saw.

The helper is read where the project defines it: a function of the module, or one a
module of the project that the module imports defines (``from .http import post_json``,
``http.post_json``), or a method of the class around the call or of its bases, in the
module or imported from the project; and so are its decorators of the project's. A call
through an object of a class of the project's (a ``requests.Session`` of its own) is
read through the class's overrides of the method called and of those an HTTP client
sends through. A helper or class from elsewhere (an installed library) is taken at its
word, as an HTTP client's method is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import attrs
import libcst as cst
from libcst.helpers import get_full_name_for_node

from ._modules import module_context, module_file
from ._plan import Context

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

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
#: imports followed to where a name is defined (``__init__.py`` importing it), at most
_REEXPORTS = 3
#: the methods the HTTP clients send a call through (requests, httpx, urllib3, aiohttp),
#: which a class of the project's deriving from one may override
_PIPELINE = (
    "request",
    "send",
    "prepare_request",
    "build_request",
    "urlopen",
    "request_encode_body",
    "_request",
)
#: the methods of a transport adapter (``requests.adapters.HTTPAdapter``) a call goes
#: through with its request object
_ADAPTER = ("send", "add_headers")
#: of those, the ones given the request object (the body in it)
_SENDS_A_REQUEST = frozenset(("send", "prepare_request", "add_headers"))
#: what a URL parameter of those is called
_URLS = frozenset(("url", "path", "endpoint", "uri", "str_or_url"))


@attrs.frozen
class _Helper:
    """A helper a call calls: its definition, the context of the module that defines
    it, how it is named, and how many of its parameters come before the call's
    arguments (``self``)."""

    function: cst.FunctionDef
    context: Context
    name: str
    skipped: int


def why_not_as_given(
    context: Context, call: cst.Call, path: cst.BaseExpression, payload: cst.BaseExpression
) -> Optional[str]:
    """Why ``call`` may not send ``payload`` to ``path`` as the two are given: it hands
    them to a helper of the project's, or to an object of a class of the project's,
    which does more with them (None: it does not, or the helper or class is not the
    project's)."""
    return _why(context, call, path, payload, 0)


def _why(
    context: Context,
    call: cst.Call,
    path: Optional[cst.BaseExpression],
    payload: cst.BaseExpression,
    depth: int,
) -> Optional[str]:
    try:
        helper = _helper(context, call)
        if helper is None:
            return _through_receiver(
                context, call, lambda method: _through(method, call, path, payload, depth)
            )
        wrapped = _wrapped(helper)
    except _Unread as err:
        return f"{err}: migrate this call by hand"
    return wrapped if wrapped is not None else _through(helper, call, path, payload, depth)


def _through(
    helper: _Helper,
    call: cst.Call,
    path: Optional[cst.BaseExpression],
    payload: cst.BaseExpression,
    depth: int,
) -> Optional[str]:
    """Why ``helper``, which ``call`` hands ``payload`` (and ``path``) to, may not send it
    as it is given (None: it sends it as given)."""
    name = helper.name
    if depth >= _DEPTH:
        return _too_deep(name)
    function = helper.function
    given = _parameter(function, call, payload, helper.skipped)
    keyword = _keyword(call, payload)
    if given is not None:
        why = _payload_through(helper, given, depth)
    elif keyword is not None and isinstance(function.params.star_kwarg, cst.Param):
        why = _in_kwargs(helper, keyword, depth)
    else:
        why = (
            f"the payload reaches {name} by *args or **kwargs, where compat migrate does "
            f"not follow it: migrate {name} with the calls to it by hand"
        )
    if why is not None or path is None:
        return why
    return _path_through(helper, _parameter(function, call, path, helper.skipped), depth)


def _too_deep(name: str) -> str:
    return f"the payload goes through helpers more than {_DEPTH} deep, down to {name}"


def _payload_through(helper: _Helper, given: cst.Param, depth: int) -> Optional[str]:
    """Why ``helper``, given the payload as its parameter ``given``, may not send it as it
    is given: it does more with it, or hands it to a helper that does."""
    inner = helper.context
    for use in inner.uses(given.name):
        handed = _handed_on(inner, use, depth)
        if handed is not None:
            return handed
        done = _payload_use(inner, use)
        if done is not None:
            return (
                f"the payload goes through {helper.name}, which {done} before it is sent: "
                f"migrate {helper.name} with the calls to it by hand"
            )
    return None


def _in_kwargs(helper: _Helper, keyword: str, depth: int) -> Optional[str]:
    """Why ``helper``, given the payload as ``keyword=`` in its ``**kwargs``, may not send
    it as given. Followed where the kwargs go on whole: to a call that sends them (of an
    object of a class of the project's, read as such), or to another helper of the
    project's (``self._request("POST", path, **kwargs)``), read in turn; the helper may
    read or set other keys of them (``timeout``, ``headers``)."""
    inner = helper.context
    kwargs = helper.function.params.star_kwarg
    assert isinstance(kwargs, cst.Param)
    for use in inner.uses(kwargs.name):
        parent = inner.parents.get(use)
        call = inner.parents.get(parent) if isinstance(parent, cst.Arg) else None
        if isinstance(parent, cst.Arg) and parent.star == "**" and isinstance(call, cst.Call):
            try:
                nested = _helper(inner, call)
                if nested is None:
                    why = _through_receiver(
                        inner, call, lambda method: _arrives(method, keyword, depth + 1)
                    )
                else:
                    why = _wrapped(nested) or _arrives(nested, keyword, depth + 1)
            except _Unread as err:
                return f"{err}: migrate this call by hand"
            if why is not None:
                return why
        elif not _passes_on(inner, use, keyword):
            return (
                f"the payload goes into {helper.name} as {keyword}= in **{kwargs.name.value}, "
                "which it does more with than pass on: migrate it with the calls to it by hand"
            )
    return None


def _arrives(helper: _Helper, keyword: str, depth: int) -> Optional[str]:
    """Why ``helper``, handed the payload as ``keyword=`` in the ``**kwargs`` of a call,
    may not send it as given."""
    if depth >= _DEPTH:
        return _too_deep(helper.name)
    params = helper.function.params
    named = [p for p in (*params.params, *params.kwonly_params) if p.name.value == keyword]
    if named:
        return _payload_through(helper, named[0], depth)
    if isinstance(params.star_kwarg, cst.Param):
        return _in_kwargs(helper, keyword, depth)
    return (
        f"the payload reaches {helper.name} as {keyword}=, which it does not take: "
        f"migrate {helper.name} with the calls to it by hand"
    )


def _path_through(helper: _Helper, given: Optional[cst.Param], depth: int) -> Optional[str]:
    """Why ``helper``, which takes the legacy path as ``given``, may do another thing with
    the new path: it tells paths apart, or hands the path on to a helper of the project's
    that does (None: it does not)."""
    context = helper.context
    for use in context.uses(given.name) if given is not None else ():
        if _picks_by(context, use):
            return (
                f"the legacy path goes through {helper.name}, which tells paths apart: "
                f"migrate {helper.name} with the calls to it by hand"
            )
        parent = context.parents.get(use)
        call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
        if isinstance(call, cst.Call) and depth + 1 < _DEPTH:
            try:
                nested = _helper(context, call)
            except _Unread:  # pragma: no cover - the payload's helper was read first
                nested = None
            if nested is not None:
                inner = _parameter(nested.function, call, use, nested.skipped)
                why = _path_through(nested, inner, depth + 1)
                if why is not None:
                    return why
    return None


def _through_receiver(
    context: Context, call: cst.Call, called: Callable[[_Helper], Optional[str]]
) -> Optional[str]:
    """Why ``call`` (``receiver.post(...)``) may not send its body as given: the receiver
    is an object of a class of the project's (a ``requests.Session`` of its own, say)
    that overrides the method called (read by ``called``), or one an HTTP client sends
    through (``request``, ``send``, ...), and does more with the body there than pass it
    on."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    for label, owner, where in _receiver_classes(context, call):
        for name in (func.attr.value, *_PIPELINE):
            found = _method(where, owner, name, 0)
            if found is None:
                continue
            function, defined = found
            shown = f"{owner.name.value}.{name}()"
            if name == func.attr.value:
                helper = _as_method(function, defined, shown)
                why = helper and (_wrapped(helper) or called(helper))
            else:
                why = _overridden(defined, function, shown)
            if why:
                return f"{label} is a {owner.name.value}, a class of the project's: {why}"
    for label, adapter, where in _mounted(context, call):
        for name in _ADAPTER:
            found = _method(where, adapter, name, 0)
            why = (
                None
                if found is None
                else _overridden(found[1], found[0], f"{adapter.name.value}.{name}()")
            )
            if why:
                return (
                    f"{label} has a {adapter.name.value} mounted, a class of the project's: {why}"
                )
    return None


def _mounted(context: Context, call: cst.Call) -> list[tuple[str, cst.ClassDef, Context]]:
    """The transport adapters of the project's mounted on the receiver of ``call``
    (``session.mount(prefix, Adapter())`` in the module, or in the module of the project
    it is imported from), with the written receiver and the context of the module that
    defines each adapter's class."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    label = context.code(func.value).strip()
    places = [(context, label)]
    source = context.import_sources.get(label)
    if source is not None and source[2] and _as_module(context, label) is None:
        imported = _imported_module(context, source[0], source[1], label)
        if imported is not None:
            places.append((imported, source[2]))
    found: list[tuple[str, cst.ClassDef, Context]] = []
    for where, name in places:
        for mount in where.method_calls("mount"):
            mounted = mount.func
            assert isinstance(mounted, cst.Attribute)
            if len(mount.args) >= 2 and where.code(mounted.value).strip() == name:
                adapters = _classes_of(where, mount.args[1].value, mount, 0)
                found.extend((label, *adapter) for adapter in adapters)
    return found


def _overridden(context: Context, function: cst.FunctionDef, shown: str) -> Optional[str]:
    """Why the method ``function`` (``shown``) of a class of the project's, which an HTTP
    client sends its calls through (``request``, ``send``, ...), may change the body: it
    does more with a body parameter (``json``, ``data``, ``body``, ``content``), with
    ``**kwargs`` (which hold them) or ``*args`` than pass them on, looks into the request
    object it is given (``send``), or tells URLs apart. None: it does none of that."""
    params = function.params
    positional = [*params.posonly_params, *params.params][1:]  # self
    request_object = function.name.value in _SENDS_A_REQUEST and bool(positional)
    end = f": migrate the calls through {shown} by hand"
    for index, param in enumerate([*positional, *params.kwonly_params]):
        for use in context.uses(param.name):
            if request_object and index == 0:
                if not _to_super(context, use):
                    return (
                        f"the body goes through {shown}, which looks into the request it sends{end}"
                    )
            elif param.name.value in BODY:
                done = _payload_use(context, use)
                if done is not None:
                    return f"the body goes through {shown}, which {done}{end}"
            elif param.name.value in _URLS and _picks_by(context, use):
                return f"the URL goes through {shown}, which tells URLs apart{end}"
    for star in _star_params(function):
        spread = "**" if star is params.star_kwarg else "*"
        for use in context.uses(star.name):
            parent = context.parents.get(use)
            whole = isinstance(parent, cst.Arg) and parent.star == spread
            if not (whole or (spread == "**" and _passes_on(context, use, None))):
                key = _key_of(context, use) if spread == "**" else None
                done = (
                    f"reads or sets {key.value} in its **{star.name.value}"
                    if isinstance(key, cst.SimpleString) and key.evaluated_value in BODY
                    else f"does more with its {spread}{star.name.value} than pass them on"
                )
                return f"the body goes through {shown}, which {done}{end}"
    return None


def _to_super(context: Context, use: cst.Name) -> bool:
    """Whether ``use`` is an argument of ``super().method(...)``, handed on whole."""
    parent = context.parents.get(use)
    call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
    func = call.func if isinstance(call, cst.Call) else None
    return (
        isinstance(parent, cst.Arg)
        and not parent.star
        and isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Call)
        and context.code(func.value.func).strip() == "super"
    )


def _receiver_classes(context: Context, call: cst.Call) -> list[tuple[str, cst.ClassDef, Context]]:
    """The classes of the project's the receiver of ``call`` (``receiver.method(...)``) may
    be an object of, as the source says (:func:`_classes_of`); ``self`` is one of the
    class around the call. With the written receiver, and the context of the module that
    defines each class."""
    func = call.func
    assert isinstance(func, cst.Attribute)
    receiver = func.value
    label = context.code(receiver).strip()
    if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
        owner = context.enclosing_class(call)
        return [(label, owner, context)] if owner is not None else []
    return [(label, *found) for found in _classes_of(context, receiver, call, 0)]


def _classes_of(
    context: Context, value: cst.BaseExpression, near: cst.CSTNode, depth: int
) -> list[tuple[cst.ClassDef, Context]]:
    """The classes of the project's that ``value`` (read at ``near``) may be an object of,
    as the source says: ``Class(...)``; a call of a function of the project's, by its
    return annotation and what it returns; a name, by its annotation as a parameter and
    what it is bound to (in the function, the module, a ``with``, or the module of the
    project it is imported from); ``self.attr``, by what the class assigns it and how it
    annotates it. A few steps deep; what the source does not say is not guessed."""
    if depth > _DEPTH:
        return []
    found: list[tuple[cst.ClassDef, Context]] = []

    def follow(values: Iterable[Optional[cst.CSTNode]], where: Context) -> None:
        for bound in values:
            if isinstance(bound, cst.BaseExpression):
                found.extend(_classes_of(where, bound, bound, depth + 1))

    if isinstance(value, cst.Call):
        made = _base(context, context.code(value.func).strip(), "the class")
        if made is not None:
            return [made]
        function = _function(context, value.func)
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
        made = _base(context, annotation, "the class")
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
            follow(context.assigned(value, near), context)
        else:
            follow(context.module_values.get(value.value, []), context)
        follow(
            [
                n.item
                for n in context.nodes(scope)
                if isinstance(n, cst.WithItem)
                and n.asname is not None
                and isinstance(n.asname.name, cst.Name)
                and n.asname.name.value == value.value
            ],
            context,
        )
        source = context.import_sources.get(value.value)
        if source is not None and source[2] and _as_module(context, value.value) is None:
            imported = _imported_module(context, source[0], source[1], value.value)
            if imported is not None:
                follow(imported.module_values.get(source[2], []), imported)
    elif (
        isinstance(value, cst.Attribute)
        and isinstance(value.value, cst.Name)
        and value.value.value == "self"
    ):
        owner = context.enclosing_class(near)
        if owner is not None:
            follow(_assigned_to(context, owner, value.attr.value), context)
    return found


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


def _keyword(call: cst.Call, value: cst.BaseExpression) -> Optional[str]:
    """The keyword ``value`` is given to ``call`` by, if any."""
    arg = next((a for a in call.args if a.value is value), None)
    return arg.keyword.value if arg is not None and arg.keyword is not None else None


def _passes_on(context: Context, use: cst.Name, keyword: Optional[str]) -> bool:
    """Whether the helper, at ``use`` of its ``**kwargs``, passes them on whole to a call
    that is not another helper of the module's, or reads or sets a key other than
    ``keyword`` (the payload's)."""
    parent = context.parents.get(use)
    if isinstance(parent, cst.Arg) and parent.star == "**":
        call = context.parents.get(parent)
        try:
            return isinstance(call, cst.Call) and _helper(context, call) is None
        except _Unread:
            return False
    key = _key_of(context, use)
    bodies = BODY if keyword is None else (keyword,)
    return isinstance(key, cst.SimpleString) and key.evaluated_value not in (*bodies, None)


def _key_of(context: Context, use: cst.Name) -> Optional[cst.BaseExpression]:
    """The key ``use`` of a dict looks up (``kwargs.get(key)``, ``kwargs[key]``, ``key in
    kwargs``), if it looks one up."""
    parent = context.parents.get(use)
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
    return key


def _helper(context: Context, call: cst.Call) -> Optional[_Helper]:
    """The helper of the project's that ``call`` calls; None when the project does not
    define it (or defines it twice)."""
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
    ):
        return _function(context, func)
    owner = context.enclosing_class(call)
    if owner is None:
        return None
    method = _method(context, owner, func.attr.value, 0)
    return None if method is None else _as_method(*method, f"{func.attr.value}()")


def _as_method(function: cst.FunctionDef, where: Context, name: str) -> Optional[_Helper]:
    """A method as the helper a call through ``self`` (or an object) calls; None for a
    property, whose value is called."""
    decorators = {where.code(d.decorator).strip() for d in function.decorators}
    if "property" in decorators or any(d.endswith(".setter") for d in decorators):
        return None
    return _Helper(function, where, name, 0 if "staticmethod" in decorators else 1)


def _function(context: Context, func: cst.BaseExpression) -> Optional[_Helper]:
    """The function of the project's that ``func`` names (``name``, ``module.name``);
    None when the project does not define it (or defines it twice)."""
    if isinstance(func, cst.Name):
        name = func.value
        if name in context.imported or name in context.module_values:
            return None
        found = context.functions.get(name, [])
        if found:
            return _Helper(found[0], context, f"{name}()", 0) if len(found) == 1 else None
        return _imported_function(context, name, 0)
    if not isinstance(func, cst.Attribute):
        return None
    owner = context.code(func.value).strip()
    source = _as_module(context, owner)
    if source is None:
        return None
    helper = _defined(context, source[0], source[1], func.attr.value, 0)
    return None if helper is None else attrs.evolve(helper, name=f"{owner}.{helper.name}")


def _wrapped(helper: _Helper) -> Optional[str]:
    """Why a decorator of ``helper`` may change the payload on its way to it: the project
    defines it, and it does more with the arguments than hand them on (None: it hands
    them on, or it is Python's or an installed library's, taken at its word)."""
    context = helper.context
    for decorator in helper.function.decorators:
        expr = decorator.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        written = context.code(target).strip()
        if isinstance(target, cst.Name) and target.value in context.classes:
            found = None
            why = "a class of the project's, which compat migrate does not follow"
        else:
            found = _function(context, target)
            if found is None:
                continue
            why = "which does more with the arguments than hand them on"
        if found is None or not _hands_on(found):
            return (
                f"the payload goes through {helper.name}, which is wrapped by @{written}, "
                f"{why}: migrate {helper.name} with the calls to it by hand"
            )
    return None


def _hands_on(decorator: _Helper) -> bool:
    """Whether the decorator of the project's hands the arguments of the function it
    wraps on as given: its wrappers (``def wrapper(*args, **kwargs)``, maybe ``self``
    first) use them only as ``*args`` and ``**kwargs`` in calls of a function the
    decorator was given; or it returns the function it was given itself."""
    context, outer = decorator.context, decorator.function
    functions = [n for n in context.nodes(outer) if isinstance(n, cst.FunctionDef)]
    given = {p.name.value for f in functions for p in (*f.params.posonly_params, *f.params.params)}
    wrappers = [f for f in functions if f is not outer and _star_params(f)]
    if not wrappers:
        returned = [n.value for n in context.nodes(outer) if isinstance(n, cst.Return)]
        first = next(iter(outer.params.params), None)
        return first is not None and all(
            isinstance(value, cst.Name) and value.value == first.name.value for value in returned
        )
    for wrapper in wrappers:
        named = [
            *wrapper.params.posonly_params,
            *wrapper.params.params,
            *wrapper.params.kwonly_params,
        ]
        if [p.name.value for p in named] not in ([], ["self"], ["cls"]):
            return False  # the payload may be bound to one of them
        for star in _star_params(wrapper):
            for use in context.uses(star.name):
                parent = context.parents.get(use)
                call = context.parents.get(parent) if parent is not None else None
                if not (
                    isinstance(parent, cst.Arg)
                    and parent.star in ("*", "**")
                    and isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Name)
                    and call.func.value in given
                ):
                    return False
    return True


def _star_params(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]


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
        raise _Unread(f"{local} comes from {'.' * level}{module}, {_NOT_LOOKED_FOR}")
    dotted = f"{module}.{name}" if module else name
    return (level, dotted, "") if module_file(context.path, level, dotted) else None


def _imported_function(context: Context, name: str, depth: int) -> Optional[_Helper]:
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


def _defined(context: Context, level: int, module: str, name: str, depth: int) -> Optional[_Helper]:
    """The function ``name`` of the project's module ``module`` (``level`` dots before it)
    that the module of ``context`` imports, or of the module it imports it from."""
    imported = _imported_module(context, level, module, f"{name}()")
    if imported is None:
        return None
    found = imported.functions.get(name, [])
    if found:
        return _Helper(found[0], imported, f"{name}()", 0) if len(found) == 1 else None
    if depth >= _REEXPORTS or name in imported.module_values:
        return None
    return _imported_function(imported, name, depth + 1)


_NOT_LOOKED_FOR = "which compat migrate does not look for in a source given without its file"


class _Unread(Exception):
    """A helper of the project's that compat migrate cannot read: a relative import
    (which only the project has) of a module it cannot find or parse."""


def _imported_module(context: Context, level: int, module: str, what: str) -> Optional[Context]:
    """The context of the module of the project that the module of ``context`` imports as
    ``module`` (``level`` dots before it), for ``what`` it defines; None when the project
    has no such module (an installed library's)."""
    path = module_file(context.path, level, module)
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
        raise _Unread(f"{what} comes from {where}, {why}")
    return imported


def _method(
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
        parent = _base(context, written)
        if parent is None:
            return None  # a base from elsewhere may define it first
        method = _method(parent[1], parent[0], name, depth + 1)
        if method is not None:
            return method
    return None


def _base(
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
