"""The codemod's rules: one module each, registered under its file name.

Each module has ``SUMMARY`` and a ``Rule(context)`` with ``call(node) -> bool``
(True when the rule took the call, rewritten or left for manual work) and
``finish()``. ``--only`` / ``--skip`` / ``--list-rules`` use the names.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["RULES"]


def _discover() -> dict[str, ModuleType]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found[info.name] = importlib.import_module(f"{__name__}.{info.name}")
    return found


#: Rule name -> module, in the order the rules run (shim calls before raw HTTP).
RULES: dict[str, ModuleType] = dict(
    sorted(_discover().items(), key=lambda item: getattr(item[1], "ORDER", 100))
)
