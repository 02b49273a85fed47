"""Walking the tree, the cheap gate, and the work spread over processes."""

from __future__ import annotations

import itertools
import operator
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Callable, Optional, Protocol, Union

import attrs

from .._source import (
    DEFAULT_MAX_BYTES,
    Skipped,
    depends,
    elsewhere,
    gate,
    gate_or_directive,
    iter_files,
    python_text,
    read_capped,
    suppress,
)
from .._source.python import scan_python
from .._source.rules import RULES, Finding
from .._source.text import family_of, scan_text
from ._cache import SIGNATURE

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    from ._cache import Cache, Entry


class Fixable(Protocol):
    """Given a Python source and its file's path, the lines ``compat migrate`` would
    rewrite (:func:`compat.migrate.fixable_lines`)."""

    def __call__(self, text: str, *, path: str) -> Collection[int]: ...  # pragma: no cover


__all__ = ["DEFAULT_MAX_BYTES", "Fixable", "Report", "Skipped", "scan", "scan_report"]


#: From this many files, workers share the scan from the start; below it, they do
#: only when the files are costly to scan (see ``_SERIAL_SECONDS``).
_PARALLEL_FROM = 2000


@attrs.define
class Report:
    """What a scan found, what it read and what it skipped."""

    findings: list[Finding] = attrs.field(factory=list)
    skipped: list[Skipped] = attrs.field(factory=list)
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    #: whether each finding says if ``compat migrate`` rewrites it (see ``fixable=``).
    fixable_known: bool = False
    #: findings a ``compat: ignore`` comment accepted.
    suppressed: int = 0

    @property
    def errors(self) -> list[Skipped]:
        return [s for s in self.skipped if s.is_error]


#: compat's own files: its reports (JSON and SARIF, GitHub annotations, text) and its
#: cache, told by their head: each by a word a plain search finds first (a regular
#: expression of alternatives is tried at every position of the head), then by its
#: pattern.
_REPORT = "compat's own report"
_OWN_FILES = [
    (b'"compat', re.compile(rb'"name": "compat[ -]audit"'), _REPORT),
    (
        b"title=CPT",
        re.compile(rb"^::(?:error|warning|notice) [^\n]*title=CPT\d{3} ", re.M),
        _REPORT,
    ),
    (b" CPT", re.compile(rb"^  \d+:\d+ +(?:error|warning|note) +CPT\d{3} ", re.M), _REPORT),
    (
        b'"compat',
        re.compile(rb'^\{"tool": "' + re.escape(SIGNATURE.encode())),
        "compat's own cache",
    ),
]
_HEAD = 4096


def _own_file(data: bytes) -> Optional[str]:
    """Why ``data`` is not read: one of compat's own files (by its first :data:`_HEAD`
    bytes); else None."""
    head = data[:_HEAD]
    for word, pattern, reason in _OWN_FILES:
        if word in head and pattern.search(head):
            return reason
    return None


@attrs.frozen
class FileResult:
    """What one file gave: its findings, and how many a comment suppressed."""

    findings: list[Finding]
    suppressed: int = 0


def scan_file(
    path: str, max_bytes: int = DEFAULT_MAX_BYTES, fixable: Optional[Fixable] = None
) -> Union[FileResult, Skipped]:
    """The findings of one file (read once), or why it was skipped."""
    return _scan_file(path, max_bytes, fixable, None)[0]


def _scan_file(
    path: str, max_bytes: int, fixable: Optional[Fixable], cache: Optional[Cache]
) -> tuple[Union[FileResult, Skipped], int]:
    """:func:`scan_file`, and the file's size (0 for one not read: over ``max_bytes``,
    or unreadable)."""
    try:
        data, size = read_capped(path, max_bytes, binary=_binary)
    except OSError as err:
        return Skipped(path, f"unreadable: {err.strerror}"), 0
    if data is None:
        return Skipped(path, _too_large(max_bytes)), 0
    if _binary(data):
        return Skipped(path, "binary"), size
    return _scan_text(path, data, fixable, cache), size


def _binary(data: bytes) -> bool:
    """Whether a file is binary, by its first bytes: a NUL in them."""
    return data.find(b"\0", 0, 8192) >= 0


