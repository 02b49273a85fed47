"""What both source tools look for, and how they walk a tree: one module, shared.

``compat audit`` and ``compat migrate`` read the legacy paths, the cheap gate
and the file walk from here; neither takes them from the other.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from typing import TYPE_CHECKING, Union

import attrs

from . import _spec

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = ["GATE", "PATHS", "RELATIVE_PATHS", "SKIPPED_DIRS", "Skipped", "iter_files"]

#: A deprecated path, with or without a wallet prefix before it; not a longer name
#: (``/v2/messages/sendInboxes``).
PATHS = re.compile(
    "|".join(
        f"(?P<{e.name}>{re.escape(e.path)})(?![A-Za-z0-9_])"
        for e in _spec.LEGACY_ENDPOINTS.values()
    )
)

#: A deprecated path without its leading slash, as the whole text of a URL join's
#: relative part (``urljoin(base, "v2/messages/sendInbox")``).
RELATIVE_PATHS = re.compile(
    "|".join(
        f"(?P<{e.name}>^{re.escape(e.path.lstrip('/'))})(?![A-Za-z0-9_/])"
        for e in _spec.LEGACY_ENDPOINTS.values()
    )
)

#: What a file must contain for any rule to match; files without them are not parsed.
GATE: tuple[bytes, ...] = (
    *(e.path.rsplit("/", 1)[1].encode() for e in _spec.LEGACY_ENDPOINTS.values()),
    *(method.encode() for method in _spec.SHIM_METHODS),
    b"LegacyClient",
    b"TranslatingPoolManager",
    b"compat.legacy",
    *(name.encode() for name in _spec.SEND_INBOX.renames),  # authClientId
    *(name.encode() for name in _spec.MOVED_PARAMETERS),  # pushContentUrl
    b"templateCode",  # payloads whose requestId or templateCode is over the new limit
)

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
    #: ``binary``, ``too large (over N bytes)``, ``folder: <name>``, ``unreadable: ...``
    reason: str

    @property
    def is_error(self) -> bool:
        return self.reason.startswith("unreadable")


def _excluded(relative: str, name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)


def iter_files(
    roots: Iterable[str], exclude: Sequence[str] = ()
) -> Iterator[Union[tuple[str, int], Skipped]]:
    """Each file under ``roots`` with its size, or a Skipped for what cannot be listed."""
    for root in roots:
        try:
            info = os.stat(root)
        except OSError as err:
            msg = f"{root}: {err.strerror}"
            raise FileNotFoundError(msg) from err
        if not stat.S_ISDIR(info.st_mode):
            yield root, info.st_size
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
                    elif entry.is_file():
                        yield entry.path, entry.stat().st_size
                except OSError as err:
                    yield Skipped(entry.path, f"unreadable: {err.strerror}")
            stack.extend(reversed(subfolders))
