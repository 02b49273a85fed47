"""What both source tools look for, and how they walk a tree: one package, shared.

``compat audit`` and ``compat migrate`` read from here, and neither imports the
other: the legacy paths, the cheap gate, the file walk and what a module binds
of compat (this module); the rules and their findings (:mod:`.rules`); the scan
of any text (:mod:`.text`) and of Python sources (:mod:`.python`), which the
audit reports and the codemod marks what it leaves behind by.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from typing import TYPE_CHECKING, Callable, Optional, Union

import attrs

from .. import _spec

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "DEFAULT_MAX_BYTES",
    "GATE",
    "LEGACY_CLIENT",
    "PATHS",
    "POOL_MANAGER",
    "RELATIVE_PATHS",
    "SHIM_CLASSES",
    "SKIPPED_DIRS",
    "CompatImports",
    "Skipped",
    "iter_files",
]


class Pattern:
    """A compiled pattern over the legacy endpoints, rebuilt in place when one is registered
    (the modules that imported it keep seeing the current one)."""

    def __init__(self, build: Callable[[_spec.Endpoint], str]) -> None:
        self.build = build
        self.regex = re.compile("")
        self.refresh()

    def refresh(self) -> None:
        self.regex = re.compile("|".join(map(self.build, _spec.LEGACY_ENDPOINTS.values())))

    def search(self, text: str) -> Optional[re.Match[str]]:
        return self.regex.search(text)

    def match(self, text: str) -> Optional[re.Match[str]]:
        return self.regex.match(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text)

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self.regex.groupindex


#: A deprecated path, with or without a wallet prefix before it; not a longer name
#: (``/v2/messages/sendInboxes``).
PATHS = Pattern(lambda e: f"(?P<{e.name}>{re.escape(e.path)})(?![A-Za-z0-9_])")

#: A deprecated path without its leading slash, as the whole text of a URL join's
#: relative part (``urljoin(base, "v2/messages/sendInbox")``).
RELATIVE_PATHS = Pattern(
    lambda e: f"(?P<{e.name}>^{re.escape(e.path.lstrip('/'))})(?![A-Za-z0-9_/])"
)


#: compat's drop-in shim classes, as code names them.
LEGACY_CLIENT = "LegacyClient"
POOL_MANAGER = "TranslatingPoolManager"
SHIM_CLASSES = (LEGACY_CLIENT, POOL_MANAGER)


def _gate() -> list[bytes]:
    return [
        *(e.path.rsplit("/", 1)[1].encode() for e in _spec.LEGACY_ENDPOINTS.values()),
        *(method.encode() for method in _spec.SHIM_METHODS),
        *(name.encode() for name in SHIM_CLASSES),
        b"compat.legacy",
        *(name.encode() for name in _spec.SEND_INBOX.renames),  # authClientId
        *(name.encode() for name in _spec.MOVED_PARAMETERS),  # pushContentUrl
        b"templateCode",  # payloads whose requestId or templateCode is over the new limit
    ]


#: What a file must contain for any rule to match; files without them are not parsed.
GATE: list[bytes] = _gate()


def refresh() -> None:
    """Rebuild the patterns and the gate from the spec (after an endpoint is registered)."""
    PATHS.refresh()
    RELATIVE_PATHS.refresh()
    GATE[:] = _gate()


@attrs.define
class CompatImports:
    """What a module's imports bind of compat (the audit reads them from Python's ``ast``,
    the codemod from libcst; both record them here, the same way)."""

    #: local names bound to the compat package (``compat``, or ``c`` for ``import compat as c``)
    modules: set[str] = attrs.field(factory=set)
    #: local name -> the compat member it is (``LC`` -> ``LegacyClient``)
    names: dict[str, str] = attrs.field(factory=dict)
    #: whether the module imports compat (or a module of it) at all
    any: bool = False

    @staticmethod
    def is_compat(module: str) -> bool:
        return module == "compat" or module.startswith("compat.")

    def add_import(self, module: str, asname: Optional[str]) -> None:
        """``import module`` or ``import module as asname``."""
        if self.is_compat(module):
            self.any = True
            if module == "compat":
                self.modules.add(asname or module)

    def add_from(self, module: str, name: str, asname: Optional[str]) -> None:
        """``from module import name`` or ``... as asname``."""
        if self.is_compat(module):
            self.any = True
            self.names[asname or name] = name


#: Files larger than this are skipped, by both tools (and reported as skipped).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

#: Folders never entered: version control, virtual environments, dependencies,
#: build output and caches. A folder with a ``pyvenv.cfg`` is a virtual environment too.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "bower_components",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "build",
        "dist",
        ".eggs",
        ".gradle",
        ".idea",
        "target",
        ".next",
        ".cache",
        "htmlcov",
    }
)


@attrs.frozen
class Skipped:
    """A file the scan did not read, and why."""

    path: str
    #: ``binary``, ``too large (over N bytes)``, ``folder: <name>``, ``symbolic link
    #: (not followed)``, ``broken symbolic link``, ``not a regular file``, ``unreadable: ...``
    reason: str

    @property
    def is_error(self) -> bool:
        return self.reason.startswith("unreadable")


def _excluded(relative: str, name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)


def iter_files(
    roots: Iterable[str], exclude: Sequence[str] = ()
) -> Iterator[Union[tuple[str, int], Skipped]]:
    """Each file under ``roots`` with its size, or a Skipped for what is not read.

    A file named in ``roots`` is read through a symbolic link; inside a folder, links
    are not followed (they may lead out of the tree; what they point to inside it is
    walked where it is). Named pipes, devices and sockets are never opened.
    :raises FileNotFoundError: a root does not exist.
    """
    for root in roots:
        try:
            info = os.stat(root)
        except OSError as err:
            if os.path.islink(root):  # dangling, or a loop
                yield Skipped(root, "broken symbolic link")
                continue
            msg = f"{root}: {err.strerror}"
            raise FileNotFoundError(msg) from err
        if stat.S_ISREG(info.st_mode):
            yield root, info.st_size
            continue
        if not stat.S_ISDIR(info.st_mode):
            yield Skipped(root, "not a regular file")
            continue
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as err:
                yield Skipped(folder, f"unreadable: {err.strerror}")
                continue
            subfolders = []
            for entry in entries:
                relative = os.path.relpath(entry.path, root).replace(os.sep, "/")
                if exclude and _excluded(relative, entry.name, exclude):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS:
                            yield Skipped(entry.path, f"folder: {entry.name}")
                        elif os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                            yield Skipped(entry.path, "folder: virtual environment")
                        else:
                            subfolders.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        yield entry.path, entry.stat(follow_symlinks=False).st_size
                    elif entry.is_symlink():
                        broken = not os.path.exists(entry.path)
                        why = "broken symbolic link" if broken else "symbolic link (not followed)"
                        yield Skipped(entry.path, why)
                except OSError as err:
                    yield Skipped(entry.path, f"unreadable: {err.strerror}")
            stack.extend(reversed(subfolders))
