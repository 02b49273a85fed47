"""Deprecated paths in any text: code of any language, configuration, documents.

A path inside a comment (or a whole document) is a mention (CPT005), anywhere
else a use (CPT001). Comments are found by a small lexer per family of
languages that steps over string literals, so ``"https://host/v2/..."`` is not
mistaken for a ``//`` comment.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from typing import Callable, Optional

from .. import _spec
from . import GATE, PATHS, RELATIVE_PATHS
from .rules import DOC_MENTION, LEGACY_PATH, Finding

__all__ = ["GATE", "PATHS", "RELATIVE_PATHS", "family_of", "scan_text"]

# The lexers of comments: each family's comments, and the strings that may hold what
# looks like a comment start. A string's body is an unrolled loop (runs of plain
# characters, then one escape), so a long string costs no memory per character.
_COMMENTS = {
    "c": r"(?P<c>//[^\n]*|/\*.*?(?:\*/|\Z))",
    "hash": r"(?P<c>(?:(?<=\s)|(?<=^))#[^\n]*|^[ \t]*[;!][^\n]*)",
    "xml": r"(?P<c><!--.*?(?:-->|\Z))",
}
_FLAGS = {"c": re.S, "hash": re.M, "xml": re.S}
#: A string opens at its quote and closes at the next one not escaped; one left open
#: ends at the end of its line (the backtick's, of the file), a last backslash included.
_STRINGS = {
    "dq": r'(?P<dq>"[^"\\\n]*(?:\\.[^"\\\n]*)*(?:(?P<dq_end>")|\\?(?=\n)|\\?\Z))',
    "sq": r"(?P<sq>'[^'\\\n]*(?:\\.[^'\\\n]*)*(?:(?P<sq_end>')|\\?(?=\n)|\\?\Z))",
    "bt": r"(?P<bt>`[^`\\]*(?:\\.[^`\\]*)*(?:(?P<bt_end>`)|\\?\Z))",
}
_KINDS = {"c": ("dq", "sq", "bt"), "hash": ("dq", "sq"), "xml": ()}


@functools.cache
def _lexer(family: str, off: frozenset[str]) -> re.Pattern[str]:
    """The family's lexer, without the string kinds in ``off``."""
    parts = [_COMMENTS[family]] + [_STRINGS[k] for k in _KINDS[family] if k not in off]
    return re.compile("|".join(parts), _FLAGS[family])


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
    """(start, end) offsets of the comments in ``text``, in one linear pass.

    A quote that no quote of its kind closes on its line is not a string: scanning
    goes on right after it. No later quote of that kind on the line can open one
    (it would close where this one did), so until the line ends that kind is left
    out of the lexer, and no character is read more than a few times: a line of
    40,000 escaped quotes costs what any line of its length does.
    """
    if family not in _COMMENTS:
        return []
    spans: list[tuple[int, int]] = []
    end = len(text)
    off: dict[str, int] = {}  # string kind -> where it may open again
    pos = 0
    while pos < end:
        off = {kind: until for kind, until in off.items() if until > pos}
        lexer = _lexer(family, frozenset(off))
        limit = min(off.values(), default=end)
        match = lexer.search(text, pos, limit)
        if match is None:
            pos = limit
            continue
        if match.end() == limit < end:  # cut at the limit: read the token whole
            match = lexer.match(text, match.start())
            assert match is not None
        groups = match.groupdict()
        if groups["c"] is not None:
            spans.append(match.span("c"))
            pos = match.end()
            continue
        kind = next(k for k in _KINDS[family] if groups.get(k) is not None)
        if groups[f"{kind}_end"] is not None:
            pos = match.end()
        else:
            off[kind] = end if kind == "bt" else match.end()
            pos = match.start() + 1
    return spans


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


def inside(spans: list[tuple[int, int]], offset: int) -> bool:
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
    mention: Optional[Callable[[int], bool]] = None,
) -> list[Finding]:
    """Findings for every deprecated path in ``text``.

    ``mention``: tells, from its offset, whether a path is a mention (in a comment or
    a docstring); by default the family's comments are.
    """
    findings: list[Finding] = []
    matches = list(PATHS.finditer(text))
    if not matches:
        return findings
    lines = lines or Lines(text)
    if mention is None:
        spans = comment_spans(text, family)
        mention = functools.partial(inside, spans)
    for match in matches:
        endpoint = match.lastgroup
        assert endpoint is not None
        start_line, start_column = lines.position(match.start())
        end_line, end_column = lines.position(match.end())
        if family == "doc":
            rule, where = DOC_MENTION, "this document"
        elif mention(match.start()):
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
