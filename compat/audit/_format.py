"""The audit's reports: text for people, JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable

from .. import __version__
from .._source.rules import RULES, SEVERITIES

if TYPE_CHECKING:
    from ._scan import Report

__all__ = ["FORMATS", "JSON_VERSION", "render"]

#: The version of the JSON report's layout; it changes only with a new layout.
JSON_VERSION = 1
_TOOL = "compat audit"
_URI = "https://pypi.org/project/compat/"


def _summary(report: Report) -> dict[str, Any]:
    findings = report.findings
    return {
        "findings": len(findings),
        "files": len({f.path for f in findings}),
        # None: not worked out (the audit ran without the codemod)
        "fixable": sum(1 for f in findings if f.fixable) if report.fixable_known else None,
        "bySeverity": dict(Counter(f.severity for f in findings)),
        "byRule": dict(sorted(Counter(f.rule for f in findings).items())),
        "byEndpoint": dict(sorted(Counter(f.endpoint or "unknown" for f in findings).items())),
        "suppressed": report.suppressed,
    }


def _skipped_counts(report: Report) -> dict[str, int]:
    return dict(Counter(s.reason.split(" (")[0].split(":")[0] for s in report.skipped))


def render_text(report: Report) -> str:
    out: list[str] = []
    current = None
    for finding in report.findings:
        if finding.path != current:
            current = finding.path
            out.append(("\n" if out else "") + finding.path)
        where = f"{finding.line}:{finding.column}"
        endpoint = finding.endpoint or "-"
        out.append(
            f"  {where:<9} {finding.severity:<7} {finding.rule} {finding.rule_info.name:<18} "
            f"{endpoint:<17} {finding.message}"
        )
    summary = _summary(report)
    if out:
        out.append("")
    severities = ", ".join(
        f"{summary['bySeverity'][s]} {s}" for s in SEVERITIES if s in summary["bySeverity"]
    )
    out.append(
        f"{summary['findings']} finding(s) in {summary['files']} file(s)"
        + (f" ({severities})" if severities else "")
        + (
            f"; {summary['fixable']} fixable by compat migrate"
            if summary["fixable"] is not None
            else "; fixable by compat migrate: unknown (install 'compat[migrate]')"
        )
        + (f"; {report.suppressed} suppressed by 'compat: ignore'" if report.suppressed else "")
    )
    if report.findings:
        names = {r.id: r.name for r in RULES}
        rules = ", ".join(f"{rule} {names[rule]} {n}" for rule, n in summary["byRule"].items())
        endpoints = ", ".join(f"{e} {n}" for e, n in summary["byEndpoint"].items())
        out.append(f"  by rule: {rules}")
        out.append(f"  by endpoint: {endpoints}")
        hints = {f.rule for f in report.findings}
        out.extend(f"  {r.id}: {r.hint}" for r in RULES if r.id in hints)
    megabytes = report.bytes / 1_000_000
    out.append(f"scanned {report.files} file(s), {megabytes:.1f} MB, in {report.seconds:.2f} s")
    if report.skipped:
        counts = ", ".join(f"{n} {reason}" for reason, n in _skipped_counts(report).items())
        out.append(f"skipped {len(report.skipped)}: {counts}")
        out.extend(f"  {s.path}: {s.reason}" for s in report.skipped if s.is_error)
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    document = {
        "version": JSON_VERSION,
        "tool": {"name": _TOOL, "version": __version__},
        "findings": [f.to_dict() for f in report.findings],
        "summary": _summary(report),
        "scanned": {"files": report.files, "bytes": report.bytes, "seconds": report.seconds},
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "rules": [_rule_json(r) for r in RULES],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary,
        "hint": rule.hint,
        "fixable": rule.fixable,
    }


def _uri(path: str) -> str:
    uri = path.replace("\\", "/")
    return uri[2:] if uri.startswith("./") else uri


def render_sarif(report: Report) -> str:
    index = {rule.id: n for n, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": rule.hint},
            "defaultConfiguration": {"level": rule.severity},
            "properties": {"fixable": rule.fixable},
        }
        for rule in RULES
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity,
            "message": {"text": f"{f.message}. {f.rule_info.hint}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
            "properties": {"endpoint": f.endpoint, "fixable": f.fixable},
        }
        for f in report.findings
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "compat-audit",
                        "version": __version__,
                        "informationUri": _URI,
                        "rules": rules,
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.errors,
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": f"{s.path}: {s.reason}"}}
                            for s in report.errors
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    command = {"error": "error", "warning": "warning", "note": "notice"}
    lines = []
    for f in report.findings:
        properties = ",".join(
            [
                f"file={_escape_property(_uri(f.path))}",
                f"line={f.line}",
                f"col={f.column}",
                f"endLine={f.end_line}",
                f"endColumn={f.end_column}",
                f"title={_escape_property(f'{f.rule} {f.rule_info.name}')}",
            ]
        )
        message = _escape_data(f"{f.message}. {f.rule_info.hint}")
        lines.append(f"::{command[f.severity]} {properties}::{message}")
    summary = _summary(report)
    lines.append(f"compat audit: {summary['findings']} finding(s) in {summary['files']} file(s)")
    return "\n".join(lines) + "\n"


#: Each format's renderer.
FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}


def render(report: Report, format: str = "text") -> str:
    """The report in one of :data:`FORMATS`."""
    return FORMATS[format](report)
