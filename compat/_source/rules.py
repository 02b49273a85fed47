"""The rules of the source scan: stable ids, what each finds, and how to fix it."""

from __future__ import annotations

from typing import Optional

import attrs

from .. import _spec

__all__ = ["RULES", "Finding", "Rule", "by_id"]

#: SARIF levels, most severe first.
SEVERITIES = ("error", "warning", "note")


@attrs.frozen
class Rule:
    """One kind of deprecated use."""

    id: str
    name: str
    severity: str
    summary: str
    #: how to fix it (shown with every finding of the rule).
    hint: str
    #: whether ``compat migrate`` can rewrite such sites (each finding says if it can here).
    fixable: bool = False


_NEW = f"POST {_spec.SEND.path}"

LEGACY_PATH = Rule(
    "CPT001",
    "legacy-path",
    "error",
    "A deprecated endpoint path in code or configuration.",
    f"Call {_NEW} instead, with the body `compat translate` prints for this call; meanwhile "
    "route it through compat.LegacyClient or compat.TranslatingPoolManager.",
    fixable=True,
)
SHIM_CALL = Rule(
    "CPT002",
    "legacy-shim-call",
    "warning",
    "A call of a deprecated compat.LegacyClient method (send_inbox, send_by_access_token, "
    "post to a legacy path).",
    "Send a compat.SendRequest with compat.MessageClient.send instead.",
    fixable=True,
)
SHIM_IMPORT = Rule(
    "CPT003",
    "legacy-shim-import",
    "warning",
    "A use of the drop-in shim (compat.LegacyClient, compat.TranslatingPoolManager).",
    "Use compat.MessageClient once the legacy calls are gone.",
    fixable=True,
)
LEGACY_PAYLOAD = Rule(
    "CPT004",
    "legacy-payload",
    "warning",
    "A dict literal shaped like a legacy payload: authClientId beside accessToken or "
    "templateCode, pushContentUrl inside templateParameters, or a requestId or "
    "templateCode longer than the new limit.",
    f"Build the {_NEW} body: authClientId becomes appId, pushContentUrl moves to a "
    "top-level redirectUrl, requestId and templateCode fit in 64 characters.",
    fixable=True,
)
DOC_MENTION = Rule(
    "CPT005",
    "legacy-mention",
    "note",
    "A deprecated endpoint named in a comment, a docstring or a document.",
    f"Update the text to name {_NEW}.",
)

UNUSED_SUPPRESSION = Rule(
    "CPT100",
    "unused-suppression",
    "note",
    "A 'compat: ignore' comment that suppresses nothing (or names a rule with no finding there).",
    "Remove the comment, or the rule ids it no longer needs.",
)

#: Every rule, in id order.
RULES: tuple[Rule, ...] = (
    LEGACY_PATH,
    SHIM_CALL,
    SHIM_IMPORT,
    LEGACY_PAYLOAD,
    DOC_MENTION,
    UNUSED_SUPPRESSION,
)


def by_id(rule_id: str) -> Rule:
    for rule in RULES:
        if rule.id == rule_id or rule.name == rule_id:
            return rule
    raise KeyError(rule_id)


@attrs.frozen(order=True)
class Finding:
    """One deprecated use: where, which rule, which endpoint."""

    #: the file, as found under the path given to the scan.
    path: str
    #: 1-based line and column of the start; the end is exclusive, as in SARIF.
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    #: ``sendInbox``, ``sendByAccessToken``, or None when it cannot be told.
    endpoint: Optional[str]
    message: str
    #: whether ``compat migrate`` (with its default options) rewrites this site; None
    #: when that was not worked out (the audit was run without the codemod).
    fixable: Optional[bool] = attrs.field(default=None, order=False)

    @property
    def rule_info(self) -> Rule:
        return by_id(self.rule)

    @property
    def severity(self) -> str:
        return self.rule_info.severity

    def to_dict(self) -> dict[str, object]:
        """The JSON form (see README, "compat audit --format json")."""
        rule = self.rule_info
        return {
            "rule": rule.id,
            "name": rule.name,
            "severity": rule.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "endLine": self.end_line,
            "endColumn": self.end_column,
            "endpoint": self.endpoint,
            "message": self.message,
            "hint": rule.hint,
            "fixable": self.fixable,
        }
