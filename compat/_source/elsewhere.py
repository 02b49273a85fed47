"""Where another module of the project sets a constant a rewrite writes out.

``compat migrate`` rewrites a call that posts to a constant (``settings.INBOX_PATH``,
``self.INBOX_PATH``, a module's own ``INBOX_PATH``) by writing the new path out in the
call, and leaves the constant as it is. That sends what the shim sent only while the
constant holds the value its module binds. Another module of the project may set it to
something else (``settings.INBOX_PATH = os.environ[...]``, ``setattr``, a test's
``monkeypatch.setattr`` or ``mock.patch``), or bind it again in a subclass
(``class Dana(Notifier): INBOX_PATH = "/dana/..."``): then the call is left for manual
work, with the place named.

The project: the Python files under the folder above the module's top package (where
Python finds the project's absolute imports), as compat walks a tree (virtual
environments and the like left out), each looked at only when its bytes hold the name.
Within one run of ``compat migrate`` or ``compat audit`` (:func:`run`) the project is
walked and each file read at most once for a name; outside one, every look is fresh.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
from typing import TYPE_CHECKING, Callable, Optional, TypeVar, cast

from . import DEFAULT_MAX_BYTES, depends, iter_files, python_text, read_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .depends import Fact

T = TypeVar("T")

__all__ = ["Place", "run", "set_elsewhere"]

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
    root = depends.project_root(path)
    own = os.path.relpath(os.path.abspath(path), root)
    found = [place for place in places(root, name, owner) if place[0] != own]
    if not found:
        return None
    file, line = found[0]
    return f"{file}:{line} ({_code(os.path.join(root, file), line)})"


def own_place(source: str, name: str, owner: Optional[str], path: Optional[str]) -> Optional[Place]:
    """:func:`set_elsewhere` in the module's own ``source`` (a place told by its line;
    bases followed through the project of ``path`` too)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    root = None if path is None else depends.project_root(path)

    def named(base: str) -> list[ast.ClassDef]:
        here = [c for c in classes if c.name == base]
        return here + (_classes_named(root, base) if root is not None else [])

    lines = _Setters(name, owner, named).lines(tree)
    if not lines:
        return None
    return f"line {min(lines)} ({_shortened(source.splitlines()[min(lines) - 1])})"


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
    setters = _Setters(name, owner, lambda base: _classes_named(root, base))
    # the files naming it, and those that may set any name (setattr(obj, key, value))
    for file in sorted({*_holding(root, name), *_holding(root, "setattr")}):
        tree = _tree(file)
        if tree is not None:
            found.extend((os.path.relpath(file, root), line) for line in setters.lines(tree))
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


def _tree(file: str) -> Optional[ast.Module]:
    def parse() -> Optional[ast.Module]:
        try:
            return ast.parse(python_text(read_bytes(file, DEFAULT_MAX_BYTES))[0])
        except (OSError, ValueError, SyntaxError, RecursionError):
            return None

    return _memo(("tree", file), parse)


def _code(file: str, line: int) -> str:
    try:
        text = python_text(read_bytes(file, DEFAULT_MAX_BYTES))[0]
    except (OSError, ValueError):  # pragma: no cover - it was just parsed
        return ""
    return _shortened(text.splitlines()[line - 1])


def _shortened(line: str) -> str:
    code = line.strip()
    return code if len(code) <= _CODE else code[: _CODE - 3] + "..."


def _base_names(cls: ast.ClassDef) -> list[str]:
    names = []
    for base in cls.bases:
        while isinstance(base, ast.Subscript):  # Generic[T], Base[int]
            base = base.value
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


