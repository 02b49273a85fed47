"""The audit's results kept between runs: a file read again is not scanned again while
it, and what its result rests on, are unchanged.

A file that gets through the gate costs the audit a scan and, with the codemod, a plan of
its migration (tens of milliseconds, against a fraction of one for a file that does not).
Its findings are kept, by the file's absolute path, with the digest of its bytes and the
facts of the project the codemod looked at (the modules it looked for and read, see
:mod:`compat._source.depends`), in one JSON file per setting: compat's own code, the
Python that runs it, the codemod's version and policy. A setting that changes starts
another file; one not used for 30 days is removed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from typing import Any, Optional

import attrs

from .. import _spec
from .._source import depends
from .._source.rules import RULES, Finding

__all__ = ["Cache", "Entry", "default_directory"]

#: ``[digest of the file's bytes, facts, findings as rows, suppressed]``
Entry = list[Any]

#: files kept per setting, at most: past it, those not read in the last run are dropped
_KEPT = 50_000
#: a cache file not used for this long is removed
_UNUSED_SECONDS = 30 * 24 * 3600
_FORMAT = 1
#: the first key of a cache file
SIGNATURE = "compat audit cache"
_RULE_IDS = frozenset(rule.id for rule in RULES)


def default_directory() -> str:
    """``COMPAT_CACHE_DIR``, else the user's cache folder: ``%LOCALAPPDATA%\\compat\\Cache``
    on Windows, ``~/Library/Caches/compat`` on macOS, else ``$XDG_CACHE_HOME/compat``
    (``~/.cache/compat``)."""
    given = os.environ.get("COMPAT_CACHE_DIR")
    if given:
        return given
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return os.path.join(base, "compat", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/compat")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "compat")


def _code_fingerprint() -> str:
    """What compat's own code is: each of its files' name, size and time of change (a
    working copy changes it with every edit, a release with every upgrade)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder[len(root) :]}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return depends.digest("\n".join(parts).encode())


@attrs.define
class Cache:
    """Each file's findings, by its absolute path, from the last runs of one setting.

    Read with :meth:`open`, looked up and filled by the scan (:meth:`take`,
    :meth:`keep`), written back with :meth:`save`.
    """

    #: the cache file
    file: str
    known: Mapping[str, Entry] = attrs.field(factory=dict)
    #: the entries of the files read in this run
    fresh: dict[str, Entry] = attrs.field(factory=dict)
    #: whether an entry was made in this run (else the file need not be written)
    changed: bool = False
    facts: depends.Facts = attrs.field(factory=depends.Facts, repr=False)

    @classmethod
    def open(cls, directory: str, setting: str) -> Cache:
        """The cache in ``directory`` of the results made under ``setting`` (what they
        depend on besides the files and what every result does: compat's code, the
        Python that runs it, the legacy endpoints): empty when it has none yet, or one
        that cannot be read."""
        endpoints = repr(sorted(_spec.LEGACY_ENDPOINTS.items()))
        whole = "\n".join([_code_fingerprint(), sys.version, endpoints, setting])
        name = f"audit-{depends.digest(whole.encode())}.json"
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as file:
                loaded = json.loads(file.read())
        except (OSError, ValueError):
            loaded = None
        known: dict[str, Entry] = {}
        if isinstance(loaded, dict) and loaded.get("format") == _FORMAT:  # and ours
            entries = loaded.get("entries")
            if isinstance(entries, dict):
                known = entries
        return cls(path, known)

    def take(self, key: str, digest: str, path: str) -> Optional[tuple[list[Finding], int]]:
        """The findings (for ``path``) and suppressed count kept for the file ``key`` when
        its bytes are still those of ``digest`` and what they rest on still holds."""
        entry = self.known.get(key)
        if not (isinstance(entry, list) and len(entry) == 4 and entry[0] == digest):
            return None
        _, facts, rows, suppressed = entry
        try:
            if not (isinstance(facts, list) and self.facts.hold(facts)):
                return None
            findings = [_finding(path, row) for row in rows]
        except (TypeError, ValueError):  # not an entry this version writes
            return None
        if not isinstance(suppressed, int):
            return None
        self.fresh[key] = entry
        return findings, suppressed

    def keep(
        self,
        key: str,
        digest: str,
        facts: list[depends.Fact],
        findings: list[Finding],
        suppressed: int,
    ) -> None:
        """Keep what the file ``key`` gave, with the ``facts`` it rests on."""
        rows = [
            [f.line, f.column, f.end_line, f.end_column, f.rule, f.endpoint, f.message, f.fixable]
            for f in findings
        ]
        self.fresh[key] = [digest, facts, rows, suppressed]
        self.changed = True

    def handed(self) -> tuple[dict[str, Entry], bool]:
        """The entries used or made since the last call, and whether one was made (a
        worker's, for the :meth:`merge` of the scan's cache); none after it."""
        handed = self.fresh, self.changed
        self.fresh, self.changed = {}, False
        return handed

    def merge(self, fresh: Mapping[str, Entry], changed: bool) -> None:
        """Take the entries a worker's copy :meth:`handed` back."""
        self.fresh.update(fresh)
        self.changed = self.changed or changed

    def save(self) -> None:
        """Write the entries back (when one was made): this run's, and the others' while
        they are few enough. Nothing is said when it cannot be written: the next run
        scans again."""
        if not self.changed:
            return
        entries = dict(self.fresh)
        if len(self.known) + len(entries) <= _KEPT:
            entries = {**self.known, **entries}
        directory = os.path.dirname(self.file)
        try:
            os.makedirs(directory, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".audit-", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    # its head tells the audit not to read it (a cache inside a tree)
                    json.dump({"tool": SIGNATURE, "format": _FORMAT, "entries": entries}, file)
                os.replace(temporary, self.file)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return
        _prune(directory, keep=self.file)


def _finding(path: str, row: list[Any]) -> Finding:
    line, column, end_line, end_column, rule, endpoint, message, fixable = row
    numbers = (line, column, end_line, end_column)
    if not (all(isinstance(n, int) for n in numbers) and rule in _RULE_IDS):
        raise ValueError(row)
    if not (isinstance(message, str) and (endpoint is None or isinstance(endpoint, str))):
        raise ValueError(row)
    if fixable not in (None, True, False):
        raise ValueError(row)
    return Finding(path, line, column, end_line, end_column, rule, endpoint, message, fixable)


def _prune(directory: str, keep: str) -> None:
    """Remove the cache files of settings not used for :data:`_UNUSED_SECONDS`."""
    cutoff = time.time() - _UNUSED_SECONDS
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if (
                    entry.name.startswith(("audit-", ".audit-"))
                    and entry.path != keep
                    and entry.stat().st_mtime < cutoff
                ):
                    os.unlink(entry.path)
    except OSError:
        pass
