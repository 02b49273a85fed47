"""``compat migrate`` over files: read, migrate, write or diff, and count."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Optional

import attrs

from .._source import Skipped, iter_files
from . import MigrateError, Options, Result, migrate_source

__all__ = ["FileResult", "Summary", "migrate_file", "migrate_paths", "unified_diff"]

_PARALLEL_FROM = 200


@attrs.frozen
class FileResult:
    path: str
    result: Optional[Result] = None
    skipped: Optional[str] = None
    original: str = ""


@attrs.define
class Summary:
    files: list[FileResult] = attrs.field(factory=list)

    @property
    def changed(self) -> list[FileResult]:
        return [f for f in self.files if f.result is not None and f.result.changed]

    @property
    def rewrites(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for f in self.files:
            if f.result is not None:
                counts.update(f.result.rewrites)
        return counts


def migrate_file(path: str, options: Options) -> FileResult:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        return FileResult(path, skipped=f"unreadable: {err.strerror}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return FileResult(path, skipped="not UTF-8")
    try:
        return FileResult(path, migrate_source(text, options), original=text)
    except MigrateError as err:
        return FileResult(path, skipped=str(err))


def _migrate_chunk(paths: list[str], options: Options) -> list[FileResult]:
    return [migrate_file(path, options) for path in paths]


def python_files(paths: list[str]) -> tuple[list[str], list[Skipped]]:
    files, skipped = [], []
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            if item.is_error:
                skipped.append(item)
        elif item[0].endswith((".py", ".pyi")) or item[0] in paths:
            files.append(item[0])
    return files, skipped


def migrate_paths(paths: list[str], options: Options, jobs: Optional[int] = None) -> Summary:
    files, unreadable = python_files(paths)
    summary = Summary([FileResult(s.path, skipped=s.reason) for s in unreadable])
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(files) >= _PARALLEL_FROM:
        size = max(16, len(files) // (workers * 8))
        chunks = [files[i : i + size] for i in range(0, len(files), size)]
        with ProcessPoolExecutor(workers) as pool:
            for done in pool.map(_migrate_chunk, chunks, [options] * len(chunks)):
                summary.files.extend(done)
    else:
        summary.files.extend(_migrate_chunk(files, options))
    return summary


def write(result: FileResult) -> None:
    assert result.result is not None
    with open(result.path, "w", encoding="utf-8", newline="") as file:
        file.write(result.result.source)


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
