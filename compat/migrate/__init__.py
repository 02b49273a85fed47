"""``compat migrate``: rewrite deprecated call sites so that they call the new API directly.

    from compat import Policy
    from compat.migrate import Options, migrate_source
    result = migrate_source(source, Options(policy=Policy(app_id="2021004125637654")))
    result.source, result.rewrites, result.manual

The new body of each site is what the translator (the one the shim runs) makes
of its payload: under the policy of the shim the call goes through, or, for
raw HTTP calls, under ``Options.policy``.

Needs libcst (``pip install 'compat[migrate]'``). Formatting, comments and line
endings are kept; only the lines a rule rewrites change. What cannot be
rewritten safely is left as it is, reported, and marked with one
``# compat: migrate manually: <reason>`` comment. Running it again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

import attrs

from .._source import elsewhere
from ._options import MANUAL_MARK, ManualSite, Options

__all__ = [
    "MANUAL_MARK",
    "ManualSite",
    "MigrateError",
    "Options",
    "Result",
    "fixable_lines",
    "migrate_source",
    "rule_names",
]


class MigrateError(Exception):
    """A source that cannot be migrated at all (not Python, not UTF-8)."""


@attrs.frozen
class Result:
    """The migrated source, and what was done."""

    source: str
    changed: bool
    #: rule name -> call sites rewritten
    rewrites: dict[str, int] = attrs.field(factory=dict)
    #: what was left for manual work
    manual: tuple[ManualSite, ...] = ()
    #: lines of the original source that the rules rewrote
    rewritten_lines: frozenset[int] = frozenset()


def rule_names() -> list[str]:
    from .rules import RULES

    return list(RULES)


@elsewhere.run()  # the project's files looked at once for the call
def migrate_source(
    text: str, options: Optional[Options] = None, *, lines: bool = False, path: Optional[str] = None
) -> Result:
    """Migrate one Python source; :class:`MigrateError` when it cannot be parsed.

    :param lines: also work out :attr:`Result.rewritten_lines` (it costs a pass).
    :param path: the source's file: helpers it imports from the project
        (``from .http import post_json``) are read there (without it, only relative to
        the working folder, and not for relative imports).
    """
    from ._apply import apply

    options = options if options is not None else Options()
    if not _may_have_work(text):
        return Result(text, False)
    source, rewrites, manual, rewritten = apply(text, options, lines, path=path)
    return Result(source, source != text, dict(Counter(rewrites)), tuple(manual), rewritten)


def _may_have_work(text: str) -> bool:
    """The audit's gate: a source without any of its words has nothing to migrate."""
    from .._source import GATE

    return any(needle.decode() in text for needle in GATE)


@elsewhere.run()  # (within the audit's run, the audit's)
def fixable_lines(
    text: str, options: Optional[Options] = None, *, path: Optional[str] = None
) -> frozenset[int]:
    """The lines of ``text`` that ``compat migrate`` (with ``options``, by default its
    defaults) rewrites, and those where a use the audit finds ends with the rewrite though
    the line stays; none when it cannot read the source. Pass it to
    :func:`compat.audit.scan` as ``fixable=`` (``functools.partial(fixable_lines,
    options=...)`` for other options), which calls it with the file's ``path``."""
    from ._apply import apply

    if not _may_have_work(text):
        return frozenset()
    options = attrs.evolve(options, annotate=False) if options else Options(annotate=False)
    try:  # the plan and its rendering; the leftovers only add manual sites
        return apply(text, options, lines=True, leftovers=False, path=path)[3]
    except MigrateError:  # the AST parsed it; libcst did not
        return frozenset()
