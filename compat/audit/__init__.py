"""``compat audit``: every deprecated use of the legacy message endpoints in a tree.

    from compat.audit import scan
    for finding in scan(["src", "config"]):
        print(finding.path, finding.line, finding.rule, finding.message)

Any language: endpoint paths in code and configuration, comments and documents
reported apart; in Python also paths built by concatenation, calls and imports
of compat's drop-in shim, and dict literals shaped like legacy payloads.
"""

from ._format import FORMATS, render
from ._rules import RULES, Finding, Rule
from ._scan import DEFAULT_MAX_BYTES, Report, Skipped, scan, scan_report

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "RULES",
    "Finding",
    "Report",
    "Rule",
    "Skipped",
    "render",
    "scan",
    "scan_report",
]
