"""Running the rules over one module and writing their plan back into it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Optional, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper

from .._source import SHIM_CLASSES
from . import MigrateError
from ._plan import MANUAL_MARK, Context, ManualSite, Plan, Statement
from .rules import RULES

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Sequence

    from ._options import Options


def _calls(context: Context, rules: list[Any]) -> None:
    """Each call of the module to the rules, outer calls first; a call a rule takes is
    the rule's, with the calls inside it (not entered). The module's nodes were listed
    parents first when the context was made: a node is passed over when its parent was
    taken or passed over."""
    parents = context.parents
    closed: set[cst.CSTNode] = set()
    for node in context.nodes(context.module):
        if parents.get(node) in closed or (
            type(node) is cst.Call and any(rule.call(node) for rule in rules)
        ):
            closed.add(node)


class _Apply(cst.CSTTransformer):
    def __init__(self, plan: Plan, parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
        self.plan = plan
        # (an import losing a name is gone through, not the names it keeps: they stay the
        # very nodes the plan names)
        imports = [parents[alias] for alias in plan.unimported]
        self.changed = _around([*plan.replacements, *plan.notes, *imports], parents)
        #: the comments and blank lines above a statement removed (its import's last name
        #: gone): they go above the statement that follows, or end its block
        self.carried: list[cst.EmptyLine] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Only into what holds a change: libcst rebuilds every node it goes through."""
        return self.changed is None or node in self.changed

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel]:
        if isinstance(updated_node, cst.SimpleStatementLine) and not updated_node.body:
            self.carried.extend(updated_node.leading_lines)
            return cst.RemoveFromParent()
        replacement = self.plan.replacements.get(original_node)
        if replacement is not None:
            return self._carry(replacement)
        updated_node = self._carry(updated_node)
        if isinstance(updated_node, cst.ImportFrom) and self.plan.unimported:
            return _without(updated_node, self.plan.unimported)
        notes = self.plan.notes.get(original_node)  # type: ignore[call-overload]
        if notes and isinstance(updated_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return _annotate(updated_node, notes)
        return updated_node

    def _carry(self, node: cst.CSTNode) -> cst.CSTNode:
        """``node`` with the lines :attr:`carried` above it (a statement) or at its end (a
        block)."""
        if not self.carried:
            return node
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            lines, self.carried = [*self.carried, *node.leading_lines], []
            return node.with_changes(leading_lines=lines)
        if isinstance(node, (cst.Module, cst.IndentedBlock)):
            lines, self.carried = [*self.carried, *node.footer], []
            return node.with_changes(footer=lines)
        return node


def _without(
    node: cst.ImportFrom, names: set[cst.ImportAlias]
) -> Union[cst.ImportFrom, cst.RemovalSentinel]:
    """``from m import a, b`` without the ``names`` (the statement gone with the last)."""
    if isinstance(node.names, cst.ImportStar) or not any(a in names for a in node.names):
        return node
    kept = [a for a in node.names if a not in names]
    if not kept:
        return cst.RemoveFromParent()
    last = node.names[-1].comma
    kept[-1] = kept[-1].with_changes(comma=last)
    return node.with_changes(names=kept)


def _around(
    nodes: Sequence[cst.CSTNode], parents: dict[cst.CSTNode, cst.CSTNode]
) -> Optional[set[cst.CSTNode]]:
    """``nodes`` and every node above them; None when one is not in ``parents`` (then
    the whole module is gone through)."""
    found: set[cst.CSTNode] = set()
    for node in nodes:
        current: Optional[cst.CSTNode] = node
        while current is not None and current not in found:
            found.add(current)
            above = parents.get(current)
            if above is None and not isinstance(current, cst.Module):
                return None
            current = above
    return found


def _marks(module: cst.Module, header: list[cst.EmptyLine]) -> dict[cst.CSTNode, str]:
    """The reason of each manual mark in ``module``, by the statement it stands above."""
    found: dict[cst.CSTNode, str] = {}

    class Marks(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                lines = list(node.leading_lines)
                if module.body and node is module.body[0]:
                    lines = header + lines
                for line in lines:
                    if _is_mark(line):
                        assert line.comment is not None
                        found[node] = line.comment.value[len(MANUAL_MARK) :].strip()
            return True

    module.visit(Marks())
    return found


def _is_mark(line: cst.EmptyLine) -> bool:
    return line.comment is not None and line.comment.value.startswith(MANUAL_MARK)


def _annotate(statement: Statement, reasons: list[str]) -> Statement:
    text = f"{MANUAL_MARK} {'; '.join(dict.fromkeys(reasons))}"
    lines = [line for line in statement.leading_lines if not _is_mark(line)]
    lines.append(cst.EmptyLine(indent=True, comment=cst.Comment(text)))
    return statement.with_changes(leading_lines=lines)


def _joined(body: list[Statement], names: list[str]) -> Optional[list[Statement]]:
    """``body`` with ``names`` added to its first top-level ``from compat import a, b`` (on
    one line: a parenthesized list keeps its own layout); None when it has none."""
    for position, statement in enumerate(body):
        found = _top_module(statement)
        if found != ("compat", False):
            continue
        assert isinstance(statement, cst.SimpleStatementLine)
        node = statement.body[0]
        assert isinstance(node, cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar) or node.lpar is not None:
            continue
        aliases = [*node.names]
        aliases[-1] = aliases[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        aliases.extend(
            cst.ImportAlias(
                cst.Name(name), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
            for name in names
        )
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        joined = statement.with_changes(body=[node.with_changes(names=aliases)])
        return [*body[:position], joined, *body[position + 1 :]]
    return None


def _top_module(statement: cst.BaseStatement) -> Optional[tuple[str, bool]]:
    """The module a top-level import statement imports, and whether it is ``import X``
    (not ``from X import``); None for any other statement."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    node = statement.body[0]
    if isinstance(node, cst.Import):
        return get_full_name_for_node(node.names[0].name) or "", True
    if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        return get_full_name_for_node(node.module) or "", False
    return None


def _is_stdlib(module: str) -> bool:
    return module.split(".", 1)[0] in _STDLIB


def _uuid_position(body: Sequence[cst.BaseStatement]) -> Optional[tuple[int, str]]:
    """Where ``import uuid`` goes as isort and ruff sort it, among the standard library's
    ``import X`` lines, in order: its index, and ``after`` (the line before it is an
    import of the section), ``before`` (it goes above an import of the section, and
    above that import's comments) or ``section`` (it opens the standard library's
    section, a blank line below it). None: the module imports nothing."""
    straight_after = first_from = first_other = None
    for position, statement in enumerate(body):
        found = _top_module(statement)
        if found is None:
            continue
        module, straight = found
        if module == "__future__":
            continue
        if not _is_stdlib(module):
            first_other = position if first_other is None else first_other
        elif straight and module < "uuid":
            straight_after = position + 1
        elif straight:
            return position, "before"
        elif first_from is None:
            first_from = position
    if straight_after is not None:
        return straight_after, "after"
    if first_from is not None:
        return first_from, "before"
    if first_other is not None:
        return first_other, "section"
    return None


def _add_imports(module: cst.Module, imports: set[str], bound: set[str]) -> cst.Module:
    """``module`` with the imports the rewrites need and ``bound`` does not have yet."""
    body = list(module.body)
    if "uuid" in imports and "uuid" not in bound:
        uuid = cst.parse_statement("import uuid")
        placed = _uuid_position(body)
        if placed is not None:
            position, how = placed
            if how == "after":
                body.insert(position, uuid)
            else:  # it takes the place, and the comments above, of the line it precedes
                following = body[position]
                uuid = uuid.with_changes(leading_lines=following.leading_lines)
                following = following.with_changes(
                    leading_lines=[cst.EmptyLine()] if how == "section" else []
                )
                body[position : position + 1] = [uuid, following]
            imports = imports - {"uuid"}
        module = module.with_changes(body=body)
    statements: list[cst.SimpleStatementLine] = []
    if "uuid" in imports and "uuid" not in bound:
        statements.append(cst.parse_statement("import uuid"))  # type: ignore[arg-type]
    names = sorted(name.split(".", 1)[1] for name in imports if name.startswith("compat."))
    if names:
        joined = _joined(body, names)
        if joined is not None:
            body = joined
            module = module.with_changes(body=body)
        else:
            statements.append(cst.parse_statement(f"from compat import {', '.join(names)}"))  # type: ignore[arg-type]
    if not statements:
        return module
    index = 0
    for position, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
        ):
            index = position + 1
        elif (
            index == 0
            and isinstance(statement, cst.SimpleStatementLine)
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
        ):
            index = position + 1  # after the docstring
    return module.with_changes(body=[*body[:index], *statements, *body[index:]])


#: The standard library's top-level modules (``import uuid`` is sorted among them).
_STDLIB = frozenset(
    getattr(sys, "stdlib_module_names", ())
    or [
        "abc",
        "argparse",
        "array",
        "ast",
        "asyncio",
        "base64",
        "binascii",
        "bisect",
        "calendar",
        "collections",
        "concurrent",
        "contextlib",
        "copy",
        "csv",
        "ctypes",
        "dataclasses",
        "datetime",
        "decimal",
        "email",
        "enum",
        "errno",
        "fnmatch",
        "functools",
        "gettext",
        "glob",
        "gzip",
        "hashlib",
        "heapq",
        "hmac",
        "html",
        "http",
        "importlib",
        "inspect",
        "io",
        "ipaddress",
        "itertools",
        "json",
        "logging",
        "math",
        "mimetypes",
        "multiprocessing",
        "numbers",
        "operator",
        "os",
        "pathlib",
        "pickle",
        "platform",
        "pprint",
        "queue",
        "random",
        "re",
        "secrets",
        "select",
        "shlex",
        "shutil",
        "signal",
        "socket",
        "sqlite3",
        "ssl",
        "stat",
        "statistics",
        "string",
        "struct",
        "subprocess",
        "sys",
        "tempfile",
        "textwrap",
        "threading",
        "time",
        "timeit",
        "traceback",
        "types",
        "typing",
        "unicodedata",
        "unittest",
        "urllib",
        "uuid",
        "warnings",
        "weakref",
        "xml",
        "zipfile",
        "zlib",
    ]
)


def apply(
    text: str,
    options: Options,
    lines: bool = False,
    leftovers: bool = True,
    path: Optional[str] = None,
) -> tuple[str, Counter[str], list[ManualSite], frozenset[int]]:
    """Plan and render one module: its new source, the rewrites by rule, the sites left
    for manual work, and (``lines``) the lines rewritten.

    ``leftovers=False``, the audit's ``fixable``: what the audit still finds after the
    rules is not looked for (it adds manual sites and marks, never a rewrite), and the
    lines are also those where a use the audit finds ends with the rewrite though the
    line stays (``BASE + path``, once the literal bound to ``path`` is rewritten).

    ``path``: the module's file, where the modules it imports helpers from are looked up.
    """
    try:
        return _apply(text, options, lines, leftovers, path)
    except RecursionError:
        # libcst walks the tree recursively: a source nested deeper than Python's
        # recursion limit allows is skipped, as one that does not parse is
        msg = "nested too deeply to migrate (over Python's recursion limit)"
        raise MigrateError(msg) from None


def _apply(
    text: str, options: Options, lines: bool, leftovers: bool, path: Optional[str]
) -> tuple[str, Counter[str], list[ManualSite], frozenset[int]]:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as err:
        msg = f"not valid Python: {err.message} (line {err.raw_line})"
        raise MigrateError(msg) from err
    except UnicodeEncodeError:  # libcst parses UTF-8: a lone surrogate is no character
        msg = "not valid text: it holds a lone surrogate, which no encoding can write"
        raise MigrateError(msg) from None
    header = [line for line in module.header if _is_mark(line)]
    if options.annotate and header:
        # a mark above the first statement parses into the module header: the plan
        # puts it back on the statement, once
        module = module.with_changes(header=[ln for ln in module.header if not _is_mark(ln)])
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    context = Context(wrapper, options, text, path)
    names = [n for n in RULES if (not options.only or n in options.only) and n not in options.skip]
    rules = [RULES[name].Rule(context) for name in names]
    _calls(context, rules)
    for rule in rules:
        rule.finish()
    plan = context.plan
    code = _render(context)
    changed: Optional[frozenset[int]] = None
    if leftovers and not options.only and not options.skip:
        findings, changed = _left(text, code, plan)
        if findings:
            _mark_leftovers(context, findings, _marks(module, header), len(header))
            code, changed = _render(context), None
    rewritten: frozenset[int] = frozenset()
    if lines and plan.rewrites:
        if changed is not None:
            rewritten = changed
        else:
            moved = _moved_lines(text, code)
            rewritten = _changed_lines(text, moved)
            if not leftovers:
                from .._source.python import findings_of

                found = findings_of(text)  # the audit's scan of it, once
                rewritten |= _ended(found, code, rewritten, moved)
                done = [f for f in found if f.line in rewritten]
                rewritten -= {f.line for f in _imports_kept(done, code, moved)}
    return code, plan.rewrites, sorted(plan.manual, key=lambda s: s.line), rewritten


#: Why what the audit still finds after the rules is left, by audit rule.
_LEFTOVER = {
    "CPT001": (
        "raw_http",
        "this legacy path is not posted here with a payload compat migrate can read: "
        "change it where it is sent, or remove it when nothing uses it",
    ),
    "CPT002": ("legacy_client", "a legacy call compat migrate cannot prove is the shim's"),
    "CPT003": (
        "legacy_client",
        "compat's drop-in shim is still used here: once no legacy call goes through it, "
        "use MessageClient (or urllib3.PoolManager for a TranslatingPoolManager)",
    ),
    "CPT004": (
        "raw_http",
        "a legacy payload compat migrate cannot pair with a legacy path here (the path "
        "comes from elsewhere, or the payload is built for another call or changed after "
        "it is built): migrate it with the call that sends it",
    ),
}


def _render(context: Context) -> str:
    plan = context.plan
    migrated = context.module.visit(_Apply(plan, context.parents))
    if plan.rewrites:
        migrated = _add_imports(migrated, plan.imports, context.imported)
    return migrated.code


def _left(text: str, code: str, plan: Plan) -> tuple[list[Any], Optional[frozenset[int]]]:
    """The audit's findings in ``text`` that the plan may have left unmarked: none when
    nothing was left for manual work and every finding is on a line the rewrite changed
    (the usual, fully migrated module: no positions pass needed). Also the changed lines,
    when they were worked out."""
    from .._source.python import scan_python

    findings = [f for f in scan_python("<migrate>", text) if f.rule in _LEFTOVER]
    if not findings or not plan.rewrites:
        return findings, None
    moved = _moved_lines(text, code)
    if not plan.manual:
        changed = _changed_lines(text, moved)
        if all(f.line in changed for f in findings):  # where a rewritten site starts
            return _imports_kept(findings, code, moved), changed
    return _still_found(findings, code, moved), None


def _imports_kept(findings: list[Any], code: str, moved: dict[int, int]) -> list[Any]:
    """The findings of imports of a shim (CPT003), among ``findings``, that ``code``
    still makes: a changed import may still import one (LegacyClient swapped for
    MessageClient beside a TranslatingPoolManager). No search where ``code`` names no
    shim, as a migrated module does (a docstring may)."""
    imports = [f for f in findings if f.rule == "CPT003"]
    if not imports or not any(name in code for name in SHIM_CLASSES):
        return []
    return _still_found(imports, code, moved)


def _still_found(findings: list[Any], code: str, moved: dict[int, int]) -> list[Any]:
    """The ``findings`` of a source that the audit still makes in ``code``, the module the
    rules rewrote (``moved``: where the source's lines went in it). What the rewrites
    changed may end others than those on the lines they changed (``BASE + path``, once
    the literal bound to ``path`` is rewritten). A finding on a changed line is kept (the
    rewrite's own lines are told apart by position), but for a changed import's: that is
    kept when ``code`` still imports the shim it names."""
    from .._source.python import scan_python

    found = scan_python("<migrate>", code)
    after = {(f.rule, f.line) for f in found}
    # a changed import is told by what it still imports: its findings name the shim
    shims = {f.message for f in found if f.rule == "CPT003"}
    return [
        f
        for f in findings
        if (f.line in moved and (f.rule, moved[f.line]) in after)
        or (f.line not in moved and (f.rule != "CPT003" or f.message in shims))
    ]


def _ended(
    found: list[Any], code: str, rewritten: frozenset[int], moved: dict[int, int]
) -> frozenset[int]:
    """The lines, besides those ``rewritten``, where the audit ``found`` a use in a
    source that it no longer finds in ``code`` (the source migrated; ``moved``: where
    its lines went there)."""
    findings = [f for f in found if f.line not in rewritten]
    if not findings:  # the usual module: every use is on a rewritten line
        return frozenset()
    still = {id(f) for f in _still_found(findings, code, moved)}
    return frozenset(f.line for f in findings if id(f) not in still)


def _mark_leftovers(
    context: Context, findings: list[Any], marks: dict[cst.CSTNode, str], removed: int
) -> None:
    """One mark, with the rule's reason, on each statement where the audit still finds a
    use that no rule rewrote or marked (comments and docstrings are not uses).

    ``marks``: the reasons of the marks already in the source, by statement; a statement
    keeps its own (a rerun may no longer see what a rule saw the first time).
    ``removed``: the lines of marks taken out of the module's header (the plan puts them
    back), which ``text`` still has.
    """
    positions = context.positions
    replaced = [positions[n] for n in context.plan.replacements if n in positions]
    statements = [
        n
        for n in context.nodes(context.module)
        if isinstance(n, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    ]
    spans = {s: _statement_span(s, positions) for s in statements}
    for finding in findings:
        line, end_line = finding.line - removed, finding.end_line - removed
        span = ((line, finding.column - 1), (end_line, finding.end_column - 1))
        if finding.rule != "CPT003" and any(_overlap(span, _span(p)) for p in replaced):
            continue  # a rewrite changed (part of) it (an import still found is not done)
        around = [s for s in statements if _overlap((span[0], span[0]), spans[s])]
        if not around or any(s in context.plan.marked for s in around):
            continue  # a rule marked it (or the statement around it) already
        statement = min(around, key=lambda s: spans[s][1][0] - spans[s][0][0])
        rule, reason = _LEFTOVER[finding.rule]
        constant = _constant_name(statement)
        if finding.rule == "CPT001" and constant is not None:
            reason = (
                f"{constant} holds a legacy path, and compat migrate sees no call here post a "
                "payload to it (other code may, or a call it cannot follow): change it where "
                "it is sent, or remove it"
            )
        if finding.rule == "CPT004" and _a_field(context, statement):
            reason = (
                "a type of the legacy payload (a TypedDict, dataclass or model whose fields "
                "are the legacy wire names): change it with the code that sends it"
            )
        if finding.rule == "CPT004" and _an_assertion(statement):
            reason = (
                "a legacy payload this code checks against, not one it sends (a test's "
                "expected body?): change it with the code that sends it"
            )
        for part, why in context.plan.related.items():
            if part in positions and _overlap(span, _span(positions[part])):
                reason = why
        # in a decorator: the site's line is the decorator's (the mark goes above them all)
        decorators = getattr(statement, "decorators", ())
        node = next((d for d in decorators if _overlap(span, _span(positions[d]))), statement)
        context.manual(rule, node, marks.get(statement, reason))


def _statement_span(statement: cst.CSTNode, positions: Any) -> tuple[tuple[int, int], ...]:
    """Where a statement is, from its first decorator (libcst starts a decorated function
    or class at its ``def`` or ``class``)."""
    start, end = _span(positions[statement])
    decorators = getattr(statement, "decorators", ())
    return (_span(positions[decorators[0]])[0] if decorators else start), end


def _a_field(context: Context, statement: cst.CSTNode) -> bool:
    """Whether ``statement`` declares a field of a class: ``name: type`` in its body."""
    if not (
        isinstance(statement, cst.SimpleStatementLine)
        and any(isinstance(small, cst.AnnAssign) for small in statement.body)
    ):
        return False
    body = context.parents.get(statement)
    return isinstance(context.parents.get(body), cst.ClassDef) if body is not None else False


def _an_assertion(statement: cst.CSTNode) -> bool:
    """Whether ``statement`` is an ``assert``, or a call of an ``assert...`` method or
    function (``self.assertEqual(...)``, ``assert_called_with``)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assert):
        return True
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    name = func.attr if isinstance(func, cst.Attribute) else func
    return isinstance(name, cst.Name) and name.value.startswith("assert")


def _constant_name(statement: cst.CSTNode) -> Optional[str]:
    """The name a statement binds, when it is ``NAME = <value>``."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                return target.value
    return None


def _span(position: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    return (position.start.line, position.start.column), (position.end.line, position.end.column)


def _overlap(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """Whether two spans share a position (an empty span: whether it lies in the other)."""
    if a[0] == a[1]:
        return b[0] <= a[0] < b[1]
    return a[0] < b[1] and b[0] < a[1]


def _moved_lines(before: str, after: str) -> dict[int, int]:
    """Where each 1-based line of ``before`` that ``after`` keeps as it is went."""
    import difflib

    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    moved: dict[int, int] = {}
    for tag, start, end, to, _ in matcher.get_opcodes():
        if tag == "equal":
            moved.update((line + 1, to + line - start + 1) for line in range(start, end))
    return moved


def _changed_lines(before: str, moved: dict[int, int]) -> frozenset[int]:
    """The 1-based lines of ``before`` that the text ``moved`` was worked out against
    replaces or drops: those it does not keep."""
    return frozenset(range(1, len(before.splitlines()) + 1)) - moved.keys()
