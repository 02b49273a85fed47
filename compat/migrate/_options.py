"""What ``compat migrate`` is told, and the sites it leaves: nothing here loads libcst,
so that a run over a tree with nothing to migrate never loads the codemod."""

from __future__ import annotations

import attrs

from ..translate import Policy

__all__ = ["DEFAULT_POLICY", "MANUAL_MARK", "ManualSite", "Options"]

#: The comment put above what is left for manual work.
MANUAL_MARK = "# compat: migrate manually:"

#: The policy of raw HTTP calls when none is given.
DEFAULT_POLICY = Policy()


@attrs.frozen
class ManualSite:
    """A call left for manual work: where, which rule, why."""

    line: int
    rule: str
    reason: str


@attrs.frozen
class Options:
    """How ``compat migrate`` runs.

    ``policy`` is the :class:`compat.Policy` of raw HTTP calls, which had no
    shim; a call through a LegacyClient or TranslatingPoolManager migrates
    under the policy that object was built with.
    """

    policy: Policy = DEFAULT_POLICY
    #: mark what is left for manual work with a ``# compat: migrate manually:`` comment.
    annotate: bool = True
    #: rule names to run (empty: all) and to skip.
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
