"""What may set a constant that a rewrite writes out, in the module or elsewhere.

``compat migrate`` rewrites a call that posts to a constant (``settings.INBOX_PATH``,
``self.INBOX_PATH``, a module's own ``INBOX_PATH``) by writing the new path out in the
call, and leaves the constant as it is. That sends what the shim sent only while the
constant holds the value its module binds. The module itself or another module of the
project may set it to something else (``settings.INBOX_PATH = os.environ[...]``,
``self.INBOX_PATH = path`` in ``__init__``, ``setattr``, a test's
``monkeypatch.setattr`` or ``mock.patch``), or bind it again in a subclass
(``class Dana(Notifier): INBOX_PATH = "/dana/..."``): then the call is left for manual
work, with the place named.

The project: the Python files under the folder above the module's top package (where
Python finds the project's absolute imports), as compat walks a tree (virtual
environments and the like left out), each looked at only when its bytes hold the name
(or ``setattr``). A file looked at is parsed once into a small :class:`Index` (what it
may set, its classes). Within one run of ``compat migrate`` or ``compat audit``
(:func:`run`) the project is walked, and each file read and indexed, once; outside
one, every look is fresh.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, TypeVar, cast

from . import DEFAULT_MAX_BYTES, depends, iter_files, python_text, read_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .depends import Fact

T = TypeVar("T")

__all__ = [
    "Index",
    "Place",
    "index_of",
    "own_index",
    "own_place",
    "places",
    "run",
    "set_elsewhere",
]

#: A place that may set the constant: its file relative to the project's folder, its
#: line and the line's code, shortened (``svc/notify.py:7 (settings.INBOX_PATH = ...)``).
Place = str

#: the calls that set an attribute named by a string: ``setattr(obj, "NAME", value)``,
#: ``monkeypatch.setattr(obj, "NAME", ...)`` or ``("pkg.mod.NAME", ...)``,
#: ``mock.patch("pkg.mod.NAME")``, ``mock.patch.object(obj, "NAME")``,
#: ``mock.patch.multiple(obj, NAME=...)`` (and the same with ``delattr``)
_SETTERS = frozenset({"setattr", "delattr", "patch", "object"})
#: bases followed up from a class, at most
_BASES = 10
_CODE = 60

#: while inside :func:`run`: what was found, by the look's arguments
_MEMO: Optional[dict[tuple[object, ...], object]] = None


@contextlib.contextmanager
def run() -> Iterator[None]:
    """One run: the project's files are listed, read and parsed once while inside
    (nested runs share the outer one's)."""
    global _MEMO
    if _MEMO is not None:
        yield
        return
    _MEMO = {}
    try:
        yield
    finally:
        _MEMO = None


def start_worker() -> None:
    """In a worker process of a run: the run lasts as long as the process."""
    global _MEMO
    _MEMO = {}


def _memo(key: tuple[object, ...], make: Callable[[], T]) -> T:
    """What ``make`` makes, made once a run."""
    if _MEMO is None:
        return make()
    if key not in _MEMO:
        _MEMO[key] = make()
    return cast("T", _MEMO[key])


def set_elsewhere(path: Optional[str], name: str, owner: Optional[str]) -> Optional[Place]:
    """The first place of the project of the module in ``path`` (None: a source given
    without its file, no project), that module aside, that may give the constant
    ``name`` another value than the one its module binds (what a rewrite would write
    out); None when there is none. The module's own source: :func:`own_place`.

    ``owner``: the class whose body binds the constant (read through ``self``, ``cls``
    or the class); None for a module's constant. Counted: an attribute of that name set
    or deleted on anything (on ``self``/``cls`` only in ``owner`` or a subclass of it);
    a call setting it by its name (``setattr``, ``monkeypatch.setattr``, ``mock.patch``,
    ``mock.patch.object``, ``mock.patch.multiple``), or by a name not written out on a
    module or class the file imports or defines (``setattr(settings, key, value)``);
    and, for a class's constant, a subclass of ``owner`` (by the names of the bases,
    followed through the project) binding it in its body."""
    if path is None:
        return None
    root = _root_of(path)
    own = os.path.relpath(os.path.abspath(path), root)
    found = [place for place in places(root, name, owner) if place[0] != own]
    if not found:
        return None
    file, line = found[0]
    return f"{file}:{line} ({_code(os.path.join(root, file), line)})"


def own_place(
    index: Optional[Index], source: str, name: str, owner: Optional[str], path: Optional[str]
) -> Optional[Place]:
    """:func:`set_elsewhere` in the module's own ``source`` (its :func:`index_of`; a place
    told by its line; bases followed through the project of ``path`` too)."""
    if index is None:
        return None
    root = None if path is None else _root_of(path)

    def named(base: str) -> list[_Class]:
        here = [c for c in index.classes if c.name == base]
        return here + (_classes_named(root, base) if root is not None else [])

    lines = _lines(index, name, owner, named)
    if not lines:
        return None
    return f"line {lines[0]} ({_shortened(source.splitlines()[lines[0] - 1])})"


def _root_of(path: str) -> str:
    """The project's folder of the module in ``path`` (looked up once a run)."""
    return _memo(("root", path), lambda: depends.project_root(path))


#: places: a file (relative to the project's folder) and a line, in order
Places = list[tuple[str, int]]


def places(root: str, name: str, owner: Optional[str]) -> Places:
    """Where the Python files of the project in ``root`` may set ``name`` (see
    :func:`set_elsewhere`): each file relative to ``root``, and the line, in order."""
    key = ("places", root, name, owner)
    found, facts = _memo(key, lambda: _recorded(root, name, owner))
    depends.tell_again(facts)  # for each file that asks (the audit keeps them by file)
    return found


def _recorded(
    root: str, name: str, owner: Optional[str]
) -> tuple[list[tuple[str, int]], list[Fact]]:
    """:func:`_places`, and the facts it rests on."""
    with depends.recording() as facts:
        found = _places(root, name, owner)
    return found, facts


def _places(root: str, name: str, owner: Optional[str]) -> Places:
    found: Places = []
    # the files naming it, and those that may set any name (setattr(obj, key, value))
    for file in sorted({*_holding(root, name), *_holding(root, "setattr")}):
        index = _file_index(file)
        if index is not None:
            lines = _lines(index, name, owner, lambda base: _classes_named(root, base))
            found.extend((os.path.relpath(file, root), line) for line in lines)
    return sorted(found)


def _files(root: str) -> list[str]:
    """The Python files of the project in ``root``."""

    def walk() -> list[str]:
        try:
            return [
                item
                for item in iter_files([root], gitignore=False)
                if isinstance(item, str) and item.endswith(".py")
            ]
        except FileNotFoundError:
            return []

    return _memo(("files", root), walk)


def _holding(root: str, word: str) -> list[str]:
    """The Python files of the project whose bytes hold ``word``; told to the audit's
    cache as a fact (the answers of :func:`places` rest on these files alone)."""
    held, digest = _memo(("holding", root, word), lambda: _search(root, word))
    depends.tell_holding(root, word, digest)
    return held


def holding(path: str, word: str) -> list[str]:
    """The Python files of the project of the module in ``path`` whose bytes hold
    ``word`` (told to the audit's cache)."""
    return _holding(_root_of(path), word)


def holding_digest(root: str, word: str) -> str:
    """A digest of which Python files of the project hold ``word``, and of their bytes."""
    return _memo(("holding", root, word), lambda: _search(root, word))[1]


def _search(root: str, word: str) -> tuple[list[str], str]:
    needle = word.encode()
    held = []
    digest = hashlib.blake2b(digest_size=16)
    for file in _files(root):
        try:
            data = read_bytes(file, DEFAULT_MAX_BYTES + 1)
        except OSError:
            continue
        if needle in data and len(data) <= DEFAULT_MAX_BYTES:
            held.append(file)
            digest.update(f"{os.path.relpath(file, root)}\0{depends.digest(data)}\0".encode())
    return held, digest.hexdigest()


def _file_index(file: str) -> Optional[Index]:
    def make() -> Optional[Index]:
        try:
            return index_of(python_text(read_bytes(file, DEFAULT_MAX_BYTES))[0])
        except (OSError, ValueError):
            return None

    return _memo(("index", file), make)


def _code(file: str, line: int) -> str:
    try:
        text = python_text(read_bytes(file, DEFAULT_MAX_BYTES))[0]
    except (OSError, ValueError):  # pragma: no cover - it was just parsed
        return ""
    return _shortened(text.splitlines()[line - 1])


def _shortened(line: str) -> str:
    code = line.strip()
    return code if len(code) <= _CODE else code[: _CODE - 3] + "..."


class _Class(NamedTuple):
    """A class of a module: its name, the names of its bases, and the line where its
    body binds each name."""

    name: str
    bases: tuple[str, ...]
    binds: dict[str, int]


class _Setter(NamedTuple):
    """What may set an attribute: its line; the attribute's name (None: any, as
    ``setattr(obj, key, value)`` may); what it is set on (the name the receiver starts
    with, or None); the class around it; and whether it names it in a string that says
    on what (``mock.patch("svc.settings.NAME")``, ``patch.multiple(obj, NAME=...)``)."""

    line: int
    name: Optional[str]
    receiver: Optional[str]
    cls: Optional[str]
    by_string: bool = False


class Index(NamedTuple):
    """What one module may set, and its classes (one parse; kept for a run, not the
    tree)."""

    setters: list[_Setter]
    classes: list[_Class]
    #: the modules and classes it imports or defines: what ``setattr(obj, key, value)``
    #: may set a constant on (not a variable: ``setattr(user, field, value)``)
    modules: frozenset[str]


def own_index(source: str, path: Optional[str]) -> Optional[Index]:
    """The :class:`Index` of a module's ``source``: its file's, made once for the run,
    when the file in ``path`` holds that very text (as it does but for a source given
    on stdin or changed in memory)."""
    if path is not None:
        try:
            same = python_text(read_bytes(path, DEFAULT_MAX_BYTES + 1))[0] == source
        except (OSError, ValueError):
            same = False
        if same:
            return _file_index(os.path.abspath(path))
    return index_of(source)


def index_of(source: str) -> Optional[Index]:
    """The :class:`Index` of a Python source; None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    index = Index([], [], frozenset())
    modules: set[str] = set()
    _index(tree, None, index, modules)
    return index._replace(modules=frozenset(modules))


def _index(node: ast.AST, cls: Optional[str], index: Index, modules: set[str]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            modules.add(child.name)
            index.classes.append(_Class(child.name, _base_names(child), _binds(child)))
            _index(child, child.name, index, modules)
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            modules.update((a.asname or a.name).split(".")[0] for a in child.names)
        elif isinstance(child, ast.Attribute) and not isinstance(child.ctx, ast.Load):
            index.setters.append(_Setter(child.lineno, child.attr, _root(child.value), cls))
        elif isinstance(child, ast.Call):
            index.setters.extend(_call_setters(child, cls))
        _index(child, cls, index, modules)


def _root(receiver: ast.expr) -> Optional[str]:
    """The name an attribute's receiver starts with (``app`` of ``app.settings``)."""
    while isinstance(receiver, ast.Attribute):
        receiver = receiver.value
    return receiver.id if isinstance(receiver, ast.Name) else None


def _call_setters(call: ast.Call, cls: Optional[str]) -> list[_Setter]:
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    line = call.lineno
    if called == "multiple":  # mock.patch.multiple(obj, NAME=...)
        return [_Setter(line, k.arg, None, cls, True) for k in call.keywords if k.arg]
    if called not in _SETTERS:
        return []
    args = [a.value if isinstance(a, ast.Constant) else None for a in call.args[:2]]
    found = []
    # ("pkg.mod.NAME", ...), as mock.patch and monkeypatch.setattr take it
    if args and isinstance(args[0], str) and "." in args[0]:
        found.append(_Setter(line, args[0].rsplit(".", 1)[1], None, cls, True))
    if called != "patch" and len(call.args) >= 2:
        # (obj, "NAME", ...), as setattr, monkeypatch.setattr and mock.patch.object take
        # it; setattr(obj, key, ...) may set any name
        receiver = _root(call.args[0])
        if isinstance(args[1], str):
            found.append(_Setter(line, args[1], receiver, cls))
        elif called == "setattr" and not isinstance(call.args[1], ast.Constant):
            found.append(_Setter(line, None, receiver, cls))
    return found


def _base_names(cls: ast.ClassDef) -> tuple[str, ...]:
    names = []
    for base in cls.bases:
        while isinstance(base, ast.Subscript):  # Generic[T], Base[int]
            base = base.value
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return tuple(names)


def _binds(cls: ast.ClassDef) -> dict[str, int]:
    """The names the body of ``cls`` binds, each at its first line."""
    bound: dict[str, int] = {}
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(statement.name, statement.lineno)
            continue
        targets: list[ast.AST] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)) and not (
            isinstance(statement, ast.AnnAssign) and statement.value is None
        ):
            targets = [statement.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound.setdefault(node.id, statement.lineno)
    return bound


def _lines(
    index: Index, name: str, owner: Optional[str], classes: Callable[[str], list[_Class]]
) -> list[int]:
    """The lines of a module (its ``index``) that may set the constant ``name`` (of the
    class ``owner``, or None: of a module); ``classes``: the classes of a name, where
    bases are followed."""
    below = _Below(owner, classes)
    found = []
    for setter in index.setters:
        if setter.name not in (name, None):
            continue
        receiver = setter.receiver
        if setter.by_string:
            counts = True
        elif receiver in ("self", "cls"):  # in the constant's class or a subclass
            around = [c for c in index.classes if c.name == setter.cls]
            counts = owner is not None and any(below(c, itself=True) for c in around)
        elif setter.name is None or owner is None:
            # a module's constant, or any name: on a module or class the file imports or
            # defines (for a class's, an instance's own attribute is what self.NAME reads)
            counts = receiver in index.modules
        else:
            counts = True
        if counts:
            found.append(setter.line)
    if owner is not None:  # a subclass binding it in its body
        found.extend(c.binds[name] for c in index.classes if name in c.binds and below(c))
    return sorted(found)


class _Below:
    """Whether a class is a subclass of the constant's class, by the names of its bases,
    followed through the classes of those names."""

    def __init__(self, owner: Optional[str], classes: Callable[[str], list[_Class]]) -> None:
        self.owner = owner
        self.classes = classes

    def __call__(self, cls: _Class, itself: bool = False) -> bool:
        if itself and cls.name == self.owner:
            return True
        seen = {cls.name}
        bases = list(cls.bases)
        for _ in range(_BASES):
            if self.owner in bases:
                return True
            above: list[str] = []
            for base in bases:
                if base in seen:
                    continue
                seen.add(base)
                above.extend(b for c in self.classes(base) for b in c.bases)
            if not above:
                return False
            bases = above
        return True  # deeper than followed: it may be


def _classes_named(root: str, name: str) -> list[_Class]:
    """The classes of the project named ``name``."""

    def find() -> list[_Class]:
        found: list[_Class] = []
        for file in _holding(root, name):
            index = _file_index(file)
            if index is not None:
                found.extend(c for c in index.classes if c.name == name)
        return found

    return _memo(("classes", root, name), find)
