"""What both source tools look for, and how they walk a tree: one package, shared.

``compat audit`` and ``compat migrate`` read from here, and neither imports the
other: the legacy paths, the cheap gate, the file walk and what a module binds
of compat (this module); the rules and their findings (:mod:`.rules`); the scan
of any text (:mod:`.text`) and of Python sources (:mod:`.python`), which the
audit reports and the codemod marks what it leaves behind by.
"""

from __future__ import annotations

import fnmatch
import operator
import os
import re
import stat
import subprocess
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
    "gate",
    "git_visible",
    "iter_files",
    "read_bytes",
    "read_capped",
    "searcher",
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


def _cover(needles: Sequence[bytes]) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """The needles under fewer keys, each a piece of 4 bytes or more that its needles
    share (``send`` for sendInbox, send_inbox, ...): a file lacking every key lacks every
    needle, and each key costs one pass over the file. Chosen greedily: the key shared by
    the most needles not yet covered, the longest of those."""
    left = list(dict.fromkeys(needles))
    cover: list[tuple[bytes, tuple[bytes, ...]]] = []
    while left:
        best = left[0]
        group: tuple[bytes, ...] = (best,)
        for needle in left:
            for size in range(len(needle), 3, -1):
                for start in range(len(needle) - size + 1):
                    key = needle[start : start + size]
                    shared = tuple(n for n in left if key in n)
                    if (len(shared), len(key)) > (len(group), len(best)):
                        best, group = key, shared
        cover.append((best, group))
        left = [n for n in left if n not in group]
    return cover


#: What a suppression comment (``compat: ignore``) starts with.
DIRECTIVE = b"compat:"


def _holds(data: bytes, cover: list[tuple[bytes, tuple[bytes, ...]]]) -> bool:
    for key, needles in cover:
        if key in data and (
            (len(needles) == 1 and key == needles[0]) or any(n in data for n in needles)
        ):
            return True
    return False


def searcher(needles: Sequence[bytes], *, accelerated: bool = True) -> Callable[[bytes], bool]:
    """Whether bytes hold any of ``needles``: in one pass with ahocorasick-rs (the
    ``speedups`` extra: Aho-Corasick with a SIMD prefilter, the search ripgrep runs,
    some 6 GB/s), else in as few passes of ``bytes.__contains__`` as :func:`_cover`
    finds keys (about 0.4 GB/s for the gate's needles)."""
    if accelerated:
        try:
            from ahocorasick_rs import MATCHKIND_LEFTMOST_FIRST, BytesAhoCorasick
        except ImportError:
            pass
        else:
            # leftmost-first, not the standard kind: only it takes the prefilter, and a
            # file holding a needle has a leftmost match all the same
            find = BytesAhoCorasick(needles, matchkind=MATCHKIND_LEFTMOST_FIRST)
            return lambda data: bool(find.find_matches_as_indexes(data))
    cover = _cover(needles)
    return lambda data: _holds(data, cover)


#: :data:`GATE`'s search; and with :data:`DIRECTIVE`: the audit's first look at a file.
_GATE = [searcher(GATE)]
_GATE_OR_DIRECTIVE = [searcher([*GATE, DIRECTIVE])]


def gate(data: bytes) -> bool:
    """Whether ``data`` holds any needle of :data:`GATE` (see :func:`searcher`)."""
    return _GATE[0](data)


def gate_or_directive(data: bytes) -> bool:
    """Whether ``data`` holds a needle of :data:`GATE` or a :data:`DIRECTIVE` (all that
    most files are read for, in the same one look as :func:`gate`)."""
    return _GATE_OR_DIRECTIVE[0](data)


def refresh() -> None:
    """Rebuild the patterns and the gate from the spec (after an endpoint is registered)."""
    PATHS.refresh()
    RELATIVE_PATHS.refresh()
    GATE[:] = _gate()
    _GATE[0] = searcher(GATE)
    _GATE_OR_DIRECTIVE[0] = searcher([*GATE, DIRECTIVE])


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


