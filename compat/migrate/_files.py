"""``compat migrate`` over files: read, migrate, write or diff, and count."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Callable, Optional

import attrs

from .._source import (
    DEFAULT_MAX_BYTES,
    Skipped,
    elsewhere,
    gate,
    iter_files,
    python_text,
    read_capped,
)
from . import MigrateError, Options, Result, migrate_source
from ._options import ManualSite

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["FileResult", "Summary", "migrate_file", "migrate_paths", "unified_diff"]

_PARALLEL_FROM = 200


@attrs.frozen
class FileResult:
    path: str
    result: Optional[Result] = None
    skipped: Optional[str] = None
    original: str = ""
    #: how the file is encoded (its BOM or PEP 263 coding cookie; UTF-8 by default)
    encoding: str = "utf-8"
    #: a digest of the bytes read: the file is written only if it still has them
    digest: bytes = b""
    #: the skip is an error (exit 2): the file could not be read or written
    error: bool = False


@attrs.define
class Summary:
    """What a run did, kept small: the migrated sources are handed on as they come
    (see :func:`migrate_paths`), never held here."""

    #: the files read or skipped
    count: int = 0
    #: the paths whose source the rules changed
    changed: list[str] = attrs.field(factory=list)
    #: rule name -> call sites rewritten
    rewrites: Counter[str] = attrs.field(factory=Counter)
    #: the sites left for manual work, with their file
    manual: list[tuple[str, ManualSite]] = attrs.field(factory=list)
    #: the files skipped, with why
    skipped: list[FileResult] = attrs.field(factory=list)

    def add(self, result: FileResult) -> None:
        self.count += 1
        if result.skipped is not None:
            self.skipped.append(result)
        if result.result is None:
            return
        if result.result.changed:
            self.changed.append(result.path)
        self.rewrites.update(result.result.rewrites)
        self.manual.extend((result.path, site) for site in result.result.manual)

    @property
    def errors(self) -> bool:
        """Whether a file could not be read (or written)."""
        return any(f.error for f in self.skipped)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def decode(data: bytes) -> tuple[str, str]:
    """:func:`compat._source.python_text`; :class:`MigrateError` when it does not decode."""
    try:
        return python_text(data)
    except ValueError as err:
        raise MigrateError(str(err)) from None


def encode(text: str, encoding: str) -> bytes:
    """A migrated source in its file's encoding; :class:`MigrateError` when it has a
    character that encoding lacks."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise MigrateError(f"the migrated source cannot be encoded as {encoding}") from None


def migrate_file(path: str, options: Options, max_bytes: int = DEFAULT_MAX_BYTES) -> FileResult:
    try:
        data = read_capped(path, max_bytes)[0]
    except OSError as err:
        return FileResult(path, skipped=f"unreadable: {err.strerror}", error=True)
    if data is None:
        return FileResult(path, skipped=f"too large (over {max_bytes} bytes)")
    try:
        text, encoding = decode(data)
        if encoding in _UTF_8 and not gate(data):
            # most files: none of the audit's words, looked for in the bytes in one pass
            # (in UTF-8, an ASCII word is in the bytes exactly when it is in the text)
            return FileResult(path, Result(text, False))
        result = migrate_source(text, options, path=path)
    except MigrateError as err:
        return FileResult(path, skipped=str(err))
    if not result.changed:  # the digest is for writing
        return FileResult(path, result)
    return FileResult(path, result, original=text, encoding=encoding, digest=_digest(data))


_UTF_8 = frozenset({"utf-8", "utf-8-sig"})


def _migrate_chunk(
    paths: list[str], options: Options, max_bytes: int
) -> tuple[int, list[FileResult]]:
    """How many files a worker took, and the results with something to say (most files
    of a tree: nothing, and nothing is sent back for them)."""
    results = (migrate_file(path, options, max_bytes) for path in paths)
    return len(paths), [_sent(result) for result in results if _says(result)]


def _says(result: FileResult) -> bool:
    """Whether a file's result counts for more than a file read: skipped, changed, or
    with sites rewritten or left."""
    done = result.result
    return done is None or done.changed or bool(done.rewrites or done.manual)


