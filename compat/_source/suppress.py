"""Suppression comments: ``compat: ignore`` (every rule) or ``compat: ignore[CPT001,CPT004]``,
in any language's comment, on the line of a finding or alone on the line above it.

A directive that suppresses nothing is itself reported (rule CPT100), so that a
suppression outlives no legacy call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

import attrs

from .rules import RULES, UNUSED_SUPPRESSION, Finding

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["BYTES", "Directive", "apply", "directives"]

#: a quick look at raw bytes: does a file hold a directive at all?
BYTES = re.compile(rb"compat:\s*ignore")
_DIRECTIVE = re.compile(r"compat:\s*ignore(?:\[([^\]\n]*)\])?")
#: what may stand before a directive on a line of its own: comment openers.
_ALONE = re.compile(r"[\s#/*!<;%'\"-]*|\s*(?:REM|rem)\s+")
_KNOWN = frozenset(rule.id for rule in RULES)


@attrs.frozen
class Directive:
    line: int
    #: 1-based columns of the directive's text, start and end (exclusive).
    column: int
    end_column: int
    #: the rule ids named, or None for every rule.
    rules: Optional[frozenset[str]]
    #: the lines it covers: its own, and the next when it stands alone.
    lines: tuple[int, ...]


def directives(text: str) -> list[Directive]:
    """The suppression directives of a source, in order."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if "compat:" not in line:
            continue
        for match in _DIRECTIVE.finditer(line):
            named = match.group(1)
            rules = (
                None
                if named is None
                else frozenset(part.strip().upper() for part in named.split(",") if part.strip())
            )
            alone = _ALONE.fullmatch(line[: match.start()]) is not None
            found.append(
                Directive(
                    number,
                    match.start() + 1,
                    match.end() + 1,
                    rules,
                    (number, number + 1) if alone else (number,),
                )
            )
    return found


def apply(
    path: str, findings: Iterable[Finding], found: list[Directive]
) -> tuple[list[Finding], int, list[Finding]]:
    """The findings no directive suppresses, how many were suppressed, and a CPT100
    finding for each directive (or rule id in one) that suppressed nothing."""
    if not found:
        return list(findings), 0, []
    by_line: dict[int, list[Directive]] = {}
    for directive in found:
        for line in directive.lines:
            by_line.setdefault(line, []).append(directive)
    used: dict[Directive, set[str]] = {d: set() for d in found}
    kept = []
    suppressed = 0
    for finding in findings:
        for directive in by_line.get(finding.line, ()):
            if directive.rules is None or finding.rule in directive.rules:
                used[directive].add(finding.rule)
                suppressed += 1
                break
        else:
            kept.append(finding)
    unused = []
    for directive, rules in used.items():
        if directive.rules is None:
            idle = [] if rules else ["any rule"]
        else:
            idle = sorted(directive.rules - rules)
        if not idle:
            continue
        unknown = [rule for rule in idle if rule != "any rule" and rule not in _KNOWN]
        what = ", ".join(idle)
        message = (
            f"'compat: ignore' suppresses nothing here ({what})"
            if not unknown
            else f"'compat: ignore' names no rule: {', '.join(unknown)}"
        )
        unused.append(
            Finding(
                path,
                directive.line,
                directive.column,
                directive.line,
                directive.end_column,
                UNUSED_SUPPRESSION.id,
                None,
                message,
                fixable=False,
            )
        )
    return kept, suppressed, unused
