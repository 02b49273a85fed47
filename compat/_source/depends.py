"""What a file's result depends on besides its own text: the other files of the
project that were looked for and read.

``compat migrate`` follows a module into the project modules it imports (a helper, a
constant of ``settings.py``). Where it looks a module up (:func:`module_file`) and what
it reads are told here, as facts, while someone records them (:func:`recording`): the
audit keeps each file's result between runs with the facts it rests on, and takes it
again only while every one still holds (:class:`Facts`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from typing import TYPE_CHECKING, Optional, Union

from . import DEFAULT_MAX_BYTES, read_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "Fact",
    "Facts",
    "digest",
    "file_digest",
    "module_file",
    "project_root",
    "read",
    "recording",
    "tell_again",
    "tell_holding",
    "tell_module",
]

#: ``["module", folder, level, dotted, file]``: where the import of ``dotted`` (after
#: ``level`` dots) by a module in ``folder`` was found (None: not in the project);
#: ``["read", path, digest]``: the digest of a module read (None: it could not be);
#: ``["holding", root, word, digest]``: which Python files of the project in ``root``
#: hold ``word``, and their bytes, as a digest (where the codemod looked for what sets
#: a constant: :mod:`compat._source.elsewhere`).
Fact = list[Union[str, int, None]]

_RECORDS: list[list[Fact]] = []


@contextlib.contextmanager
def recording() -> Iterator[list[Fact]]:
    """The facts told while inside, gathered in the list given (innermost only)."""
    facts: list[Fact] = []
    _RECORDS.append(facts)
    try:
        yield facts
    finally:
        _RECORDS.pop()


def _tell(fact: Fact) -> None:
    if _RECORDS and fact not in _RECORDS[-1]:
        _RECORDS[-1].append(fact)


def tell_again(facts: Sequence[Fact]) -> None:
    """Tell facts recorded before (an answer kept for the run, and what it rests on)."""
    for fact in facts:
        _tell(fact)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str) -> Optional[str]:
    """The digest of a module file as the codemod reads one (up to one byte more than it
    takes); None when it cannot be read."""
    try:
        return digest(read_bytes(path, DEFAULT_MAX_BYTES + 1))
    except OSError:
        return None


def read(path: str, known: Optional[str]) -> None:
    """Tell that the module in ``path`` was read (``known``: its digest, when the reader
    has it; None when it could not be read)."""
    if _RECORDS:
        _tell(["read", path, known])


def module_file(importer: Optional[str], level: int, dotted: str) -> Optional[str]:
    """The file of the module ``dotted`` (``level`` dots before it) that the module in
    ``importer`` imports, when it is one of the project's; else None.

    An import is looked up as Python would find it in the project: a relative one from
    the importing file's package; an absolute one from the folder above the importing
    file's top package (a script's own folder), then the working folder."""
    return _module_file(_folder(importer), level, dotted)


def tell_module(importer: Optional[str], level: int, dotted: str, found: Optional[str]) -> None:
    """Tell that :func:`module_file` found ``found`` for these arguments (a fact of the
    importer's folder: the modules of a folder share it)."""
    if _RECORDS:
        _tell(["module", _folder(importer), level, dotted, found])


def tell_holding(root: str, word: str, digest: str) -> None:
    """Tell which Python files of the project in ``root`` hold ``word``, as a digest of
    their paths and bytes (:func:`compat._source.elsewhere.holding_digest`)."""
    if _RECORDS:
        _tell(["holding", root, word, digest])


def project_root(path: str) -> str:
    """The folder of the project of the module in ``path``: the folder above its top
    package (a script's own folder), where Python finds the project's absolute
    imports."""
    return _roots(os.path.dirname(os.path.abspath(path)))[0]


def _folder(importer: Optional[str]) -> Optional[str]:
    return None if importer is None else os.path.dirname(os.path.abspath(importer))


def _module_file(folder: Optional[str], level: int, dotted: str) -> Optional[str]:
    parts = dotted.split(".") if dotted else []
    if level:
        if folder is None:
            return None
        base = folder
        for _ in range(level - 1):
            base = os.path.dirname(base)
        roots = [base]
    else:
        roots = _roots(folder)
    for root in roots:
        stem = os.path.join(root, *parts)
        for candidate in (f"{stem}.py", os.path.join(stem, "__init__.py")):
            if parts and os.path.isfile(candidate):
                return candidate
    return None


def _roots(folder: Optional[str]) -> list[str]:
    """Where an absolute import of a module in ``folder`` is looked for: the folder above
    its top package (a script's own folder), then the working folder."""
    roots = []
    if folder is not None:
        top = folder
        while os.path.isfile(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
            top = os.path.dirname(top)
        roots.append(top)
    cwd = os.getcwd()
    if cwd not in roots:
        roots.append(cwd)
    return roots


class Facts:
    """Whether facts told in an earlier run (read back from a file: anything) still
    hold, each looked at once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[object, ...], bool] = {}

    def hold(self, facts: Sequence[object]) -> bool:
        return all(self._holds(fact) for fact in facts)

    def _holds(self, fact: object) -> bool:
        if not (isinstance(fact, list) and fact and fact[0] in ("module", "read", "holding")):
            return False
        key = tuple(fact)
        known = self._seen.get(key)  # TypeError: not a fact this version tells
        if known is None:
            known = self._seen[key] = _holds(key)
        return known


def _holds(fact: tuple[object, ...]) -> bool:
    if fact[0] == "module" and len(fact) == 5:
        _, folder, level, dotted, found = fact
        if (folder is None or isinstance(folder, str)) and isinstance(level, int):
            return isinstance(dotted, str) and _module_file(folder, level, dotted) == found
    elif fact[0] == "read" and len(fact) == 3:
        _, path, known = fact
        return isinstance(path, str) and file_digest(path) == known
    elif fact[0] == "holding" and len(fact) == 4:
        _, root, word, known = fact
        if isinstance(root, str) and isinstance(word, str):
            from .elsewhere import holding_digest

            return holding_digest(root, word) == known
    return False