class _Setters:
    """The lines of one module that may set ``name``."""

    def __init__(
        self, name: str, owner: Optional[str], classes: Callable[[str], list[ast.ClassDef]]
    ) -> None:
        self.name = name
        self.owner = owner
        #: the classes of a name (where bases are followed)
        self.classes = classes
        self.modules: set[str] = set()

    def lines(self, tree: ast.Module) -> list[int]:
        # what setattr(obj, key, value) may set a constant on: a module or class the
        # module imports or defines (not a variable: setattr(user, field, value))
        self.modules = {
            (alias.asname or alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        } | {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
        found: list[int] = []
        self._visit(tree, None, found)
        return found

    def _visit(self, node: ast.AST, cls: Optional[ast.ClassDef], found: list[int]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if self.owner is not None:
                    line = self._binds(child)
                    if line is not None and self._below(child):
                        found.append(line)
                self._visit(child, child, found)
                continue
            if isinstance(child, ast.Attribute) and child.attr == self.name:
                if not isinstance(child.ctx, ast.Load) and self._receiver_counts(child.value, cls):
                    found.append(child.lineno)
            elif isinstance(child, ast.Call) and self._sets_by_name(child, cls):
                found.append(child.lineno)
            self._visit(child, cls, found)

    def _receiver_counts(self, receiver: ast.expr, cls: Optional[ast.ClassDef]) -> bool:
        """Whether ``receiver.NAME = ...`` may set the constant: for a class's, on anything
        (an instance's own attribute is what ``self.NAME`` reads) but ``self``/``cls``
        outside the class and its subclasses; for a module's, on a module or class the
        file imports or defines (``settings.NAME``, not ``user.NAME``)."""
        while isinstance(receiver, ast.Attribute):  # app.settings.NAME
            receiver = receiver.value
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            return self.owner is not None and cls is not None and self._below_or_is(cls)
        if self.owner is not None:
            return True
        return isinstance(receiver, ast.Name) and receiver.id in self.modules

    def _below_or_is(self, cls: ast.ClassDef) -> bool:
        return cls.name == self.owner or self._below(cls)

    def _sets_by_name(self, call: ast.Call, cls: Optional[ast.ClassDef]) -> bool:
        func = call.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called == "multiple":  # mock.patch.multiple(obj, NAME=...)
            return any(keyword.arg == self.name for keyword in call.keywords)
        if called not in _SETTERS:
            return False
        args = [a.value if isinstance(a, ast.Constant) else None for a in call.args[:2]]
        # ("pkg.mod.NAME", ...), as mock.patch and monkeypatch.setattr take it
        if args and isinstance(args[0], str) and args[0].endswith("." + self.name):
            return True
        if called == "patch" or len(call.args) < 2:
            return False
        # (obj, "NAME", ...), as setattr, monkeypatch.setattr and mock.patch.object take
        # it; setattr(obj, key, ...) may set any name
        receiver = call.args[0]
        if args[1] == self.name:
            return self._receiver_counts(receiver, cls)
        if called != "setattr" or isinstance(call.args[1], ast.Constant):
            return False
        # a name not written out: on a module or class the file imports or defines (or
        # self/cls of the class), not on any object (setattr(user, field, value))
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            return self._receiver_counts(receiver, cls)
        return isinstance(receiver, ast.Name) and receiver.id in self.modules

    def _binds(self, cls: ast.ClassDef) -> Optional[int]:
        """The line where the body of ``cls`` binds ``name``; None when it does not."""
        for statement in cls.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if statement.name == self.name:
                    return statement.lineno
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
                    if isinstance(node, ast.Name) and node.id == self.name:
                        return statement.lineno
        return None

    def _below(self, cls: ast.ClassDef) -> bool:
        """Whether ``cls`` is a subclass of the constant's class, by the names of its
        bases, followed through the project's classes of those names."""
        seen = {cls.name}
        bases = _base_names(cls)
        for _ in range(_BASES):
            if self.owner in bases:
                return True
            above: list[str] = []
            for base in bases:
                if base in seen:
                    continue
                seen.add(base)
                above.extend(b for c in self.classes(base) for b in _base_names(c))
            if not above:
                return False
            bases = above
        return True  # deeper than followed: it may be


def _classes_named(root: str, name: str) -> list[ast.ClassDef]:
    """The classes of the project named ``name``."""

    def find() -> list[ast.ClassDef]:
        found: list[ast.ClassDef] = []
        for file in _holding(root, name):
            tree = _tree(file)
            if tree is not None:
                found.extend(
                    n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name
                )
        return found

    return _memo(("classes", root, name), find)
