"""Deprecated paths in any text: code of any language, configuration, documents.

A path inside a comment (or a whole document) is a mention (CPT005), anywhere
else a use (CPT001). Comments are found by a small lexer per family of
languages that steps over string literals, so ``"https://host/v2/..."`` is not
mistaken for a ``//`` comment.
"""

from __future__ import annotations

import bisect
import os
import re
from typing import Optional

from .. import _spec
from . import GATE, PATHS, RELATIVE_PATHS
from .rules import DOC_MENTION, LEGACY_PATH, Finding

__all__ = ["GATE", "PATHS", "RELATIVE_PATHS", "family_of", "scan_text"]

_STRINGS = r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
_C_LIKE = re.compile(r"(?P<c>//[^\n]*|/\*.*?(?:\*/|\Z))|" + _STRINGS + r"|`(?:\\.|[^`\\])*`", re.S)
_HASH = re.compile(r"(?P<c>(?:(?<=\s)|(?<=^))#[^\n]*|^[ \t]*[;!][^\n]*)|" + _STRINGS, re.M)
_XML = re.compile(r"(?P<c><!--.*?(?:-->|\Z))", re.S)

_FAMILIES = {
    "c": (
        ".java .kt .kts .scala .groovy .gradle .js .jsx .mjs .cjs .ts .tsx .go .cs .c .cc "
        ".cpp .h .hpp .rs .swift .dart .php"
    ),
    "hash": (
        ".rb .sh .bash .zsh .yaml .yml .toml .properties .ini .cfg .conf .env .pl .r .ps1 "
        ".tf .mk .dockerfile"
    ),
    "xml": ".xml .html .htm .vue .svelte",
    "doc": ".md .markdown .rst .txt .adoc",
    "python": ".py .pyi",
}
_BY_EXTENSION = {ext: family for family, exts in _FAMILIES.items() for ext in exts.split()}
_BY_NAME = {"dockerfile": "hash", "makefile": "hash", "gemfile": "hash", "procfile": "hash"}


def family_of(path: str) -> str:
    """The language family of a file: python, c, hash, xml, doc, or plain (no comments)."""
    name = os.path.basename(path).lower()
    if name.startswith(".env"):
        return "hash"
    if name in _BY_NAME:
        return _BY_NAME[name]
    return _BY_EXTENSION.get(os.path.splitext(name)[1], "plain")


def comment_spans(text: str, family: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the comments in ``text``."""
    lexer = {"c": _C_LIKE, "hash": _HASH, "xml": _XML}.get(family)
    if lexer is None:
        return []
    return [m.span("c") for m in lexer.finditer(text) if m.group("c")]


class Lines:
    """Offsets <-> 1-based (line, column) for one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def text_of(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[self.starts[line - 1] : end]

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and a 0-based column."""
        return self.starts[line - 1] + column


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def path_message(endpoint: str, path: str, where: str) -> str:
    return f"{where} names the deprecated {endpoint} endpoint ({path}); use POST {_spec.SEND.path}"


def scan_text(
    path: str,
    text: str,
    family: str,
    *,
    lines: Optional[Lines] = None,
    mentions: Optional[list[tuple[int, int]]] = None,
) -> list[Finding]:
    """Findings for every deprecated path in ``text``.

    ``mentions``: extra spans (docstrings) that count as documentation.
    """
    findings: list[Finding] = []
    matches = list(PATHS.finditer(text))
    if not matches:
        return findings
    lines = lines or Lines(text)
    spans = sorted(comment_spans(text, family) + (mentions or []))
    for match in matches:
        endpoint = match.lastgroup
        assert endpoint is not None
        start_line, start_column = lines.position(match.start())
        end_line, end_column = lines.position(match.end())
        if family == "doc":
            rule, where = DOC_MENTION, "this document"
        elif _inside(spans, match.start()):
            rule, where = DOC_MENTION, _COMMENT.get(family, "a comment")
        else:
            rule = LEGACY_PATH
            name = os.path.basename(path).lower()
            config = name.endswith(_CONFIG_ENDINGS) or name.startswith(".env")
            where = "this configuration" if config else "this code"
        findings.append(
            Finding(
                path,
                start_line,
                start_column,
                end_line,
                end_column,
                rule.id,
                endpoint,
                path_message(endpoint, match.group(), where),
            )
        )
    return findings


_CONFIG_ENDINGS = (
    ".yaml",
    ".yml",
    ".toml",
    ".properties",
    ".ini",
    ".cfg",
    ".conf",
    ".json",
    ".xml",
)
_COMMENT = {"python": "a comment or docstring"}