def _scan_text(
    path: str, data: bytes, fixable: Optional[Fixable], cache: Optional[Cache]
) -> Union[FileResult, Skipped]:
    if not gate_or_directive(data):  # most files: one look
        return FileResult([])
    if not gate(data):
        if suppress.BYTES.search(data) is None:
            return FileResult([])
        # only directives here: each suppresses nothing
        text = data.decode("utf-8", "surrogateescape")
        return FileResult(suppress.apply(path, (), suppress.directives(text))[2])
    own = _own_file(data)
    if own is not None:
        return Skipped(path, own)
    if cache is None:
        return _scanned(path, data, fixable)
    key = os.path.join(os.getcwd(), path)
    digest = depends.digest(data)
    kept = cache.take(key, digest, path)
    if kept is not None:
        return FileResult(*kept)
    with depends.recording() as facts:  # the project modules the codemod looks at
        result = _scanned(path, data, fixable)
    cache.keep(key, digest, facts, result.findings, result.suppressed)
    return result


def _scanned(path: str, data: bytes, fixable: Optional[Fixable]) -> FileResult:
    text = _text(path, data)
    findings = _findings(path, text, fixable)
    kept, suppressed, unused = suppress.apply(path, findings, suppress.directives(text))
    return FileResult(kept + unused, suppressed)


def _text(path: str, data: bytes) -> str:
    """A file's text: a Python source as Python (and ``compat migrate``) reads it, in the
    encoding its BOM or coding cookie names; anything else as UTF-8. Bytes that do not
    decode become escapes (lone surrogates), so that every file is scanned."""
    if family_of(path) == "python":
        try:
            return python_text(data)[0]
        except ValueError:
            pass
    return data.decode("utf-8", "surrogateescape")


def _findings(path: str, text: str, fixable: Optional[Fixable]) -> list[Finding]:
    family = family_of(path)
    if family != "python":  # the codemod rewrites Python only
        return [attrs.evolve(f, fixable=False) for f in scan_text(path, text, family)]
    findings = scan_python(path, text)
    if fixable is not None and any(f.rule_info.fixable for f in findings):
        rewritten = fixable(text, path=path)
        return [
            attrs.evolve(f, fixable=f.rule_info.fixable and f.line in rewritten) for f in findings
        ]
    # None: the codemod may rewrite it, but no one asked it
    unknown = fixable is None
    return [
        f if unknown and f.rule_info.fixable else attrs.evolve(f, fixable=False) for f in findings
    ]


def _too_large(max_bytes: int) -> str:
    return f"too large (over {max_bytes} bytes)"


#: in a worker: the cache it was started with (the entries it uses or makes for a chunk
#: are sent back with the chunk's results)
_CACHE: Optional[Cache] = None


def _start_worker(cache: Optional[Cache]) -> None:
    global _CACHE
    _CACHE = cache
    elsewhere.start_worker()
    if cache is not None:
        cache.handed()  # the entries of the scan so far stay the scan's


def _scan_chunk(
    paths: list[str], max_bytes: int, fixable: Optional[Fixable]
) -> tuple[int, int, list[Union[FileResult, Skipped]], Optional[tuple[dict[str, Entry], bool]]]:
    """How many files a worker took, the bytes it read, and what it has to say of them
    (most files: nothing, and nothing is sent back for them); and the entries of the
    cache it used or made."""
    cache = _CACHE
    kept = []
    read = 0
    for path in paths:
        result, size = _scan_file(path, max_bytes, fixable, cache)
        read += size
        if _says(result):
            kept.append(result)
    return len(paths), read, kept, None if cache is None else cache.handed()


def _says(result: Union[FileResult, Skipped]) -> bool:
    """Whether a file's result has anything for the report."""
    return isinstance(result, Skipped) or bool(result.findings or result.suppressed)


#: The order of findings (the fields they are ordered by, as a key: attrs' ``__lt__``
#: builds both tuples at each comparison, ten times slower on a tree of legacy code).
_ORDER = operator.attrgetter(*(field.name for field in attrs.fields(Finding) if field.order))

#: Files a worker takes at a time, at most.
_CHUNK = 512
#: One process scans this long before it shares the work out (starting workers costs
#: about what scanning for this long does) ...
_SERIAL_SECONDS = 0.25
#: ... in chunks that each take about this long at the pace seen so far (files the
#: codemod is run on take some 20 ms each).
_CHUNK_SECONDS = 0.1


