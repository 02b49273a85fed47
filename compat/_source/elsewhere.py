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
    without its file, no project) that may give ``name`` another value than the one a
    rewrite writes out; None when there is none.

    ``owner``: the class whose body binds the constant (read through ``self``, ``cls``
    or the class); None for a module's constant. Counted: an attribute of that name
    set, or deleted, on anything (on ``self``/``cls`` only in a subclass of ``owner``),
    a call setting it by its name (``setattr``, ``monkeypatch.setattr``, ``mock.patch``)
    and, for a class's constant, a subclass of ``owner`` (by the names of the bases)
    binding it in its body."""
    if path is None:
        return None
    return places(depends.project_root(path), name, owner)


def places(root: str, name: str, owner: Optional[str]) -> Optional[Place]:
    """:func:`set_elsewhere` for the project in the folder ``root``."""
    key = ("places", root, name, owner)
    place, facts = _memo(key, lambda: _recorded(root, name, owner))
    depends.tell_again(facts)  # for each file that asks (the audit keeps them by file)
    return place


def _recorded(root: str, name: str, owner: Optional[str]) -> tuple[Optional[Place], list[Fact]]:
    """:func:`_first_place`, and the facts it rests on."""
    with depends.recording() as facts:
        place = _first_place(root, name, owner)
    return place, facts


def _first_place(root: str, name: str, owner: Optional[str]) -> Optional[Place]:
    found: list[tuple[str, int]] = []
    for file in _holding(root, name):
        tree = _tree(file)
        if tree is not None:
            found.extend((file, line) for line in _Setters(root, name, owner).lines(tree))
    if not found:
        return None
    file, line = min(found)
    return f"{os.path.relpath(file, root)}:{line} ({_code(file, line)})"


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
    code = text.splitlines()[line - 1].strip()
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

    def __init__(self, root: str, name: str, owner: Optional[str]) -> None:
        self.root = root
        self.name = name
        self.owner = owner

    def lines(self, tree: ast.Module) -> list[int]:
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
                if not isinstance(child.ctx, ast.Load) and self._receiver_counts(child, cls):
                    found.append(child.lineno)
            elif isinstance(child, ast.Call) and self._sets_by_name(child):
                found.append(child.lineno)
            self._visit(child, cls, found)

    def _receiver_counts(self, target: ast.Attribute, cls: Optional[ast.ClassDef]) -> bool:
        """``x.NAME = ...`` sets it; ``self.NAME``/``cls.NAME`` only in a subclass of the
        constant's class (an instance's own attribute otherwise)."""
        receiver = target.value
        if not (isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")):
            return True
        return self.owner is not None and cls is not None and self._below(cls)

    def _sets_by_name(self, call: ast.Call) -> bool:
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
        # (obj, "NAME", ...), as setattr, monkeypatch.setattr and mock.patch.object take it
        return called != "patch" and len(args) == 2 and args[1] == self.name

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
                above.extend(b for c in _classes_named(self.root, base) for b in _base_names(c))
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
