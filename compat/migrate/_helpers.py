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

import libcst as cst

from .._source import LEGACY_CLIENT, POOL_MANAGER
from .._spec import SHIM_METHODS
from ._plan import walk
from ._project import (
    Helper,
    Unread,
    as_method,
    bindings_of,
    called,
    classes_of,
    function_named,
    method_of,
    mounted,
    receiver_classes,
)
from ._receivers import URLLIB3_METHODS, Receivers

if TYPE_CHECKING:
    from collections.abc import Callable

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


#: the methods each shim sends through: a TranslatingPoolManager's (urllib3's), a
#: LegacyClient's legacy methods and its ``post``
_SHIM_SENDS = {
    POOL_MANAGER: URLLIB3_METHODS,
    LEGACY_CLIENT: frozenset(("post", *SHIM_METHODS)),
}


#: the methods of a transport adapter (``requests.adapters.HTTPAdapter``) a call goes
#: through with its request object
_ADAPTER = ("send", "add_headers")


#: of those, the ones given the request object (the body in it)
_SENDS_A_REQUEST = frozenset(("send", "prepare_request", "add_headers"))


#: where a request object keeps its body (requests, httpx, urllib3)
_REQUEST_BODY = frozenset(("body", "content", "_content", "data", "json", "stream"))
#: the methods of a request object that build its body anew
_REBUILDS = frozenset(("prepare_body", "prepare_content", "prepare", "read"))
#: the methods of an auth a call is signed by, given the request (requests, httpx)
_AUTH_METHODS = ("__call__", "auth_flow")
#: what a URL parameter of those is called
_URLS = frozenset(("url", "path", "endpoint", "uri", "str_or_url"))


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
        helper = called(context, call)
        if helper is None:
            return _authorised(context, call) or _through_receiver(
                context, call, lambda method: _through(method, call, path, payload, depth)
            )
        wrapped = _wrapped(helper)
    except Unread as err:
        return f"{err}: migrate this call by hand"
    return wrapped if wrapped is not None else _through(helper, call, path, payload, depth)


