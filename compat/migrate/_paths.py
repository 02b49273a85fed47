"""Where a call's legacy path comes from, for the rules that rewrite calls.

The path: a string, f-string or concatenation; ``"%s/v2/..." % base``;
``"{}/v2/...".format(base)``; ``urljoin(base, "v2/...")``; a name bound to one
of these in the same function; or a module or class constant. A constant is
never rewritten (other modules may import it): the use gets the new value
written out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

import attrs
import libcst as cst
from libcst.helpers import get_full_name_for_node

from .. import _spec
from .._source import PATHS, RELATIVE_PATHS
from ._payload import _string
from ._plan import last_name, walk
from ._project import Unread, called, imported_constant, imports_legacy_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._plan import Context

__all__ = ["Path", "Paths"]

_URL_JOINS = ("urljoin", "urllib.parse.urljoin", "parse.urljoin")


@attrs.define
class Path:
    """Where a call's legacy path comes from, and what rewrites it."""

    endpoint: _spec.Endpoint
    #: the argument of the call that holds it
    argument: cst.BaseExpression
    #: original node -> its replacement
    replace: dict[cst.CSTNode, cst.CSTNode] = attrs.field(factory=dict)
    #: the module or class constant it comes from: (its name, its statement)
    constant: Optional[tuple[str, cst.CSTNode]] = None
    #: what the URL goes on with after the path in the same literal or constant ("/",
    #: "?lang=th", ...): the shim posts to the new path alone
    rest: str = ""
    #: the constant it comes from as the call reads it, and where the project may set it
    #: to another value (see :meth:`Context.elsewhere`): the call is left for manual work
    elsewhere: Optional[tuple[str, str]] = None