def _sent(result: FileResult) -> FileResult:
    """What goes back from a worker: a source only when the rules changed it."""
    if result.result is None or result.result.changed:
        return result
    return FileResult(result.path, attrs.evolve(result.result, source=""))


def python_files(
    paths: list[str], exclude: Sequence[str] = (), gitignore: bool = True
) -> tuple[list[str], list[Skipped]]:
    """The Python files under ``paths`` (any file named itself), and what is skipped
    and said: errors, links not followed, files that are not regular."""
    files, skipped = [], []
    for item in iter_files(paths, exclude, gitignore=gitignore):
        if isinstance(item, Skipped):
            said = item.is_error or item.path in paths or item.path.endswith((".py", ".pyi"))
            if said and not item.reason.startswith("folder:"):
                skipped.append(item)
        elif item.endswith((".py", ".pyi")) or item in paths:
            files.append(item)  # one over the size cap is told when it is opened
    return files, skipped


#: Told how many files are done, of how many (for a progress line).
Progress = Callable[[int, int], None]


@elsewhere.run()  # the project's files looked at once for the run
def migrate_paths(
    paths: list[str],
    options: Options,
    jobs: Optional[int] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    exclude: Sequence[str] = (),
    gitignore: bool = True,
    progress: Optional[Progress] = None,
    changed: Optional[Callable[[FileResult], None]] = None,
) -> Summary:
    """Migrate the Python files under ``paths`` (each once, what git ignores left out
    unless ``gitignore`` is false); nothing is written here.

    :param changed: given each file whose source the rules changed, as it comes (in
        the order of the walk), to diff or write it; the sources are not kept, so
        memory stays flat however large the tree. Workers send a source back only
        when it changed.
    """
    files, unread = python_files(paths, exclude, gitignore)
    summary = Summary()
    for skipped in unread:
        summary.add(FileResult(skipped.path, skipped=skipped.reason, error=skipped.is_error))
    total = len(files)
    done = 0
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and total >= _PARALLEL_FROM:
        size = max(16, min(256, total // (workers * 8)))
        chunks = [files[i : i + size] for i in range(0, total, size)]
        pool = ProcessPoolExecutor(workers, initializer=elsewhere.start_worker)
        results: Iterable[tuple[int, list[FileResult]]] = pool.map(
            _migrate_chunk, chunks, [options] * len(chunks), [max_bytes] * len(chunks)
        )
    else:
        pool = None
        results = (_migrate_chunk([path], options, max_bytes) for path in files)
    try:
        for count, kept in results:
            for result in kept:
                if changed is not None and result.result is not None and result.result.changed:
                    changed(result)
                summary.add(result)
            summary.count += count - len(kept)  # files read with nothing to say
            done += count
            if progress is not None:
                progress(done, total)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summary


def write(result: FileResult) -> Optional[str]:
    """Replace the file with the migrated source, atomically; why not, if it was not.

    The new text goes to a temporary file in the same folder, with the file's mode
    (and owner, where allowed), which then takes the file's place: a failure midway
    (a full disk, a file size limit) leaves the file as it was. A file that changed
    since it was read, or that is not writable, is left alone.
    """
    assert result.result is not None
    path = os.path.realpath(result.path)  # a file named through a link: its target
    try:
        data = encode(result.result.source, result.encoding)
    except MigrateError as err:
        return str(err)
    try:
        info = os.stat(path)
        with open(path, "rb") as file:
            if _digest(file.read()) != result.digest:
                return "changed since it was read; not written"
        if not os.access(path, os.W_OK):
            return "not writable"
        handle, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".compat", dir=os.path.dirname(path)
        )
    except OSError as err:
        return f"cannot write: {err.strerror}"
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(PermissionError):
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return f"cannot write: {err.strerror}"
    return None


def unified_diff(path: str, before: str, after: str) -> str:
    """A diff ``git apply`` takes: a/ and b/ paths, and line endings kept."""
    import difflib

    name = path[2:] if path.startswith("./") else path
    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
    )
    out: list[str] = []
    for line in lines:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
