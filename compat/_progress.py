"""A progress line on a terminal: files done of the total, the rate and the time taken."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Call it with (done, total); it redraws one line of ``stream`` at most ten times a
    second, and :meth:`close` clears it. Nothing is drawn unless ``enabled``."""

    def __init__(self, label: str, stream: TextIO, *, enabled: bool) -> None:
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn < 0.1 and done < total:
            return
        self._drawn = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        line = f"{self.label}: {done}/{total} files, {rate:,.0f} files/s, {elapsed:.1f} s"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def wanted(stream: TextIO, quiet: bool) -> bool:
    """Whether to draw: on a terminal, unless told to be quiet."""
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):
        return False