class Paths:
    """Resolves the legacy path of a call's argument in one module."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._any: Optional[bool] = None

    def any(self) -> bool:
        """Whether any string literal of the module holds a legacy path, or a constant it
        imports from another module of the project does (else no call can post to one)."""
        if self._any is None:
            self._any = any(
                (PATHS.search(n.value) or RELATIVE_PATHS.search(n.value.strip("\"'")))
                for n in self.context.nodes(self.context.module)
                if type(n) is cst.SimpleString or type(n) is cst.FormattedStringText
            ) or imports_legacy_path(self.context)
        return self._any

    def of_call(self, node: cst.Call) -> Optional[Path]:
        """The legacy path among a call's arguments (positional, or ``url=`` and the like)."""
        if not self.any():
            return None
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value not in ("url", "path", "endpoint"):
                continue
            found = self.resolve(arg.value, node)
            if found is not None:
                found.argument = arg.value
                return found
        return None

    def goes_on(self, path: Path) -> Optional[str]:
        """What the URL goes on with after the legacy path (a trailing ``/``, a query,
        more path, an expression added after it), or None when it ends there: the shim
        posts to the new path alone (its query and a trailing ``/`` dropped; a longer path
        is not the legacy endpoint's)."""
        if path.rest:
            return repr(path.rest)
        parents = self.context.parents
        for anchor in path.replace:
            current, parent = anchor, parents.get(anchor)
            while parent is not None and _joins(parent):
                following = _following(parent, current)
                if following is not None:
                    code = self.context.code(following).strip()
                    return code[2:-1] if isinstance(following, cst.FormattedString) else code
                current, parent = parent, parents.get(parent)
        return None

    def resolve(
        self, value: cst.BaseExpression, near: cst.CSTNode, depth: int = 0
    ) -> Optional[Path]:
        context = self.context
        found = context.legacy_path_in(value)
        if found is not None:
            endpoint, literal = found
            new = literal.with_changes(
                value=literal.value.replace(endpoint.path, _spec.SEND.path, 1)
            )
            text = literal.evaluated_value if isinstance(literal, cst.SimpleString) else None
            rest = _after(text if isinstance(text, str) else literal.value)
            return Path(endpoint, value, {literal: new}, rest=rest)
        if depth > 4:
            return None
        if isinstance(value, cst.BinaryOperation):
            if isinstance(value.operator, cst.Modulo):
                return self.resolve(value.left, near, depth + 1)
            if isinstance(value.operator, cst.Add):
                path = self.resolve(value.left, near, depth + 1) or self.resolve(
                    value.right, near, depth + 1
                )
                if path is None and self._ends_in_slash(value.left, near, depth + 1):
                    path = self._relative(value.right)  # BASE + "v2/messages/sendInbox"
                return path
        if isinstance(value, cst.FormattedString):
            return self._formatted(value, near, depth)
        if isinstance(value, cst.Call):
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value == "format":
                return self.resolve(func.value, near, depth + 1)
            if context.code(func).strip() in _URL_JOINS and len(value.args) >= 2:
                return self._relative(value.args[1].value) or self.resolve(
                    value.args[1].value, near, depth + 1
                )
            ended = self._url_end(value)
            return None if ended is None else self.resolve(ended, near, depth + 1)
        if isinstance(value, cst.Name):
            assign = context.binding(value, near)
            if assign is not None:
                return self.resolve(assign.value, near, depth + 1)
            if context.local(value, near):
                return None
            if value.value not in context.module_values:
                return self._imported_constant(value)
            bound = context.module_value(value.value)  # bound once, and nothing else binds it
            if isinstance(bound, (cst.BinaryOperation, cst.FormattedString)):
                return self._built(value, bound, near)
            return self._constant(value, [bound] if bound is not None else [])
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name):
            owner = self._class(value.value.value, near)
            if owner is None:
                return self._imported_constant(value)
            return self._constant(
                value, _class_values(owner, value.attr.value), owner=owner.name.value
            )
        return None

    def _built(
        self,
        use: cst.Name,
        built: Union[cst.BinaryOperation, cst.FormattedString],
        near: cst.CSTNode,
    ) -> Optional[Path]:
        """A module constant that joins a legacy path to other values when the module is
        imported (``INBOX = WALLET + "/v2/messages/sendInbox"``, ``f"{WALLET}/v2/..."``):
        the join is written out at the use, with the new path, when it gives there what it
        gave at import. That is, the use is a call's argument; the path ends the join; and
        each other piece is a literal, or a name (``WALLET``, ``settings.WALLET_URL``) that
        the module binds once (its constant or its import), that is not bound where the
        use is, and that nothing else in the project sets (:meth:`Context.elsewhere`)."""
        context = self.context
        found = context.legacy_path_in(built)
        if type(context.parents.get(use)) is not cst.Arg or found is None:
            return None
        endpoint, literal = found
        last = built.parts[-1] if isinstance(built, cst.FormattedString) else built.right
        text = literal.value if isinstance(literal, cst.FormattedStringText) else None
        if isinstance(literal, cst.SimpleString) and isinstance(literal.evaluated_value, str):
            text = literal.evaluated_value
        if last is not literal or text is None or _after(text) or not self._fixed(built, near):
            return None
        new = literal.with_changes(value=literal.value.replace(endpoint.path, _spec.SEND.path, 1))
        statement = context.statement(built)
        assert statement is not None
        elsewhere = self._set_elsewhere(use, use.value)
        written = built.deep_replace(literal, new)
        return Path(endpoint, use, {use: written}, (use.value, statement), "", elsewhere)

    def _fixed(self, piece: cst.BaseExpression, near: cst.CSTNode) -> bool:
        """Whether ``piece`` of a joined constant gives at ``near`` what it gave when the
        module was imported (see :meth:`_built`)."""
        context = self.context
        if isinstance(piece, cst.BinaryOperation):
            return (
                isinstance(piece.operator, cst.Add)
                and self._fixed(piece.left, near)
                and self._fixed(piece.right, near)
            )
        if isinstance(piece, cst.FormattedString):
            return all(
                isinstance(part, cst.FormattedStringText)
                or (
                    isinstance(part, cst.FormattedStringExpression)
                    and part.format_spec is None
                    and part.conversion is None
                    and part.equal is None
                    and self._fixed(part.expression, near)
                )
                for part in piece.parts
            )
        if isinstance(piece, cst.SimpleString):
            return True
        name = piece.value if isinstance(piece, cst.Name) else None
        if isinstance(piece, cst.Attribute) and isinstance(piece.value, cst.Name):
            name = piece.value.value
            if context.elsewhere(piece.attr.value) is not None:
                return False
        return (
            name is not None
            and not context.is_local(name, near)
            and not context.rebound(name)
            and context.elsewhere(name) is None
        )

    def _imported_constant(self, use: cst.BaseExpression) -> Optional[Path]:
        """A constant of another module of the project (``settings.INBOX_PATH``, or
        ``INBOX_PATH`` imported from it) holding a legacy path: the use gets the new value
        written out, and the constant stays where it is, for its module's run to mark."""
        value = imported_constant(self.context, use)
        return None if value is None else self._constant(use, [value], here=False)

    def _url_end(self, call: cst.Call) -> Optional[cst.BaseExpression]:
        """The argument a URL-building helper of the project's ends its URL with, as it
        is given: ``_url("/v2/messages/sendInbox")`` with ``def _url(path): return
        BASE.rstrip("/") + path`` (or ``f"{BASE}{path}"``, ``urljoin(BASE, path)``:
        the same join of the legacy path or the new one), the helper's body that one
        ``return`` and the parameter used nowhere else. The URL is then what comes before
        it and the path: a new path there is the URL the shim posts to."""
        if any(arg.star for arg in call.args):
            return None
        try:
            helper = called(self.context, call)
        except Unread:  # a helper it cannot read: the call is left as before
            return None
        if helper is None:
            return None
        function = helper.function
        params = function.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.star_kwarg is not None:
            return None
        named = [p.name.value for p in (*params.posonly_params, *params.params)]
        returned = _sole_return(function)
        last = _last_piece(returned) if returned is not None else None
        if not isinstance(last, cst.Name) or last.value not in named[helper.skipped :]:
            return None
        uses = [n for n in walk(function.body) if isinstance(n, cst.Name) and n.value == last.value]
        if uses != [last]:
            return None  # the parameter is also read, changed or bound elsewhere in it
        index = named.index(last.value) - helper.skipped
        for position, arg in enumerate(call.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == last.value or (keyword is None and position == index):
                return arg.value
        return None

    def _ends_in_slash(self, value: cst.BaseExpression, near: cst.CSTNode, depth: int) -> bool:
        """Whether the source fixes that the text of ``value`` ends in ``/`` (then a
        relative path added to it is the URL's path)."""
        if depth > 4:
            return False
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            return self._ends_in_slash(value.right, near, depth + 1)
        if isinstance(value, cst.Name):
            assign = self.context.sole_binding(value, near)
            if assign is not None:
                return self._ends_in_slash(assign.value, near, depth + 1)
            bound = (
                None if self.context.local(value, near) else self.context.module_value(value.value)
            )
            return bound is not None and self._ends_in_slash(bound, near, depth + 1)
        if isinstance(value, cst.ConcatenatedString):
            return self._ends_in_slash(value.right, near, depth + 1)
        if isinstance(value, cst.FormattedString):
            last = value.parts[-1] if value.parts else None
            return isinstance(last, cst.FormattedStringText) and last.value.endswith("/")
        if isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            return isinstance(text, str) and text.endswith("/")
        return False

    def _formatted(
        self, value: cst.FormattedString, near: cst.CSTNode, depth: int
    ) -> Optional[Path]:
        """A path from a name (or attribute) in an f-string, as ``f"{base}{PATH}"``; a
        constant's new value is written into the f-string as text."""
        for part in value.parts:
            if (
                not isinstance(part, cst.FormattedStringExpression)
                or part.format_spec
                or part.conversion is not None
                or part.equal is not None
            ):
                continue  # text, or a value converted, formatted or named (``{PATH=}``)
            found = self.resolve(part.expression, near, depth + 1)
            if found is None:
                continue
            new = found.replace.get(part.expression)
            if new is None:  # a local name: its assignment is rewritten
                return found
            assert isinstance(new, cst.SimpleString)
            text = _fstring_text(str(new.evaluated_value), value)
            if text is None:
                return None
            del found.replace[part.expression]
            found.replace[part] = cst.FormattedStringText(text)
            return found
        return None

    def _relative(self, value: cst.BaseExpression) -> Optional[Path]:
        if not isinstance(value, cst.SimpleString):
            return None
        text = value.evaluated_value
        if not isinstance(text, str):
            return None
        match = RELATIVE_PATHS.match(text)
        if match is None or match.lastgroup is None:
            return None
        endpoint = _spec.LEGACY_ENDPOINTS[match.lastgroup]
        old, new = endpoint.path.lstrip("/"), _spec.SEND.path.lstrip("/")
        return Path(
            endpoint,
            value,
            {value: value.with_changes(value=value.value.replace(old, new, 1))},
            rest=text[match.end() :],
        )

    def _constant(
        self,
        use: cst.BaseExpression,
        values: list[cst.BaseExpression],
        here: bool = True,
        owner: Optional[str] = None,
    ) -> Optional[Path]:
        """A constant holding a legacy path: the use gets the new value written out.
        ``here``: the constant is the module's (else another module's, not marked here);
        ``owner``: the class whose body binds it (None: a module's)."""
        if len(values) != 1 or not isinstance(values[0], cst.SimpleString):
            return None
        text = values[0].evaluated_value
        if not isinstance(text, str):
            return None
        match = PATHS.search(text)
        if match is None or match.lastgroup is None:
            return None
        endpoint = _spec.LEGACY_ENDPOINTS[match.lastgroup]
        statement = self.context.statement(values[0]) if here else None
        assert statement is not None or not here
        name = last_name(use)
        assert name is not None  # a Name or an Attribute (see resolve)
        new = _string(text.replace(endpoint.path, _spec.SEND.path, 1), values[0].quote[0])
        constant = (name, statement) if statement is not None else None
        elsewhere = self._set_elsewhere(use, name, owner)
        return Path(endpoint, use, {use: new}, constant, text[match.end() :], elsewhere)

    def _set_elsewhere(
        self, use: cst.BaseExpression, name: str, owner: Optional[str] = None
    ) -> Optional[tuple[str, str]]:
        """:attr:`Path.elsewhere` of a constant ``use`` reads: how the call reads it, and
        where it may be set to another value; None when nothing sets it."""
        place = self.context.elsewhere(name, owner)
        return None if place is None else (self.context.code(use).strip(), place)

    def _class(self, owner: str, near: cst.CSTNode) -> Optional[cst.ClassDef]:
        """The class ``owner.attr`` reads ``attr`` of: the class around ``near`` for
        ``self``, ``cls`` or its own name; a class of the module for its name (bound
        nothing else). None for anything else (``settings.URL``: not a class here)."""
        current: Optional[cst.CSTNode] = self.context.parents.get(near)
        while current is not None and not isinstance(current, cst.ClassDef):
            current = self.context.parents.get(current)
        if current is not None and owner in ("self", "cls", current.name.value):
            return current
        context = self.context
        if owner in context.module_values or owner in context.imported:
            return None
        found = [
            c for c in context.module.body if isinstance(c, cst.ClassDef) and c.name.value == owner
        ]
        return found[0] if len(found) == 1 else None


def _sole_return(function: cst.FunctionDef) -> Optional[cst.BaseExpression]:
    """What ``function`` returns when its body is one ``return`` (after a docstring;
    ``def f(path): return BASE + path`` on one line too)."""
    body = function.body
    if isinstance(body, cst.SimpleStatementSuite):
        small: Sequence[cst.BaseSmallStatement] = body.body
    else:
        statements = list(body.body)
        if statements and _docstring(statements[0]):
            statements = statements[1:]
        if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
            return None
        small = statements[0].body
    if len(small) != 1 or not isinstance(small[0], cst.Return):
        return None
    return small[0].value


def _docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _last_piece(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The last piece a URL is joined from: the right of ``a + b``, the last ``{...}``
    of an f-string, as it is (not converted or formatted), or the second argument of
    ``urljoin(base, path)``; None for anything else."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return value.right
    if (
        isinstance(value, cst.Call)
        and get_full_name_for_node(value.func) in _URL_JOINS
        and len(value.args) == 2
        and not any(arg.keyword or arg.star for arg in value.args)
    ):
        return value.args[1].value
    if isinstance(value, cst.FormattedString) and value.parts:
        last = value.parts[-1]
        if (
            isinstance(last, cst.FormattedStringExpression)
            and last.format_spec is None
            and last.conversion is None
            and last.equal is None
        ):
            return last.expression
    return None


def _class_values(owner: cst.ClassDef, attr: str) -> list[cst.BaseExpression]:
    """The values assigned to ``attr`` in the body of ``owner``."""
    return [
        small.value
        for statement in owner.body.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets)
    ]


def _joins(node: cst.CSTNode) -> bool:
    """Whether ``node`` puts the pieces of one URL together: ``+``, ``"a" "b"``, an
    f-string and its ``{...}`` (not ``%``, whose template ends the URL)."""
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, cst.Add)
    return isinstance(
        node, (cst.ConcatenatedString, cst.FormattedString, cst.FormattedStringExpression)
    )


