"""Python sources: paths built by concatenation, shim calls and imports, legacy payloads.

The text scan finds paths written out whole; the AST adds what text cannot see:
``BASE + "/v2/messages/" + "sendInbox"`` (string constants of the module
resolved), calls of the shim's legacy methods and uses of its names through
any alias, and dict literals shaped like legacy payloads. Comments and
docstrings are mentions (CPT005), never uses.
"""

from __future__ import annotations

import ast
import bisect
import io
import tokenize
from typing import Any, Callable, Optional

from .. import _spec
from .._validate import utf16_len
from . import LEGACY_CLIENT, SHIM_CLASSES, CompatImports
from .rules import LEGACY_PAYLOAD, SHIM_CALL, SHIM_IMPORT, Finding
from .text import PATHS, RELATIVE_PATHS, Lines, inside, path_message, scan_text

__all__ = ["scan_python"]

_SHIM_NAMES = set(SHIM_CLASSES)
_LEGACY_METHODS: dict[str, str] = {}
_RENAMED = next(iter(_spec.SEND_INBOX.renames))  # authClientId
_MOVED = next(iter(_spec.MOVED_PARAMETERS))  # pushContentUrl
_PAYLOAD_KEYS: set[str] = set()


def refresh() -> None:
    """The shim's methods and the payload keys, from the spec's legacy endpoints."""
    _LEGACY_METHODS.clear()
    _LEGACY_METHODS.update({method: e.name for method, e in _spec.SHIM_METHODS.items()})
    _PAYLOAD_KEYS.clear()
    _PAYLOAD_KEYS.update(spec.wire for e in _spec.LEGACY_ENDPOINTS.values() for spec in e.request)


refresh()
_LIMITED = {
    wire: _spec.SEND.request[wire].max_length or 0 for wire in ("requestId", "templateCode")
}
_UNRESOLVED = "\0"


def _walk(tree: ast.Module) -> tuple[list[ast.AST], dict[ast.AST, ast.AST]]:
    """Every node of ``tree``, parents before children and in the order of their fields
    (``ast.NodeVisitor``'s), and each node's parent: one pass for all the scan needs."""
    nodes: list[ast.AST] = []
    parents: dict[ast.AST, ast.AST] = {}
    stack: list[ast.AST] = [tree]
    AST = ast.AST
    while stack:
        node = stack.pop()
        nodes.append(node)
        below: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                below.append(value)
            elif isinstance(value, list):
                below.extend(v for v in value if isinstance(v, AST))
        for child in below:
            parents[child] = node
        below.reverse()
        stack.extend(below)
    return nodes, parents


def _literals(nodes: list[ast.AST], lines: Lines) -> list[tuple[int, int]]:
    """The spans of the module's string literals (bytes and f-strings too), docstrings
    left out: a path anywhere else in Python source is in a comment or a docstring."""
    docstrings = set()
    for node in nodes:
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                docstrings.add(body[0].value)
    spans = []
    within: set[ast.AST] = set()  # what f-strings hold: inside their spans already
    for node in nodes:
        if node in within:
            continue
        if isinstance(node, ast.JoinedStr):
            # its parts and the literals of its expressions: placed oddly before 3.12
            within.update(ast.walk(node))
            spans.append(_span(node, lines))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (str, bytes))
            and node not in docstrings
        ):
            spans.append(_span(node, lines))
    spans.sort()  # none overlap: an f-string's literals are inside its own span
    return spans


def _mention(text: str, literals: list[tuple[int, int]], lines: Lines) -> Callable[[int], bool]:
    """Whether a path found at an offset is a mention: not in a string literal.

    A literal's span holds only its string tokens, unless it is an implicit
    concatenation, whose span also holds what lies between them: whitespace, and
    perhaps a comment. A path has no whitespace, so one in such a span is in a
    string unless a ``#`` comes before it in the span; then the tokenizer decides.
    """
    comments: Optional[list[tuple[int, int]]] = None  # tokenized when first needed

    def mention(offset: int) -> bool:
        nonlocal comments
        index = bisect.bisect_right(literals, (offset, float("inf"))) - 1
        if index < 0 or not literals[index][0] <= offset < literals[index][1]:
            return True
        if "#" not in text[literals[index][0] : offset]:
            return False
        if comments is None:
            comments = _comment_spans(text, lines)
        return inside(comments, offset)

    return mention