def python_text(data: bytes) -> tuple[str, str]:
    """The text of a Python source and its encoding, as Python reads it (a UTF-8 BOM, a
    PEP 263 coding cookie, else UTF-8); ValueError saying why when it does not decode."""
    # most sources: no BOM, no "coding" in the two lines a cookie may be on, and valid
    # UTF-8, which is then their encoding (as the tokenizer's look finds, at a tenth of
    # its cost); anything else takes that look
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    if data.startswith(_BOM) or b"coding" in (data if second < 0 else data[:second]):
        return _tokenizer_text(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # why, as the tokenizer's look says it
        return _tokenizer_text(data)


def _tokenizer_text(data: bytes) -> tuple[str, str]:
    """:func:`python_text`, by the tokenizer's look for a BOM or a coding cookie."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as err:  # bytes that are not UTF-8, or a cookie naming no codec
        why = "unknown encoding" if "unknown encoding" in str(err) else "not UTF-8"
        raise ValueError(f"{why} (no PEP 263 coding cookie says otherwise)") from None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise ValueError(f"not valid {encoding}, as its coding cookie says") from None


_BOM = b"\xef\xbb\xbf"

#: Files larger than this are skipped, by both tools (and reported as skipped).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


#: The first read of a file: most files of a tree are smaller.
_FIRST_READ = 1 << 16
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def read_bytes(path: str, limit: int) -> bytes:
    """The bytes of ``path``: all of them, or at least ``limit`` when it is longer. Read
    with the system's calls alone (a file object costs a third of the time of reading a
    tree of small files); :class:`OSError` as ``open`` raises it."""
    fd = os.open(path, _READ_FLAGS)
    try:
        return _read(fd, limit)
    finally:
        os.close(fd)


def read_capped(
    path: str, max_bytes: int, *, binary: Optional[Callable[[bytes], bool]] = None
) -> tuple[Optional[bytes], int]:
    """The bytes of ``path`` and its size; None for the bytes when it holds more than
    ``max_bytes``: told by ``fstat`` before anything is read (the walk does not stat
    files), or by reading, when it grew since. :class:`OSError` as ``open`` raises it.

    :param binary: told the first bytes read; when it says they are binary, only those
        are returned (a binary file is not read to its end to be skipped).
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            return None, size
        first = os.read(fd, _FIRST_READ)
        if binary is not None and binary(first):
            return first, size
        data = _read(fd, max_bytes + 1, first)
    finally:
        os.close(fd)
    return (None if len(data) > max_bytes else data), size


def _read(fd: int, limit: int, first: Optional[bytes] = None) -> bytes:
    data = os.read(fd, _FIRST_READ) if first is None else first
    chunks = [data]
    total = len(data)
    while data and total < limit:
        data = os.read(fd, max(_FIRST_READ, total))
        chunks.append(data)
        total += len(data)
    if len(chunks) > 1 and not chunks[-1]:
        chunks.pop()  # the end of the file
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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


