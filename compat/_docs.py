"""Writes the field tables of MIGRATION.md from the spec.

The tables stand between ``<!-- BEGIN spec:NAME -->`` and ``<!-- END spec:NAME -->``
markers. ``python -m compat._docs MIGRATION.md`` rewrites them;
``--check`` exits 1 when the file is out of date (the test suite runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, Callable, Optional

from . import _spec

if TYPE_CHECKING:
    from collections.abc import Sequence


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cells(spec: Optional[_spec.FieldSpec]) -> list[str]:
    if spec is None:
        return ["-", "", "", ""]
    return [f"`{spec.wire}`", f"`{spec.type}`", _yes(spec.required), spec.limit_text]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def request_table(endpoint: _spec.Endpoint) -> str:
    """Legacy request field -> new request field, with types, limits and the rule."""
    new = _spec.SEND.request
    lines = [
        _row(
            [
                f"{endpoint.name} field",
                "type",
                "required",
                "max",
                f"{_spec.SEND.path} field",
                "type",
                "required",
                "max",
                "rule",
            ]
        ),
        _row(["---"] * 9),
    ]
    for rule in endpoint.rules:
        legacy = endpoint.request[rule.legacy] if rule.legacy else None
        target = new[rule.new] if rule.new else None
        lines.append(_row([*_cells(legacy), *_cells(target), rule.rule]))
    return "\n".join(lines)


def response_table(endpoint: _spec.Endpoint) -> str:
    """What the legacy caller gets back, and from which field of the new response."""
    new = _spec.SEND.response
    lines = [
        _row([f"{endpoint.name} response field", "from the new response", "notes"]),
        _row(["---"] * 3),
    ]
    for spec in endpoint.response:
        source = new.by_wire.get(spec.wire)
        note = "copied" if source else "not sent by the new endpoint"
        if spec.wire == "messageId":
            note = "copied when the wallet sends one; never invented"
        lines.append(_row([f"`{spec.wire}`", f"`{source.wire}`" if source else "-", note]))
    dropped = [s.wire for s in new if s.wire not in endpoint.response.by_wire]
    if dropped:
        fields = ", ".join(f"`{w}`" for w in dropped)
        lines.append(_row(["-", fields, "not part of the legacy response; dropped"]))
    return "\n".join(lines)


def new_table(endpoint: _spec.Endpoint) -> str:
    """The new endpoint's request fields."""
    lines = [_row(["field", "type", "required", "max", "what"]), _row(["---"] * 5)]
    lines.extend(_row([*_cells(spec), spec.notes]) for spec in endpoint.request)
    return "\n".join(lines)


def result_table() -> str:
    lines = [_row(["resultCode", "status", "meaning"]), _row(["---"] * 3)]
    lines.extend(
        _row([f"`{code}`", status, meaning])
        for code, (status, meaning) in _spec.RESULT_CODES.items()
    )
    return "\n".join(lines)


#: Every generated block by marker name.
def blocks() -> dict[str, Callable[[], str]]:
    """Every generated block by marker name: one per table of the spec."""
    return {
        "send": lambda: new_table(_spec.SEND),
        **{
            key: block
            for endpoint in _spec.LEGACY_ENDPOINTS.values()
            for key, block in (
                (endpoint.name, lambda e=endpoint: request_table(e)),
                (f"{endpoint.name}-response", lambda e=endpoint: response_table(e)),
            )
        },
        "result-codes": result_table,
    }


_BLOCK = re.compile(
    r"(<!-- BEGIN spec:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END spec:(?P=name) -->)",
    re.DOTALL,
)


def render(text: str) -> str:
    """``text`` with every marked block rewritten from the spec."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        known = blocks()
        if name not in known:
            msg = f"unknown spec block {name!r} (known: {', '.join(known)})"
            raise ValueError(msg)
        return f"{match.group(1)}{known[name]()}\n{match.group(4)}"

    return _BLOCK.sub(replace, text)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compat._docs", description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name in args.files:
        with open(name, encoding="utf-8", newline="") as file:
            text = file.read()
        updated = render(text)
        if updated != text:
            stale.append(name)
            if not args.check:
                with open(name, "w", encoding="utf-8", newline="") as file:
                    file.write(updated)
    for name in stale:
        verb = "is out of date" if args.check else "rewritten"
        print(f"{name}: {verb}", file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