def _chunks(paths: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(paths)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _shareable(fixable: Optional[Fixable]) -> bool:
    """Whether ``fixable`` can be sent to worker processes (pickled)."""
    import pickle

    try:
        pickle.dumps(fixable)
    except Exception:  # pickling fails in many ways (TypeError, PicklingError, ...)
        return False
    return True


#: Told how many files are done, of how many (for a progress line).
Progress = Callable[[int, int], None]


@elsewhere.run()  # the project's files looked at once for the run
def scan_report(
    paths: Iterable[Union[str, os.PathLike[str]]],
    *,
    exclude: Sequence[str] = (),
    jobs: Optional[int] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fixable: Optional[Fixable] = None,
    select: Optional[Collection[str]] = None,
    ignore: Collection[str] = (),
    gitignore: bool = True,
    skip: Iterable[str] = (),
    progress: Optional[Progress] = None,
    cache: Optional[Cache] = None,
) -> Report:
    """Scan files and folders; :class:`Report` of findings, files read and skipped.

    :param exclude: patterns of files and folders to leave out: one without ``/``
        matches a name anywhere, one with ``/`` a path relative to the folder given
        (or as shown, that folder included), or an absolute path.
    :param jobs: worker processes (default: one per core, for large trees).
    :param fixable: to say of each finding whether ``compat migrate`` rewrites it,
        pass :func:`compat.migrate.fixable_lines` (it needs the ``migrate`` extra).
        Without it, findings of the rules it may rewrite have ``fixable`` None.
    :param select: the rule ids reported (default: all); :param ignore: those not.
    :param gitignore: inside a git work tree, leave out what git ignores.
    :param skip: files never read (the report being written).
    :param progress: called with the files done and the files to read, as they go.
    :param cache: the results of earlier runs, taken for files (and the project modules
        they rest on) that did not change since, and saved with this run's; it must
        have been opened for everything else the results depend on (``fixable`` above
        all), as ``compat audit`` does (:class:`compat.audit.Cache`).
    :raises FileNotFoundError: a path given does not exist.
    """
    started = time.perf_counter()
    report = Report(fixable_known=fixable is not None)
    walk = iter_files([os.fspath(p) for p in paths], exclude, gitignore=gitignore, skip=skip)
    results: list[Union[FileResult, Skipped]] = []
    found = 0  # files to read, found so far
    done = 0

    def files() -> Iterator[str]:
        nonlocal found
        for item in walk:
            if isinstance(item, Skipped):
                report.skipped.append(item)
            else:
                found += 1
                yield item

    def take(kept: Iterable[Union[FileResult, Skipped]], count: int, read: int) -> None:
        nonlocal done
        done += count
        report.bytes += read
        results.extend(kept)
        if progress is not None:
            progress(done, found)

    queue = files()
    first = list(itertools.islice(queue, _PARALLEL_FROM))
    rest = itertools.chain(first, queue)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and not _shareable(fixable):
        workers = 1  # a lambda or a closure: workers could not be given it
    size = _CHUNK
    if workers == 1 or len(first) < _PARALLEL_FROM:
        # fewer files than pay for workers, unless they are costly to scan (most get
        # through the gate): one process, until the work done says otherwise
        began = time.perf_counter()
        for path in rest:
            result, size = _scan_file(path, max_bytes, fixable, cache)
            take([result] if _says(result) else [], 1, size)
            spent = time.perf_counter() - began
            if workers > 1 and spent > _SERIAL_SECONDS:
                size = max(1, min(_CHUNK, int(_CHUNK_SECONDS * done / spent)))
                break
    if workers > 1 and (more := next(rest, None)) is not None:
        # the walk goes on while the workers read: chunks are handed out as found
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(cache,)) as pool:
            pending = [
                pool.submit(_scan_chunk, chunk, max_bytes, fixable)
                for chunk in _chunks(itertools.chain([more], rest), size)
            ]
            for future in pending:
                count, read, kept, used = future.result()
                take(kept, count, read)
                if cache is not None and used is not None:
                    cache.merge(*used)
    wanted = {r.id for r in RULES} if select is None else set(select)
    wanted.difference_update(ignore)
    for result in results:
        if isinstance(result, Skipped):
            report.skipped.append(result)
        else:
            report.findings.extend(f for f in result.findings if f.rule in wanted)
            report.suppressed += result.suppressed
    report.files = found - sum(1 for r in results if isinstance(r, Skipped))
    report.findings.sort(key=_ORDER)
    if cache is not None:
        cache.save()
    report.seconds = time.perf_counter() - started
    return report


def scan(
    paths: Iterable[Union[str, os.PathLike[str]]],
    *,
    exclude: Sequence[str] = (),
    jobs: Optional[int] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    fixable: Optional[Fixable] = None,
    select: Optional[Collection[str]] = None,
    ignore: Collection[str] = (),
    gitignore: bool = True,
) -> list[Finding]:
    """Every deprecated use under ``paths``, sorted by file and position (the
    parameters are :func:`scan_report`'s)."""
    return scan_report(
        paths,
        exclude=exclude,
        jobs=jobs,
        max_bytes=max_bytes,
        fixable=fixable,
        select=select,
        ignore=ignore,
        gitignore=gitignore,
    ).findings
