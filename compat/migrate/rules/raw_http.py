"""Raw HTTP calls to a legacy path, with their payload, become calls of the new endpoint.

A call whose arguments hold a legacy path and the payload it posts gets the new
path and the new body together; the path is never rewritten alone.

- The path: a string, f-string or concatenation; ``"%s/v2/..." % base``;
  ``"{}/v2/...".format(base)``; ``urljoin(base, "v2/...")``; a name bound to one
  of these in the same function; or a module or class constant. A constant is
  never rewritten (other modules may import it): the call gets the new path
  written out, and the constant is marked for manual work.
- The payload: the ``json=``, ``data=``, ``body=`` or ``content=`` argument, or
  a positional one (``wallet.post(path, {...})``); a dict literal, maybe in
  ``json.dumps(...)`` (``.encode()`` too), or a name bound to one of these in
  the same function. Headers and the like are not payloads.
- The body is what the translator makes of the payload under the command line's
  policy, or under the policy of the ``TranslatingPoolManager`` the call goes
  through.
- The same legacy path elsewhere in the function (a signing helper's path
  argument) moves with the URL.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

import libcst as cst

from ... import _spec
from ..._source import LEGACY_CLIENT, PATHS, POOL_MANAGER
from .._helpers import BODY, why_not_as_given
from .._paths import Path, Paths
from .._payload import Manual, generated_once, translate_dict
from .._plan import PARTIAL, Context, _string_parts, walk
from .._receivers import Receivers, argument

if TYPE_CHECKING:
    from ...translate import Policy

ORDER = 20
SUMMARY = "a legacy path posted with its payload -> the new path with the new body"
NAME = __name__.rsplit(".", 1)[1]
_URL_JOINS = ("urljoin", "urllib.parse.urljoin", "parse.urljoin")
#: the methods of the HTTP clients that send another method than POST
_OTHER_METHODS = ("get", "put", "patch", "delete", "head", "options")
#: the HTTP methods, as a helper's argument may name one
_METHODS = frozenset(("POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
#: the functions that take the method as their first argument (urllib3, requests,
#: httpx, aiohttp): ``request("POST", url, ...)``
_ANY_METHOD = ("request", "urlopen", "stream", "build_request")
#: what a TranslatingPoolManager does to the calls it translates and not to a call to the
#: new path, by the argument that makes it do so
_POOL_CHECKS = {
    "signer": "signs the calls it translates, and passes a call to the new path on "
    "unsigned: sign it",
    "verifier": "checks the platform's signature on the answers to the calls it "
    "translates, and passes a call to the new path on without that check: check it",
}


class Rule:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.pools = Receivers(context, POOL_MANAGER)
        self.clients = Receivers(context, LEGACY_CLIENT)
        self.paths = Paths(context)
        #: payloads already rewritten (two calls of one function may share one)
        self.done: dict[cst.BaseExpression, _spec.Endpoint] = {}
        self._dict_shadowed: Optional[bool] = None
        #: (function, endpoint) of each rewritten call
        self.sites: set[tuple[int, str]] = set()
        #: calls that name a legacy path and post nothing: decided at the end
        self.pending: list[tuple[cst.Call, Path]] = []
        #: constant statement -> its name, and where the calls that could not use the new
        #: path are (empty: every use was rewritten)
        self.constants: dict[cst.CSTNode, tuple[str, list[str]]] = {}

    # -- one call ----------------------------------------------------------------------

    def call(self, node: cst.Call) -> bool:
        context = self.context
        path = self.paths.of_call(node)
        if path is None:
            split = [(a.value, b) for a in node.args if (b := self._built(a.value, node))]
            if split:
                parts: list[Optional[cst.CSTNode]] = [built for _, built in split]
                payload = self._payload_argument(node, split[0][0])
                if payload is not None:
                    parts.append(self._dict_or_none(payload, node))
                context.relate(parts, node)
                used, built = split[0]
                reason = "the legacy path is built from pieces; write it out whole to migrate it"
                rebound = _rebound_in(used, context, node)
                if rebound is not None:
                    reason = (
                        f"{rebound} holds a legacy path, but the module binds it more than "
                        "once (in a block, a loop or an import, or an import * after it): "
                        "which path this call posts to depends on how the module ran; write "
                        "the path out in the call to migrate it"
                    )
                if isinstance(used, cst.Name) and context.function(built) is context.module:
                    reason = (
                        f"{used.value} builds the legacy URL from other values when the module "
                        "is imported, and compat migrate copies only a URL written out whole "
                        "into a call: write it out whole, or migrate this call by hand"
                    )
                context.manual(NAME, node, reason)
                return True
            return False
        if self._shims_own(node):
            return False  # the legacy_client rule's
        func = node.func
        callee = context.code(func).strip()
        if callee in PARTIAL and not any(
            a.keyword is not None and a.keyword.value in BODY for a in node.args
        ):
            context.relate(list(path.replace), node)
            msg = (
                f"{callee} binds the legacy path here and the payload is sent by a later "
                "call: migrate the two by hand"
            )
            context.manual(NAME, node, msg)
            self._constant_use(path, node)
            return True
        payload = self._payload_argument(node, path.argument)
        if payload is None:
            self.pending.append((node, path))
            return True
        try:
            self._posts_as_the_shim(node, path, payload)
            body = self._body(node, payload, path.endpoint)
        except Manual as err:
            read = self._dict_or_none(payload, node)
            # what it cannot read: each value given to a name in it (json=body,
            # json=asdict(request)), or in the part that stopped it ("templates": templates)
            unread = [p for p in (payload if read is None else None, err.at) if p is not None]
            for name in (n for part in unread for n in walk(part) if isinstance(n, cst.Name)):
                context.relate(context.assigned(name, node), node)
            context.relate([*path.replace, read], node)
            context.manual(NAME, node, str(err))
            self._constant_use(path, node)
            return True
        self._apply(path)
        self._constant_use(path, None)
        if body is not None:
            context.plan.rewrites[NAME] += 1
        self.sites.add((id(context.function(node)), path.endpoint.name))
        return True

    def _shims_own(self, node: cst.Call) -> bool:
        """Whether ``node`` is a LegacyClient's own ``post(...)``."""
        func = node.func
        return isinstance(func, cst.Attribute) and self.clients.shim(func.value, node) is not None

    def _posts_as_the_shim(self, node: cst.Call, path: Path, payload: cst.BaseExpression) -> None:
        """Raise :class:`Manual` unless ``node`` posts ``payload`` to the legacy path as
        they are, as the shim takes them."""
        not_post = _not_a_post(node, path.argument)
        if not_post is not None:
            raise Manual(not_post)
        helper = why_not_as_given(self.context, node, path.argument, payload)
        if helper is not None:
            raise Manual(helper)
        if path.elsewhere is not None:
            name, place = path.elsewhere
            msg = (
                f"{name} is set again at {place}: compat migrate would write the new path "
                "out here, and this call would no longer post where that sets it; migrate "
                "it by hand"
            )
            raise Manual(msg)
        rest = self.paths.goes_on(path)
        if rest is not None:
            msg = (
                f"the URL goes on after the legacy path ({rest}), and the shim posts to "
                f"{_spec.SEND.path} without it (a query and a trailing / dropped, a longer "
                "path left alone): end the URL at the path, then migrate"
            )
            raise Manual(msg)

    def _apply(self, path: Path) -> None:
        self.context.plan.replacements.update(path.replace)

    def _constant_use(self, path: Path, manual: Optional[cst.CSTNode]) -> None:
        if path.constant is None:
            return
        name, statement = path.constant
        _, places = self.constants.setdefault(statement, (name, []))
        if manual is not None:
            places.append(self.context.where(manual, "at the module level"))

    def _body(
        self, node: cst.Call, payload: cst.BaseExpression, endpoint: _spec.Endpoint
    ) -> Optional[cst.Dict]:
        """The new body, put in place of the payload; None when another call did it."""
        found = self._dict(payload, node, sent=endpoint)
        if found in self.done:  # another call posts it to the same endpoint (_on_the_way)
            return None
        form = self._form_encoded(node, payload, found)
        if form is not None:
            msg = (
                f"the payload goes as {form} form-encoded, not as JSON, and the shim "
                "translates JSON bodies alone: send it as json= (or data=json.dumps(...)), "
                "then migrate"
            )
            raise Manual(msg)
        policy, raw = self._policy(node)
        literal = _display(found) if isinstance(found, cst.Call) else found
        assert isinstance(literal, cst.Dict)
        if _an_answer(literal, endpoint):
            msg = (
                f"the JSON here is an answer of {endpoint.name} (a test double?), not a "
                f"request: move it to {_spec.SEND.path} with the code it stands in for"
            )
            raise Manual(msg)
        body, needs = translate_dict(
            literal,
            endpoint,
            policy,
            never_none=lambda value: self.context.never_none(value, node),
            raw=raw,
        )
        generated_once(self.context, found, node, needs)
        self.context.plan.imports.update(needs)
        self.context.plan.replacements[found] = body
        self.done[found] = endpoint
        return body

    def _form_encoded(
        self, node: cst.Call, payload: cst.BaseExpression, found: cst.BaseExpression
    ) -> Optional[str]:
        """How ``node`` passes the dict ``found`` (what :meth:`_dict` read ``payload`` as)
        when its HTTP client sends it form-encoded: as itself (not through ``json.dumps``),
        as ``data=`` (requests, httpx, aiohttp) or as the second positional argument of
        requests' own functions (``requests.post(url, payload)``); None when it goes as
        JSON, or to a helper of the code's."""
        value = payload
        while value is not found:  # the names _dict followed, if it went by names alone
            bound = self.context.binding(value, node) if isinstance(value, cst.Name) else None
            if bound is None:
                return None  # json.dumps(...) or .encode() on the way: JSON
            value = bound.value
        argument = next(a for a in node.args if a.value is payload)
        if argument.keyword is not None:
            if argument.keyword.value == "data":
                return "data=, which requests, httpx and aiohttp send"
            return None
        func = node.func
        module = func.value if isinstance(func, cst.Attribute) else None
        if (
            isinstance(module, cst.Name)
            and module.value == "requests"
            and "requests" in self.context.imported
        ):
            assert isinstance(func, cst.Attribute)
            return f"the second argument of requests.{func.attr.value}() (data), which it sends"
        return None

    def _policy(self, node: cst.Call) -> tuple[Policy, bool]:
        """The policy the call is translated under, and whether it is the command line's."""
        context = self.context
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = func.value
            pool = self.pools.shim(receiver, node)
            if pool is not None:
                if pool.policy is None:
                    raise Manual(pool.reason)
                for keyword, why in _POOL_CHECKS.items():
                    given = [argument(c, keyword) for c in pool.constructions]
                    if any(g is not None and context.code(g).strip() != "None" for g in given):
                        raise Manual(f"the TranslatingPoolManager {why}, then migrate it")
                return pool.policy, False
            if self.pools.may_be(receiver, func.attr.value, node):
                msg = (
                    f"{context.code(receiver).strip()} may be a TranslatingPoolManager, whose "
                    "policy is not fixed here"
                )
                raise Manual(msg)
        return context.options.policy, True

    # -- the payload -------------------------------------------------------------------

    def _payload_argument(
        self, node: cst.Call, path_argument: cst.BaseExpression
    ) -> Optional[cst.BaseExpression]:
        candidates = []
        for arg in node.args:
            if arg.value is path_argument or arg.star:
                continue
            if arg.keyword is not None:
                if arg.keyword.value in BODY:
                    candidates.append(arg.value)
            elif not isinstance(arg.value, (cst.SimpleString, cst.FormattedString)):
                candidates.append(arg.value)  # ("POST", url, payload): not the method
        if not candidates:
            return None
        if len(candidates) > 1:
            dicts = [c for c in candidates if self._dict_or_none(c, node) is not None]
            if len(dicts) != 1:
                return candidates[0] if not dicts else None
            return dicts[0]
        return candidates[0]

    def _dict_or_none(
        self, value: cst.BaseExpression, near: cst.Call
    ) -> Optional[cst.BaseExpression]:
        try:
            return self._dict(value, near)
        except Manual:
            return None

    def _dict(
        self,
        value: cst.BaseExpression,
        near: cst.Call,
        depth: int = 0,
        sent: Optional[_spec.Endpoint] = None,
        chain: tuple[cst.CSTNode, ...] = (),
    ) -> cst.BaseExpression:
        """The dict literal a payload argument is (a display, or ``dict(key=value, ...)``),
        through ``json.dumps``, ``.encode()`` and names bound in the function.

        :param sent: the endpoint the call ``near`` posts to: each name the payload goes
            through must then be used in that call alone, or where ``near`` gets its value
            (``chain``), or in another call that posts it to the same endpoint.
        """
        if isinstance(value, cst.Dict):
            return value
        if depth < 4 and isinstance(value, cst.Call):
            func = value.func
            if isinstance(func, cst.Name) and func.value == "dict" and self._builtin_dict():
                if any(a.star for a in value.args):
                    msg = "the payload unpacks another mapping (**): its keys cannot be read"
                    raise Manual(msg)
                if any(a.keyword is None for a in value.args):
                    msg = "the payload is dict() of another mapping, whose keys cannot be read here"
                    raise Manual(msg)
                return value
            if isinstance(func, cst.Attribute) and func.attr.value == "encode":
                return self._dict(func.value, near, depth + 1, sent, chain)
            if value.args and self.context.code(func).strip().endswith("dumps"):
                return self._dict(value.args[0].value, near, depth + 1, sent, chain)
        if depth < 4 and isinstance(value, cst.Name):
            assign = self.context.binding(value, near)
            if assign is not None:
                links = (*chain, assign.value)
                found = self._dict(assign.value, near, depth + 1, sent, links)
                if sent is not None:
                    why = self.context.shared(
                        assign,
                        near,
                        lambda use: self._on_the_way(use, chain, sent, near),
                        dumped=found is not assign.value,
                    )
                    if why is not None:
                        raise Manual(why)
                return found
            why = self.context.module_name(value, near)
            if why is not None:
                raise Manual(why)
            if self.context.changed(value, near):
                msg = (
                    f"{value.value}, the payload, is assigned more than once or changed after "
                    "it is built (an item set, update()), so what it holds cannot be read here"
                )
                raise Manual(msg)
        msg = (
            "the payload posted to the legacy path is not a dict literal in this call "
            "or a name bound to one in this function"
        )
        raise Manual(msg)

    def _on_the_way(
        self,
        use: cst.Name,
        chain: tuple[cst.CSTNode, ...],
        sent: _spec.Endpoint,
        near: cst.Call,
    ) -> bool:
        """Whether a use of a name the payload goes through is on its way to the call
        (``payload`` in ``body = json.dumps(payload)``, where ``chain`` went), or in another
        call that posts it to the same endpoint (and is rewritten with the same body)."""
        context = self.context
        if any(context.inside(use, link) for link in chain):
            return True
        statement = context.statement(use)
        current: Optional[cst.CSTNode] = context.parents.get(use)
        while current is not None and current is not statement:
            if isinstance(current, cst.Call):
                path = self.paths.of_call(current)
                if path is not None:
                    return path.endpoint is sent and self._rewritten_alike(current, path, near)
            current = context.parents.get(current)
        return False

    def _rewritten_alike(self, other: cst.Call, path: Path, near: cst.Call) -> bool:
        """Whether ``other``, which posts the payload ``near`` posts, is rewritten with it:
        a raw call that posts to the legacy path as the shim does, under the same policy.
        Were it left, it would post the new body to the legacy path."""
        if self._shims_own(other):
            return False  # it translates the payload itself
        payload = self._payload_argument(other, path.argument)
        if payload is None:
            return False
        try:
            self._posts_as_the_shim(other, path, payload)
            return self._policy(other) == self._policy(near)
        except Manual:
            return False

    def _builtin_dict(self) -> bool:
        """Whether ``dict`` is the builtin here: the module binds no ``dict`` of its own."""
        if self._dict_shadowed is None:
            self._dict_shadowed = _binds_dict(self.context.source)
        return not self._dict_shadowed

    # -- the path ----------------------------------------------------------------------

    def _built(self, value: cst.BaseExpression, near: cst.CSTNode) -> Optional[cst.BaseExpression]:
        """The expression that builds a legacy path from pieces, when ``value`` is one or is a
        name bound to one (in the function, else once in the module)."""
        if isinstance(value, cst.Name):
            assign = self.context.binding(value, near)
            if assign is not None:
                value = assign.value
            else:
                module = self.context.module_values.get(value.value, [])
                if self.context.local(value, near) or len(module) != 1:
                    return None
                value = module[0]
        text = "".join(_walk_string(value, self.context))
        return value if PATHS.search(text) is not None else None

    def _in_a_post(self, node: cst.Call) -> bool:
        """Whether ``node`` is the URL argument of a call that posts a payload with it."""
        parents = self.context.parents
        arg = parents.get(node)
        outer = parents.get(arg) if isinstance(arg, cst.Arg) else None
        return (
            isinstance(outer, cst.Call)
            and isinstance(arg, cst.Arg)
            and arg.value is node
            and self._payload_argument(outer, node) is not None
        )

    # -- the module as a whole ---------------------------------------------------------

    def finish(self) -> None:
        context = self.context
        for node, path in self.pending:
            if any(original in context.plan.replacements for original in path.replace):
                continue  # the literal is part of a call rewritten with its payload
            if (id(context.function(node)), path.endpoint.name) in self.sites:
                self._apply(path)  # e.g. a signing helper's path: it moves with the URL
                self._constant_use(path, None)
                continue
            self._constant_use(path, node)
            callee = context.code(node.func).strip()
            reason = (
                f"the legacy path is passed to {callee}(), which posts no payload here: "
                "migrate it with the call that posts the payload"
            )
            if self._in_a_post(node):
                reason = (
                    f"the URL is built by {callee}() from the legacy path, and compat migrate "
                    "reads only a helper whose body is one return ending the URL with the path "
                    'it is given (BASE + path, f"{BASE}{path}", urljoin(BASE, path)): write the '
                    "URL out in the call, or migrate it by hand"
                )
            context.manual(NAME, node, reason)
        for statement, (name, places) in self.constants.items():
            if places:
                where = ", ".join(sorted(set(places)))
                reason = (
                    f"{name} is a legacy path also used where it cannot be migrated "
                    f"({where}); the migrated calls name the new path themselves"
                )
            else:
                reason = (
                    f"{name} is a legacy path no call here uses any more (they name the new "
                    "path themselves); other code may still use it: remove it when none does"
                )
            context.manual(NAME, statement, reason)