def _through(
    helper: Helper,
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
    shim = _shim_inside(helper)
    if shim is not None:
        return shim
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


def _shim_inside(helper: Helper) -> Optional[str]:
    """Why a call of ``helper`` may go through one of compat's shims that its module
    builds (``POOL.request(...)`` with ``POOL = TranslatingPoolManager(policy=...)``):
    the shim translates the payload under its own policy, not the one the call to the
    helper would be rewritten under."""
    context = helper.context
    calls = [
        (node, node.func)
        for node in walk(helper.function)
        if type(node) is cst.Call and isinstance(node.func, cst.Attribute)
    ]
    for kind, sends in _SHIM_SENDS.items():
        receivers = Receivers(context, kind)
        for node, func in calls:
            if func.attr.value in sends:
                receiver = func.value
                if receivers.may_be(receiver, func.attr.value, node):
                    return (
                        f"{helper.name} sends with {context.code(receiver).strip()}, which may "
                        f"be compat's {kind}: what it sends is its translation under its own "
                        f"policy; migrate {helper.name} with the calls to it by hand"
                    )
    return None


def _too_deep(name: str) -> str:
    return f"the payload goes through helpers more than {_DEPTH} deep, down to {name}"


def _payload_through(helper: Helper, given: cst.Param, depth: int) -> Optional[str]:
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


def _in_kwargs(helper: Helper, keyword: str, depth: int) -> Optional[str]:
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
                nested = called(inner, call)
                if nested is None:
                    why = _authorised(inner, call) or _through_receiver(
                        inner, call, lambda method: _arrives(method, keyword, depth + 1)
                    )
                else:
                    why = _wrapped(nested) or _arrives(nested, keyword, depth + 1)
            except Unread as err:
                return f"{err}: migrate this call by hand"
            if why is not None:
                return why
        elif not _passes_on(inner, use, keyword):
            return (
                f"the payload goes into {helper.name} as {keyword}= in **{kwargs.name.value}, "
                "which it does more with than pass on: migrate it with the calls to it by hand"
            )
    return None


def _arrives(helper: Helper, keyword: str, depth: int) -> Optional[str]:
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


def _path_through(helper: Helper, given: Optional[cst.Param], depth: int) -> Optional[str]:
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
                nested = called(context, call)
            except Unread:  # pragma: no cover - the payload's helper was read first
                nested = None
            if nested is not None:
                inner = _parameter(nested.function, call, use, nested.skipped)
                why = _path_through(nested, inner, depth + 1)
                if why is not None:
                    return why
    return None


def _through_receiver(
    context: Context, call: cst.Call, read: Callable[[Helper], Optional[str]]
) -> Optional[str]:
    """Why ``call`` (``receiver.post(...)``) may not send its body as given: the receiver
    is an object of a class of the project's (a ``requests.Session`` of its own, say)
    that overrides the method called (which ``read`` reads), or one an HTTP client sends
    through (``request``, ``send``, ...), and does more with the body there than pass it
    on."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    for label, owner, where in receiver_classes(context, call):
        for name in (func.attr.value, *_PIPELINE):
            found = method_of(where, owner, name, 0)
            if found is None:
                continue
            function, defined = found
            shown = f"{owner.name.value}.{name}()"
            if name == func.attr.value:
                helper = as_method(function, defined, shown)
                why = helper and (_wrapped(helper) or read(helper))
            else:
                why = _overridden(defined, function, shown)
            if why:
                return f"{label} is a {owner.name.value}, a class of the project's: {why}"
    for label, adapter, where in mounted(context, call):
        for name in _ADAPTER:
            found = method_of(where, adapter, name, 0)
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
        if request_object and index == 0:
            done = _request_through(context, param, 0)
            if done is not None:
                return f"the body goes through {shown}, which {done}{end}"
            continue
        for use in context.uses(param.name):
            if param.name.value in BODY:
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


def _authorised(context: Context, call: cst.Call) -> Optional[str]:
    """Why ``call`` may not send its body as given: an auth of the project's signs it on
    its way (``auth=WalletAuth()``, or ``session.auth = WalletAuth()`` on the session it
    goes through) and changes the body there (a ``requests.auth.AuthBase``'s
    ``__call__``, an ``httpx.Auth``'s ``auth_flow``). None: it only reads it (signs it,
    sets a header), or the auth is not the project's."""
    given: list[tuple[cst.BaseExpression, cst.CSTNode, Context]] = [
        (a.value, call, context) for a in call.args if _named(a, "auth")
    ]
    func = call.func
    if isinstance(func, cst.Attribute):
        label = context.code(func.value).strip()
        given.extend(  # session.auth = WalletAuth()
            (node.value, node, context)
            for node in context.attribute_assignments("auth")
            if any(
                isinstance(t.target, cst.Attribute)
                and t.target.attr.value == "auth"
                and context.code(t.target.value).strip() == label
                for t in node.targets
            )
        )
        for built, where in bindings_of(context, func.value, call):
            if isinstance(built, cst.Call):  # httpx.Client(auth=WalletAuth())
                given.extend((a.value, built, where) for a in built.args if _named(a, "auth"))
    for value, near, scope in given:
        for owner, where in classes_of(scope, value, near, 0):
            for name in _AUTH_METHODS:
                found = method_of(where, owner, name, 0)
                if found is None:
                    continue
                function, defined = found
                params = [*function.params.posonly_params, *function.params.params]
                done = _request_through(defined, params[1], 0) if len(params) > 1 else None
                if done is not None:
                    shown = f"{owner.name.value}.{name}()"
                    return (
                        f"the body goes through {shown}, the auth of the call, which {done}: "
                        f"migrate the calls through {shown} by hand"
                    )
    return None


def _named(arg: cst.Arg, keyword: str) -> bool:
    return arg.keyword is not None and arg.keyword.value == keyword


def _request_through(context: Context, param: cst.Param, depth: int) -> Optional[str]:
    """What a method given the request object a call sends (an adapter's ``send``, an
    auth's ``__call__``) does to its body through ``param``: sets it (``request.body =
    ...``), rebuilds it (``request.prepare_body(...)``), binds the name anew, or hands the
    request to a function that may (one of the project's that does, or one compat
    migrate cannot read). None when it only reads it (a signature of the body, a header
    set) and hands it on to ``super()`` or to a helper of the project's that does as
    much."""
    for use in context.uses(param.name):
        parent = context.parents.get(use)
        if isinstance(parent, cst.Attribute) and parent.value is use:
            attr = parent.attr.value
            target = context.parents.get(parent)
            if attr in _REQUEST_BODY and isinstance(target, (cst.AssignTarget, cst.AugAssign)):
                return f"sets the {attr} of the request it sends"
            if attr in _REBUILDS and isinstance(target, cst.Call):
                return f"rebuilds the body of the request it sends ({attr}())"
            continue
        if isinstance(parent, _BINDERS):
            return f"binds {use.value} anew"
        call = context.parents.get(parent) if isinstance(parent, cst.Arg) else None
        if not isinstance(call, cst.Call) or _to_super(context, use) or context._logged(use):
            continue
        try:
            helper = called(context, call)
        except Unread as err:
            return f"hands the request it sends to {context.code(call.func).strip()}(): {err}"
        inner = None if helper is None else _parameter(helper.function, call, use, helper.skipped)
        if helper is None or inner is None or depth + 1 >= _DEPTH:
            return (
                f"hands the request it sends to {context.code(call.func).strip()}(), which "
                "compat migrate does not follow"
            )
        done = _request_through(helper.context, inner, depth + 1)
        if done is not None:
            return done
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


def _keyword(call: cst.Call, value: cst.BaseExpression) -> Optional[str]:
    """The keyword ``value`` is given to ``call`` by, if any."""
    arg = next((a for a in call.args if a.value is value), None)
    return arg.keyword.value if arg is not None and arg.keyword is not None else None


def _passes_on(context: Context, use: cst.Name, keyword: Optional[str]) -> bool:
    """Whether the helper, at ``use`` of its ``**kwargs`` (not handed on whole: its caller
    follows those), reads or sets a key other than ``keyword`` (the payload's; None: any
    body key)."""
    key = _key_of(context, use)
    bodies = BODY if keyword is None else (keyword,)
    if not isinstance(key, cst.SimpleString) or key.evaluated_value is None:
        return False
    return key.evaluated_value not in bodies or _only_read(context, use)


def _only_read(context: Context, use: cst.Name) -> bool:
    """Whether the body ``use`` of ``**kwargs`` looks up (``kwargs.get("body")``,
    ``kwargs["json"]``) is only read: handed whole to a call (``hmac.new(key,
    kwargs["body"], ...)``), tested for None, or bound to a
    name (``body = kwargs.get("body") or b""``) that is only taken as a whole too (as
    :func:`_payload_use` has it), or handed to a helper of the project's that only
    takes it as a whole. What sets it, pops it or changes it is not."""
    parent = context.parents.get(use)
    if isinstance(parent, cst.Attribute):
        if parent.attr.value != "get":
            return False
        parent = context.parents.get(parent)  # the call of get
    read = parent
    above = context.parents.get(read) if read is not None else None
    if isinstance(above, cst.BooleanOperation) and above.left is read:  # ... or b""
        read, above = above, context.parents.get(above)
    if isinstance(above, cst.Assign) and above.value is read and len(above.targets) == 1:
        alias = above.targets[0].target
        return isinstance(alias, cst.Name) and all(
            _payload_use(context, name) is None and _handed_on(context, name, _DEPTH - 2) is None
            for name in context.uses(alias)
        )
    if isinstance(above, (cst.Comparison, cst.ComparisonTarget)):
        return _is_none_test(above)
    call = context.parents.get(above) if isinstance(above, cst.Arg) else None
    if not isinstance(above, cst.Arg) or not isinstance(call, cst.Call):
        return False
    try:
        helper = called(context, call)
    except Unread:
        return False
    if helper is None:
        return True
    # a helper of the project's it is handed to: one that only takes it as a whole
    given = _parameter(helper.function, call, above.value, helper.skipped)
    return given is not None and _payload_through(helper, given, _DEPTH - 1) is None


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


def _wrapped(helper: Helper) -> Optional[str]:
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
            found = function_named(context, target)
            if found is None:
                continue
            why = "which does more with the arguments than hand them on"
        if found is None or not _hands_on(found):
            return (
                f"the payload goes through {helper.name}, which is wrapped by @{written}, "
                f"{why}: migrate {helper.name} with the calls to it by hand"
            )
    return None


def _hands_on(decorator: Helper) -> bool:
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
