"""Running the rules over one module and writing their plan back into it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import libcst as cst
from libcst.metadata import MetadataWrapper

from . import MigrateError
from ._plan import MANUAL_MARK, Context, ManualSite, Plan, Statement
from .rules import RULES

if TYPE_CHECKING:
    from collections import Counter

    from ._payload import Options


class _Calls(cst.CSTVisitor):
    def __init__(self, rules: list[Any]) -> None:
        self.rules = rules

    def visit_Call(self, node: cst.Call) -> bool:
        return all(not rule.call(node) for rule in self.rules)


class _Apply(cst.CSTTransformer):
    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel]:
        replacement = self.plan.replacements.get(original_node)
        if replacement is not None:
            return replacement
        notes = self.plan.notes.get(original_node)  # type: ignore[call-overload]
        if notes and isinstance(updated_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return _annotate(updated_node, notes)
        return updated_node


def _is_mark(line: cst.EmptyLine) -> bool:
    return line.comment is not None and line.comment.value.startswith(MANUAL_MARK)


def _annotate(statement: Statement, reasons: list[str]) -> Statement:
    text = f"{MANUAL_MARK} {'; '.join(dict.fromkeys(reasons))}"
    lines = [line for line in statement.leading_lines if not _is_mark(line)]
    lines.append(cst.EmptyLine(indent=True, comment=cst.Comment(text)))
    return statement.with_changes(leading_lines=lines)


def _add_imports(module: cst.Module, imports: set[str], bound: set[str]) -> cst.Module:
    """``module`` with the imports the rewrites need and ``bound`` does not have yet."""
    body = list(module.body)
    statements: list[cst.SimpleStatementLine] = []
    if "uuid" in imports and "uuid" not in bound:
        statements.append(cst.parse_statement("import uuid"))  # type: ignore[arg-type]
    names = sorted(name.split(".", 1)[1] for name in imports if name.startswith("compat."))
    if names:
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


def apply(
    text: str, options: Options, lines: bool = False
) -> tuple[str, Counter[str], list[ManualSite], frozenset[int]]:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as err:
        msg = f"not valid Python: {err.message} (line {err.raw_line})"
        raise MigrateError(msg) from err
    if options.annotate and any(_is_mark(line) for line in module.header):
        # a mark above the first statement parses into the module header: the plan
        # puts it back on the statement, once
        module = module.with_changes(header=[ln for ln in module.header if not _is_mark(ln)])
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    context = Context(wrapper, options)
    names = [n for n in RULES if (not options.only or n in options.only) and n not in options.skip]
    rules = [RULES[name].Rule(context) for name in names]
    wrapper.module.visit(_Calls(rules))
    for rule in rules:
        rule.finish()
    plan = context.plan
    migrated = wrapper.module.visit(_Apply(plan))
    if plan.rewrites:
        migrated = _add_imports(migrated, plan.imports, context.imported)
    code = migrated.code
    rewritten = _changed_lines(text, code) if lines and plan.rewrites else frozenset()
    return code, plan.rewrites, sorted(plan.manual, key=lambda s: s.line), rewritten


def _changed_lines(before: str, after: str) -> frozenset[int]:
    """The 1-based lines of ``before`` that ``after`` replaces or drops."""
    import difflib

    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    changed: set[int] = set()
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(start + 1, end + 1))
    return frozenset(changed)