def _rebound_in(value: cst.BaseExpression, context: Context, near: cst.CSTNode) -> Optional[str]:
    """The module-level name in the path expression ``value`` that holds a legacy path
    but may be bound to another value (see :meth:`Context.module_value`), if any."""
    for name in walk(value):
        if (
            isinstance(name, cst.Name)
            and not context.local(name, near)
            and name.value in context.module_values
            and context.module_value(name.value) is None
            and any(
                PATHS.search("".join(_walk_string(v, context)))
                for v in context.module_values[name.value]
            )
        ):
            return name.value
    return None


def _walk_string(value: cst.BaseExpression, context: Context) -> list[str]:
    """The text of a string expression: literal parts, module constants (a name a function
    around it binds is not the module's), and gaps."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return _walk_string(value.left, context) + _walk_string(value.right, context)
    if isinstance(value, cst.Name):
        if context.local(value, value):
            return ["\0"]
        return [context.constants.get(value.value, "\0")]
    parts = _string_parts(value)
    if parts:
        return [
            p.value if isinstance(p, cst.FormattedStringText) else str(p.evaluated_value)
            for p in parts
        ]
    return ["\0"]


def _display(call: cst.Call) -> cst.Dict:
    """The dict display that ``dict(key=value, ...)`` makes, laid out as the call."""
    elements = []
    for arg in call.args:
        assert arg.keyword is not None
        elements.append(
            cst.DictElement(
                cst.SimpleString(f'"{arg.keyword.value}"'),
                arg.value,
                whitespace_before_colon=cst.SimpleWhitespace(""),
                whitespace_after_colon=cst.SimpleWhitespace(" "),
                comma=arg.comma,
            )
        )
    return cst.Dict(
        elements, lbrace=cst.LeftCurlyBrace(whitespace_after=call.whitespace_before_args)
    )


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _binds_dict(code: str) -> bool:
    """Whether the module binds the name ``dict`` anywhere (assigned, unpacked into, a
    parameter, a loop or ``with`` target, a function, a class or an import)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and node.id == "dict" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.arg) and node.arg == "dict":
            return True
        if isinstance(node, _DEFINITIONS) and node.name == "dict":
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name) == "dict":
            return True
    return False