def _pattern(pattern: str) -> str:
    pattern = pattern.replace(os.sep, "/").rstrip("/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


class _Excluded:
    """Whether a pattern names an entry: a pattern with no ``/`` matches its name
    anywhere; one with a ``/`` its path, relative to the root given or as shown (root
    included), or, when the pattern is absolute, its absolute path. The patterns of
    each kind are one compiled expression, matched once an entry."""

    def __init__(self, patterns: Sequence[str]) -> None:
        def one(kind: list[str]) -> Optional[Callable[[str], object]]:
            if not kind:
                return None
            return re.compile("|".join(fnmatch.translate(p) for p in kind), re.S).match

        self.name = one([p for p in patterns if "/" not in p])
        self.absolute = one([p for p in patterns if "/" in p and os.path.isabs(p)])
        self.path = one([p for p in patterns if "/" in p and not os.path.isabs(p)])
        self.any = bool(patterns)

    def __call__(self, relative: str, shown: str, absolute: str, name: str) -> bool:
        if self.name is not None and self.name(name):
            return True
        if self.absolute is not None and self.absolute(absolute.replace(os.sep, "/")):
            return True
        return self.path is not None and bool(self.path(relative) or self.path(_shown(shown)))


def _shown(path: str) -> str:
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def git_visible(folder: str) -> Optional[frozenset[str]]:
    """The files git does not ignore under ``folder`` (tracked, or untracked and not
    ignored by ``.gitignore``, ``.git/info/exclude`` or the global excludes), relative
    to it; None outside a git work tree or without git."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=folder,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(name for name in names if name)


def _folders(files: Iterable[str]) -> frozenset[str]:
    """Every folder holding one of ``files`` (relative paths), at any depth."""
    folders = set()
    for name in files:
        head = name.rpartition("/")[0]
        while head and head not in folders:
            folders.add(head)
            head = head.rpartition("/")[0]
    return frozenset(folders)


_NAME = operator.attrgetter("name")


def _overlap(roots: Sequence[str]) -> bool:
    """Whether a root (absolute, normalised) is another one or lies inside it."""
    inside = [r if r.endswith(os.sep) else r + os.sep for r in roots]
    return any(
        i != j and (a == b or a.startswith(inside[j]))
        for i, a in enumerate(roots)
        for j, b in enumerate(roots)
    )


def iter_files(
    roots: Iterable[str],
    exclude: Sequence[str] = (),
    *,
    gitignore: bool = True,
    skip: Iterable[str] = (),
) -> Iterator[Union[str, Skipped]]:
    """Each file under ``roots``, or a Skipped for what is not read; each file once,
    however the roots overlap. Files are not statted (their size is told when they are
    opened: :func:`read_capped`).

    :param exclude: patterns of files and folders left out (see :class:`_Excluded`).
    :param gitignore: inside a git work tree, leave out what git ignores
        (``git ls-files``); a file named in ``roots`` is read all the same.
    :param skip: files never read (the report being written), said as skipped.

    A file named in ``roots`` is read through a symbolic link; inside a folder, links
    are not followed (they may lead out of the tree; what they point to inside it is
    walked where it is). Named pipes, devices and sockets are never opened.
    :raises FileNotFoundError: a root does not exist.
    """
    roots = list(roots)
    excluded = _Excluded([_pattern(p) for p in exclude])
    never = {os.path.normcase(os.path.abspath(p)) for p in skip}
    seen: set[str] = set()
    # paths are told apart as written: roots none of which is (in) another give no path twice
    track = _overlap([os.path.normcase(os.path.abspath(r)) for r in roots])

    def fresh(absolute: str) -> Optional[bool]:
        """True: to read; False: read already (the roots overlap); None: never read."""
        if not (track or never):
            return True
        key = os.path.normcase(absolute)
        if key in never:
            return None
        if key in seen:
            return False
        if track:
            seen.add(key)
        return True

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
            state = fresh(os.path.abspath(root))
            if state is None:
                yield Skipped(root, "the report being written")
            elif state:
                yield root
            continue
        if not stat.S_ISDIR(info.st_mode):
            yield Skipped(root, "not a regular file")
            continue
        visible = git_visible(root) if gitignore else None
        if not visible:  # not in a work tree, or a folder git ignores whole: named, so read
            visible = None
        visible_folders = _folders(visible) if visible is not None else frozenset()
        stack = [(root, os.path.abspath(root), "")]
        while stack:
            folder, absolute, relative = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=_NAME)
            except OSError as err:
                yield Skipped(folder, f"unreadable: {err.strerror}")
                continue
            subfolders = []
            above = relative + "/" if relative else ""
            inside = absolute if absolute.endswith(os.sep) else absolute + os.sep
            for entry in entries:
                name = entry.name
                inner = above + name
                inner_absolute = inside + name
                if excluded.any and excluded(inner, entry.path, inner_absolute, name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if visible is not None and inner not in visible_folders:
                            continue  # ignored by git, or holds nothing it sees
                        if name in SKIPPED_DIRS:
                            yield Skipped(entry.path, f"folder: {name}")
                        elif os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                            yield Skipped(entry.path, "folder: virtual environment")
                        else:
                            subfolders.append((entry.path, inner_absolute, inner))
                    elif visible is not None and inner not in visible:
                        continue  # a file or a link git ignores
                    elif entry.is_file(follow_symlinks=False):
                        state = fresh(inner_absolute)
                        if state is None:
                            yield Skipped(entry.path, "the report being written")
                        elif state:
                            yield entry.path
                    elif entry.is_symlink():
                        broken = not os.path.exists(entry.path)
                        why = "broken symbolic link" if broken else "symbolic link (not followed)"
                        yield Skipped(entry.path, why)
                except OSError as err:
                    yield Skipped(entry.path, f"unreadable: {err.strerror}")
            stack.extend(reversed(subfolders))
