"""``compat audit``: every deprecated use of the legacy message endpoints in a tree.

    from compat.audit import scan
    for finding in scan(["src", "config"]):
        print(finding.path, finding.line, finding.rule, finding.message)

    from compat.migrate import fixable_lines   # needs the migrate extra
    scan(["src"], fixable=fixable_lines)       # each finding's .fixable: True/False

Any language: endpoint paths in code and configuration, comments and documents
reported apart; in Python also paths built by concatenation, calls and imports
of compat's drop-in shim, and dict literals shaped like legacy payloads.
"""

from .._source.rules import RULES, Finding, Rule
from ._cache import Cache
from ._format import FORMATS, render
from ._scan import DEFAULT_MAX_BYTES, Fixable, Report, Skipped, scan, scan_report

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "RULES",
    "Cache",
    "Finding",
    "Fixable",
    "Report",
    "Rule",
    "Skipped",
    "render",
    "scan",
    "scan_report",
]