def _an_answer(literal: cst.Dict, endpoint: _spec.Endpoint) -> bool:
    """Whether ``literal`` is written as the endpoint's answer (its result, and only fields
    of the answer), as a test double registers it for a legacy URL."""
    keys = set()
    for element in literal.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(
            element.key, cst.SimpleString
        ):
            return False
        keys.add(element.key.evaluated_value)
    answer = {spec.wire for spec in endpoint.response}
    result = {spec.wire for spec in endpoint.response if spec.type == _spec.RESULT}
    return bool(keys & result) and keys <= answer


def _not_a_post(call: cst.Call, url: cst.BaseExpression) -> Optional[str]:
    """Why ``call`` is not a POST, as far as the source says (None: a POST, or an in-house
    helper that does not say): the shim translates POST alone, and passes any other
    method on to the legacy path as it is."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    if not isinstance(name, str):
        return None
    first = call.args[0] if call.args else None
    if name.lower() in _OTHER_METHODS and first is not None and first.value is url:
        return _other_method(name.upper())  # get(url, ...), not environ.get(name, url)
    method = next((a.value for a in call.args if a.keyword and a.keyword.value == "method"), None)
    if method is None and name in _ANY_METHOD and first is not None and first.keyword is None:
        method = first.value if first.value is not url else None  # urlopen(url, data): POST
    if method is None:  # a helper's: self._request("GET", path, payload)
        method = next((a.value for a in call.args if _a_method(a, url)), None)
    if method is None:
        return None
    text = method.evaluated_value if isinstance(method, cst.SimpleString) else None
    if isinstance(text, str):
        return None if text.upper() == "POST" else _other_method(text)
    return (
        "the call's HTTP method is not written out here, and the shim translates POST alone "
        "(any other method goes on to the legacy path as it is): write POST out to migrate it"
    )


def _a_method(argument: cst.Arg, url: cst.BaseExpression) -> bool:
    """Whether ``argument`` is an HTTP method written out, given by position."""
    value = argument.value
    return (
        argument.keyword is None
        and value is not url
        and isinstance(value, cst.SimpleString)
        and str(value.evaluated_value).upper() in _METHODS
    )


def _other_method(method: str) -> str:
    return (
        f"the call sends {method}, and the shim translates POST alone (any other method goes "
        "on to the legacy path as it is): it is left as it is"
    )