def _following(whole: cst.CSTNode, piece: cst.CSTNode) -> Optional[cst.CSTNode]:
    """What comes after ``piece`` in ``whole`` (a joining node), if anything."""
    if isinstance(whole, (cst.BinaryOperation, cst.ConcatenatedString)):
        return whole.right if whole.left is piece else None
    if isinstance(whole, cst.FormattedString):
        after = whole.parts[whole.parts.index(piece) + 1 :]
        return cst.FormattedString(after) if after else None
    return None


def _after(text: str) -> str:
    """The text after the legacy path in ``text`` (which holds one)."""
    match = PATHS.search(text)
    assert match is not None
    return text[match.end() :]


def _fstring_text(text: str, fstring: cst.FormattedString) -> Optional[str]:
    """``text`` as it is written in the literal part of ``fstring``: braces doubled, and
    (unless the f-string is raw) backslashes, control characters and its quote escaped.
    None when a raw f-string cannot hold it."""
    quote = fstring.end[0]
    text = text.replace("{", "{{").replace("}", "}}")
    if "r" in fstring.start.lower():
        unsafe = quote in text or text.endswith("\\") or any(c < " " for c in text)
        return None if unsafe else text
    out = []
    for char in text:
        if char in ("\\", quote):
            out.append("\\" + char)
        elif char < " " or char == "\x7f":
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)
