"""The modules of the project a module imports from, read where ``compat migrate`` follows
a helper into them (``from .http import post_json``).

An import is looked up as Python would find it in the project: a relative one from the
importing file's package; an absolute one from the folder above the importing file's
top package (a script's own folder), then the working folder. What is not found there
(an installed library) is not read.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper

from .._source import DEFAULT_MAX_BYTES, python_text, read_bytes

if TYPE_CHECKING:
    from ._payload import Options
    from ._plan import Context

#: modules read, by file: (size, mtime) and their context (None: not Python compat reads)
_READ: dict[str, tuple[tuple[int, int], Optional[Context]]] = {}
_READ_KEPT = 8


def module_file(importer: Optional[str], level: int, dotted: str) -> Optional[str]:
    """The file of the module ``dotted`` (``level`` dots before it) that the module in
    ``importer`` imports, when it is one of the project's; else None."""
    parts = dotted.split(".") if dotted else []
    if level:
        if importer is None:
            return None
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        roots = [base]
    else:
        roots = _roots(importer)
    for root in roots:
        stem = os.path.join(root, *parts)
        for candidate in (f"{stem}.py", os.path.join(stem, "__init__.py")):
            if parts and os.path.isfile(candidate):
                return candidate
    return None


def _roots(importer: Optional[str]) -> list[str]:
    """Where an absolute import of the module in ``importer`` is looked for: the folder
    above its top package (a script's own folder), then the working folder."""
    roots = []
    if importer is not None:
        top = os.path.dirname(os.path.abspath(importer))
        while os.path.isfile(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
            top = os.path.dirname(top)
        roots.append(top)
    cwd = os.getcwd()
    if cwd not in roots:
        roots.append(cwd)
    return roots


def module_context(path: str, options: Options) -> Optional[Context]:
    """The planning context of the Python module in ``path`` (read once while it does not
    change); None when it cannot be read or parsed."""
    from ._plan import Context

    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_size, stat.st_mtime_ns)
    known = _READ.get(path)
    if known is not None and known[0] == key:
        return known[1]
    if len(_READ) >= _READ_KEPT:
        _READ.clear()
    context: Optional[Context] = None
    if stat.st_size <= DEFAULT_MAX_BYTES:
        try:
            text = python_text(read_bytes(path, DEFAULT_MAX_BYTES + 1))[0]
            module = cst.parse_module(text)
            context = Context(MetadataWrapper(module, unsafe_skip_copy=True), options, text, path)
        except (OSError, ValueError, RecursionError, cst.ParserSyntaxError):
            context = None
    _READ[path] = (key, context)
    return context
