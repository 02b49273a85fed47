"""The user's line: where warnings and audit records point, however deep compat is called."""

from __future__ import annotations

import os
import sys
import warnings
from typing import NamedTuple

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: Modules of compat that play the user's part (the demo's legacy calls).
_USER_FILES = (os.path.join(_PACKAGE_DIR, "demo.py"),)


class CallSite(NamedTuple):
    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}:{self.function}"


def _outside(frame_file: str, skip: tuple[str, ...]) -> bool:
    return frame_file in _USER_FILES or not frame_file.startswith(skip)


def call_site(skip: tuple[str, ...] = ()) -> tuple[CallSite, int]:
    """The first frame outside compat (and ``skip`` folders), and its ``stacklevel``.

    The stacklevel is counted from this function's caller, as ``warnings.warn``
    counts it when called there.
    """
    prefixes = (_PACKAGE_DIR, *skip)
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and not _outside(frame.f_code.co_filename, prefixes):
        frame = frame.f_back
        level += 1
    code = frame.f_code
    return CallSite(code.co_filename, frame.f_lineno, code.co_name), level


def warn(message: str, category: type[Warning], skip: tuple[str, ...] = ()) -> CallSite:
    """Warn at the first caller outside compat (and ``skip``); return that call site."""
    site, level = call_site(skip)  # level counts this frame as 1, as warnings.warn does here
    warnings.warn(message, category, stacklevel=level)
    return site
