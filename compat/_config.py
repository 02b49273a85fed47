"""``[tool.compat]`` in the nearest ``pyproject.toml``: defaults for ``compat audit`` and
``compat migrate``; the command line's flags win.

    [tool.compat]
    exclude = ["generated", "docs/legacy/*.md"]
    select = ["CPT001", "CPT002"]        # or ignore = [...]
    fail-on = "error"                    # error, warning (default) or note
    respect-gitignore = true
    max-size = 5242880
    # compat migrate's policy, for raw-HTTP sites
    app-id = "2021004125637654"
    default-redirect-url = "/pages/home"
    overlong-request-id = "digest"
    missing-request-id = "generate"
    unknown-fields = "error"
    keep-moved-parameters = false
    template-codes = { TP_OLD = "TP_NEW" }
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from typing_extensions import TypeGuard

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9 and 3.10
    import tomli as tomllib

__all__ = ["KEYS", "ConfigError", "find", "load"]


class ConfigError(ValueError):
    """A ``[tool.compat]`` table that cannot be used: the file, the key, and why."""


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _rules(value: object) -> bool:
    from ._source.rules import RULES

    known = {rule.id for rule in RULES}
    return _strings(value) and all(v in known for v in value)


def _choice(*choices: str) -> Callable[[object], bool]:
    return lambda value: value in choices


#: key -> (the command line's destination, a check of the value, what it must be,
#: the commands it applies to).
KEYS: dict[str, tuple[str, Callable[[object], bool], str, tuple[str, ...]]] = {
    "exclude": ("exclude", _strings, "a list of strings", ("audit", "migrate")),
    "select": ("select", _rules, "a list of rule ids (CPT001, ...)", ("audit",)),
    "ignore": ("ignore", _rules, "a list of rule ids (CPT001, ...)", ("audit",)),
    "fail-on": (
        "fail_on",
        _choice("error", "warning", "note"),
        "error, warning or note",
        ("audit",),
    ),
    "respect-gitignore": (
        "respect_gitignore",
        lambda v: isinstance(v, bool),
        "true or false",
        ("audit", "migrate"),
    ),
    "cache": ("cache", lambda v: isinstance(v, bool), "true or false", ("audit",)),
    "max-size": (
        "max_size",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
        "a whole number of bytes, 1 or more",
        ("audit", "migrate"),
    ),
    "app-id": ("app_id", lambda v: isinstance(v, str), "a string", ("migrate",)),
    "default-redirect-url": (
        "default_redirect_url",
        lambda v: isinstance(v, str),
        "a string",
        ("migrate",),
    ),
    "overlong-request-id": (
        "overlong_request_id",
        _choice("error", "digest"),
        "error or digest",
        ("migrate",),
    ),
    "missing-request-id": (
        "missing_request_id",
        _choice("generate", "error"),
        "generate or error",
        ("migrate",),
    ),
    "unknown-fields": ("unknown_fields", _choice("error", "drop"), "error or drop", ("migrate",)),
    "keep-moved-parameters": (
        "keep_moved_parameters",
        lambda v: isinstance(v, bool),
        "true or false",
        ("migrate",),
    ),
    "template-codes": (
        "template_code",
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        "a table of strings (old code = new code)",
        ("migrate",),
    ),
}


def find(start: str) -> Optional[str]:
    """The nearest ``pyproject.toml`` at ``start`` (a folder or a file) or above it."""
    folder = os.path.abspath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def read(path: str) -> dict[str, Any]:
    """The ``[tool.compat]`` table of ``path`` (empty when it has none)."""
    try:
        with open(path, "rb") as file:
            document = tomllib.load(file)
    except OSError as err:
        msg = f"{path}: cannot read: {err.strerror}"
        raise ConfigError(msg) from err
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}"
        raise ConfigError(msg) from err
    table = document.get("tool", {}).get("compat", {})
    if not isinstance(table, dict):
        msg = f"{path}: [tool.compat] must be a table"
        raise ConfigError(msg)
    return table


def load(path: str, command: str, table: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The defaults ``[tool.compat]`` in ``path`` sets for ``command``, by the command
    line's destinations (``exclude`` paths made absolute: they are the config's);
    ``table``: the table :func:`read` gave, when it was read already."""
    table = read(path) if table is None else table
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            msg = f"{path}: [tool.compat] has no key {key!r} (keys: {', '.join(KEYS)})"
            raise ConfigError(msg)
        dest, check, what, commands = KEYS[key]
        if not check(value):
            msg = f"{path}: [tool.compat] {key} must be {what}, got {value!r}"
            raise ConfigError(msg)
        if command not in commands:
            continue
        if key == "template-codes":
            value = sorted(value.items())
        elif key == "exclude":
            value = [_from_here(os.path.dirname(path), pattern) for pattern in value]
        values[dest] = value
    return values


def _from_here(folder: str, pattern: str) -> str:
    """A pattern of the config's folder: a name stays a name; a path is made absolute."""
    if "/" not in pattern.rstrip("/"):
        return pattern  # a name, anywhere
    return os.path.join(folder, pattern.removeprefix("./")).replace(os.sep, "/")