def _comment_spans(text: str, lines: Lines) -> list[tuple[int, int]]:
    spans = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                start = lines.offset(token.start[0], token.start[1])
                spans.append((start, start + len(token.string)))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - the AST parsed it
        pass
    return spans


def _span(node: ast.AST, lines: Lines) -> tuple[int, int]:
    start = lines.offset(node.lineno, _column(lines, node.lineno, node.col_offset))  # type: ignore[attr-defined]
    end_line = node.end_lineno or node.lineno  # type: ignore[attr-defined]
    end = lines.offset(end_line, _column(lines, end_line, node.end_col_offset or 0))  # type: ignore[attr-defined]
    return start, end


def _column(lines: Lines, line: int, byte_offset: int) -> int:
    """The character column of an AST (UTF-8 byte) column offset."""
    text = lines.text_of(line)
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


class _Visitor:
    def __init__(self, path: str, lines: Lines, found_at: set[int]) -> None:
        self.path = path
        self.lines = lines
        #: start offsets of paths the text scan found (not to report twice)
        self.found_at = found_at
        self.findings: list[Finding] = []
        #: (scope, name) -> the string constant it is bound to there; the scope is the
        #: function, lambda or class whose body binds it, None for the module
        self.constants: dict[tuple[Optional[ast.AST], str], str] = {}
        #: the names each function, lambda or class binds otherwise (parameters, any other
        #: assignment), which hide the names of the scopes around it
        self.bound: dict[Optional[ast.AST], set[str]] = {}
        #: what the module's imports bind of compat
        self.imports = CompatImports()
        #: names bound to the compat module, and to the shim's names
        self.compat_modules: set[str] = set()
        #: local name -> the shim class it is imported as (``LC`` -> ``LegacyClient``)
        self.shim_names: dict[str, str] = {}
        #: names (and ``.attr``s) bound to a LegacyClient
        self.clients: set[str] = set()
        #: whether the module posts to a legacy path
        self.posts = False
        self.uses_compat = False
        self.parents: dict[ast.AST, ast.AST] = {}

    def add(self, node: ast.AST, rule_id: str, endpoint: Optional[str], message: str) -> None:
        start, end = _span(node, self.lines)
        line, column = self.lines.position(start)
        end_line, end_column = self.lines.position(end)
        self.findings.append(
            Finding(self.path, line, column, end_line, end_column, rule_id, endpoint, message)
        )

    # -- what the module binds --------------------------------------------------------

    def prepare(self, nodes: list[ast.AST], parents: dict[ast.AST, ast.AST]) -> None:
        self.parents = parents
        for node in nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if isinstance(node.value.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.constants[self.scope(node), target.id] = node.value.value
            elif (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)) or isinstance(
                node, ast.arg
            ):
                name = node.id if isinstance(node, ast.Name) else node.arg
                self.bound.setdefault(self.scope(node), set()).add(name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.add_import(alias.name, alias.asname)
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                for alias in node.names:
                    self.imports.add_from(node.module, alias.name, alias.asname)
        self.uses_compat = self.imports.any
        self.compat_modules = self.imports.modules
        self.shim_names = {k: v for k, v in self.imports.names.items() if v in _SHIM_NAMES}
        # names and attributes bound to a LegacyClient (built, annotated, with ... as),
        # and whether the module posts to a legacy path
        for node in nodes:
            value: Optional[ast.AST] = None
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                value, targets = node.value, list(node.targets)
            elif isinstance(node, ast.AnnAssign):
                value, targets = node.value or node.annotation, [node.target]
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                value, targets = node.context_expr, [node.optional_vars]
            elif isinstance(node, ast.arg) and node.annotation is not None:
                value, targets = node.annotation, [ast.Name(node.arg)]
            if isinstance(node, ast.Call) and self.legacy_path_of_call(node):
                self.posts = True
            if value is None or self.shim_class(value) != LEGACY_CLIENT:
                continue
            for bound in targets:
                if isinstance(bound, ast.Name):
                    self.clients.add(bound.id)
                elif isinstance(bound, ast.Attribute):
                    self.clients.add("." + bound.attr)

    def shim_class(self, node: ast.AST) -> Optional[str]:
        """The shim class ``node`` names or builds (``LC(...)``, ``compat.LegacyClient``)."""
        if isinstance(node, ast.Call):
            return self.shim_class(node.func)
        if isinstance(node, ast.Name):
            return self.shim_names.get(node.id)
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _SHIM_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in self.compat_modules
        ):
            return node.attr
        return None

    def legacy_path_of_call(self, node: ast.Call) -> bool:
        """Whether a call names a legacy path in an argument (joined relative paths too)."""
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if self.legacy_path(arg) or self.relative_path(node, arg):
                return True
        return False

    def relative_path(self, call: ast.Call, arg: ast.AST) -> Optional[tuple[str, str]]:
        """A legacy path without its leading slash, as the relative part of a URL join."""
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name != "urljoin" or len(call.args) < 2 or call.args[1] is not arg:
            return None
        match = RELATIVE_PATHS.match(arg.value)
        return (match.lastgroup or "", match.group()) if match else None

    # -- strings built from parts -----------------------------------------------------

    def resolve(self, node: ast.AST) -> Optional[str]:
        """The text of a string expression, unknown parts as a placeholder."""
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self.constant(node)
        if isinstance(node, ast.JoinedStr):
            return "".join(self.resolve(v) or _UNRESOLVED for v in node.values)
        if isinstance(node, ast.FormattedValue):  # a value as it is, not converted or formatted
            plain = node.conversion == -1 and not node.format_spec
            return self.resolve(node.value) if plain else _UNRESOLVED
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.resolve(node.left), self.resolve(node.right)
            if left is None or right is None:
                return None
            return left + right
        return _UNRESOLVED

    def scope(self, node: ast.AST) -> Optional[ast.AST]:
        """The function, lambda or class whose body holds ``node`` (None: the module). A
        parameter is its function's; a default value or a decorator, the scope around."""
        below, child, current = node, node, self.parents.get(node)
        while current is not None:
            if isinstance(current, _SCOPES) and (
                isinstance(child, ast.stmt)
                or (isinstance(child, ast.arguments) and isinstance(below, ast.arg))
                or (isinstance(current, ast.Lambda) and child is current.body)
            ):
                return current
            below, child, current = child, current, self.parents.get(current)
        return None

    def constant(self, name: ast.Name) -> str:
        """The string constant ``name`` reads, as Python finds it: in its own function, then
        in the functions around it (not a class body's), then in the module."""
        scope = self.scope(name)
        while True:
            value = self.constants.get((scope, name.id))
            if value is not None:
                return value
            if scope is None or name.id in self.bound.get(scope, ()):
                return _UNRESOLVED
            scope = self.scope(scope)
            while isinstance(scope, ast.ClassDef):  # a method does not see its class's names
                scope = self.scope(scope)

    def legacy_path(self, node: ast.AST) -> Optional[tuple[str, str]]:
        text = self.resolve(node)
        if not text:
            return None
        match = PATHS.search(text)
        return (match.lastgroup or "", match.group()) if match else None

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Add) and not isinstance(self.parents.get(node), ast.BinOp):
            self.built_path(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """``f"{base}{INBOX_PATH}"``: a constant's path in an f-string."""
        parent = self.parents.get(node)
        if not isinstance(parent, (ast.BinOp, ast.FormattedValue)):
            self.built_path(node)

    def built_path(self, node: ast.expr) -> None:
        """A legacy path that ``node`` builds from parts, unless the text scan found it."""
        found = self.legacy_path(node)
        start, end = _span(node, self.lines)
        if found and not any(start <= at < end for at in self.found_at):
            endpoint, path = found
            self.add(node, "CPT001", endpoint, path_message(endpoint, path, "this expression"))

    # -- the shim -----------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module == "compat.legacy" or (module == "compat" and node.names):
            for alias in node.names:
                if module == "compat.legacy" or alias.name in _SHIM_NAMES:
                    self.add(
                        node,
                        SHIM_IMPORT.id,
                        None,
                        f"imports compat's drop-in shim ({module}.{alias.name}"
                        + (f" as {alias.asname}" if alias.asname else "")
                        + ")",
                    )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "compat.legacy":
                self.add(
                    node, SHIM_IMPORT.id, None, "imports compat's drop-in shim (compat.legacy)"
                )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if (
            node.attr in _SHIM_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in self.compat_modules
        ):
            self.add(node, SHIM_IMPORT.id, None, f"uses compat's drop-in shim ({node.attr})")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if node.keywords:  # dict(...), a TypedDict, a model with the wire's field names
            self.payload(node, _keys(node))
        if isinstance(func, ast.Name) and func.id in self.shim_names and func.id not in _SHIM_NAMES:
            self.add(
                node,
                SHIM_IMPORT.id,
                None,
                f"builds compat's drop-in shim ({self.shim_names[func.id]}, as {func.id})",
            )
        for arg in node.args[1:2]:
            found = self.relative_path(node, arg)
            if found is not None:
                self.add(arg, "CPT001", found[0], path_message(*found, "this URL join"))
        if self.uses_compat and isinstance(func, ast.Attribute):
            endpoint: Optional[str] = _LEGACY_METHODS.get(func.attr)
            if (
                endpoint is None
                and func.attr == "post"
                and node.args
                and self.is_client(func.value)
            ):
                found = self.legacy_path(node.args[0])
                endpoint = found[0] if found else None
            if endpoint is not None:
                self.add(
                    node,
                    SHIM_CALL.id,
                    endpoint,
                    f"calls the deprecated {endpoint} through compat's shim ({func.attr}); "
                    f"send a SendRequest with MessageClient.send",
                )

    def is_client(self, node: ast.AST) -> bool:
        """Whether ``node`` is a name or attribute bound to a LegacyClient in the module."""
        if isinstance(node, ast.Name):
            return node.id in self.clients
        return isinstance(node, ast.Attribute) and "." + node.attr in self.clients

    # -- legacy payloads ----------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        """``payload["authClientId"] = ...`` in a module that posts to a legacy path."""
        if self.posts:
            for target in node.targets:
                key = target.slice if isinstance(target, ast.Subscript) else None
                if isinstance(key, ast.Constant) and key.value in (_RENAMED, _MOVED):
                    what = (
                        f"{_RENAMED} is appId"
                        if key.value == _RENAMED
                        else f"{_MOVED} is a top-level redirectUrl"
                    )
                    self.add(
                        key,
                        LEGACY_PAYLOAD.id,
                        _spec.SEND_INBOX.name if key.value == _RENAMED else None,
                        f"sets {key.value} on a legacy payload: {what} on POST {_spec.SEND.path}",
                    )

    def visit_Dict(self, node: ast.Dict) -> None:
        self.payload(node, _keys(node))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """A type of the legacy payload: a TypedDict, dataclass or model whose fields are
        the wire's names (``authClientId: str``)."""
        self.payload(node, _keys(node))

    def payload(self, node: ast.AST, keys: dict[str, tuple[ast.AST, ast.AST]]) -> None:
        """The findings of a dict display or a call's keywords, by its keys."""
        payload_keys = keys.keys() & _PAYLOAD_KEYS
        if _RENAMED in keys and ({"accessToken", "templateCode"} & keys.keys()):
            key = keys[_RENAMED][0]
            self.add(
                key,
                LEGACY_PAYLOAD.id,
                _spec.SEND_INBOX.name,
                f"a legacy sendInbox payload: {_RENAMED} is appId on POST {_spec.SEND.path}",
            )
        if len(payload_keys) >= 2:
            for wire, limit in _LIMITED.items():
                if wire in keys:
                    value = keys[wire][1]
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        length = utf16_len(value.value)
                        if length > limit:
                            self.add(
                                value,
                                LEGACY_PAYLOAD.id,
                                self.endpoint_of(node),
                                f"{wire} is {length} characters long; POST {_spec.SEND.path} "
                                f"allows {limit}",
                            )
        parameters = keys.get("templateParameters")
        if (
            parameters is not None
            and isinstance(parameters[1], ast.Dict)
            and not self.has_redirect(node)
        ):
            for inner in parameters[1].keys:
                if isinstance(inner, ast.Constant) and inner.value == _MOVED:
                    self.add(
                        inner,
                        LEGACY_PAYLOAD.id,
                        self.endpoint_of(node),
                        f"{_MOVED} in templateParameters: POST {_spec.SEND.path} takes the "
                        "link as a top-level redirectUrl",
                    )

    def has_redirect(self, node: ast.AST) -> bool:
        """Whether the payload around a template has a top-level redirectUrl: then a
        pushContentUrl parameter is kept on purpose (``keep_moved_parameters``)."""
        current: Optional[ast.AST] = node
        while current is not None:
            keys = _keys(current).keys()
            if "redirectUrl" in keys or keys & set(_spec.REDIRECT_ALIASES):
                return True
            current = self.parents.get(current)
        return False

    def endpoint_of(self, node: ast.AST) -> Optional[str]:
        """The legacy endpoint the payload around ``node`` is for, when its keys tell."""
        current: Optional[ast.AST] = node
        while current is not None:
            keys = _keys(current).keys()
            if _RENAMED in keys:
                return _spec.SEND_INBOX.name
            if "appId" in keys:
                return _spec.SEND_BY_ACCESS_TOKEN.name
            current = self.parents.get(current)
        return None


def _keys(node: ast.AST) -> dict[str, tuple[ast.AST, ast.AST]]:
    """The string keys of a dict display, the keywords of a call (``dict(...)``, a
    TypedDict's or a model's) or the annotated fields of a class (a TypedDict, dataclass
    or model; by their aliases, when they have one), each with the node that names it and
    its value (or annotation); nothing for any other node."""
    if isinstance(node, ast.Dict):
        return {
            k.value: (k, v)
            for k, v in zip(node.keys, node.values)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    if isinstance(node, ast.Call):
        return {k.arg: (k, k.value) for k in node.keywords if k.arg is not None}
    if isinstance(node, ast.ClassDef):
        fields: dict[str, tuple[ast.AST, ast.AST]] = {}
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                alias = _alias(item.value)
                named: ast.AST = item.target if alias is None else alias[0]
                wire = item.target.id if alias is None else alias[1]
                fields[wire] = (named, item.value or item.annotation)
        return fields
    return {}


#: The keywords that give a field of a model its wire name: pydantic's ``Field(alias=)``
#: (and ``serialization_alias=``), marshmallow's ``data_key=``.
_ALIASES = frozenset({"alias", "serialization_alias", "data_key"})


def _alias(value: Optional[ast.expr]) -> Optional[tuple[ast.Constant, str]]:
    """The wire name a field's default gives it (``Field(alias="authClientId")``), and
    the literal that names it."""
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            name = keyword.value
            if (
                keyword.arg in _ALIASES
                and isinstance(name, ast.Constant)
                and isinstance(name.value, str)
            ):
                return name, name.value
    return None


#: The source the last scan read (the very object), and its findings.
_last: Optional[tuple[str, list[Finding]]] = None


def findings_of(text: str) -> list[Finding]:
    """The findings of a Python source, paths aside: the last scan's when it read this very
    text (the audit scans a file, then asks ``compat migrate`` what it rewrites there)."""
    last = _last
    if last is not None and last[0] is text:
        return last[1]
    return scan_python("<source>", text)


def scan_python(path: str, text: str) -> list[Finding]:
    """Every finding in one Python source; unparsable sources get the text scan."""
    global _last
    findings = _scan_python(path, text)
    _last = (text, findings)
    return findings


def _scan_python(path: str, text: str) -> list[Finding]:
    lines = Lines(text)
    try:
        tree = ast.parse(text, path)
    except (SyntaxError, ValueError):
        return scan_text(path, text, "hash", lines=lines)
    nodes, parents = _walk(tree)
    mention = _mention(text, _literals(nodes, lines), lines)
    findings = scan_text(path, text, "python", lines=lines, mention=mention)
    visitor = _Visitor(path, lines, {lines.offset(f.line, f.column - 1) for f in findings})
    visitor.prepare(nodes, parents)
    for node in nodes:  # what ast.NodeVisitor would call, in its order
        method = _VISITS.get(type(node))
        if method is not None:
            method(visitor, node)
    return findings + visitor.findings


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

_VISITS: dict[type, Callable[[_Visitor, Any], None]] = {
    ast.BinOp: _Visitor.visit_BinOp,
    ast.JoinedStr: _Visitor.visit_JoinedStr,
    ast.ImportFrom: _Visitor.visit_ImportFrom,
    ast.Import: _Visitor.visit_Import,
    ast.Attribute: _Visitor.visit_Attribute,
    ast.Call: _Visitor.visit_Call,
    ast.Assign: _Visitor.visit_Assign,
    ast.Dict: _Visitor.visit_Dict,
    ast.ClassDef: _Visitor.visit_ClassDef,
}
