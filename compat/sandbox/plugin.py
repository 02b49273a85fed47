"""pytest plugin: the ``compat_sandbox`` and ``compat_sandbox_factory`` fixtures.

Registered through the ``pytest11`` entry point, so it is there as soon as
compat is installed. compat itself is imported only when a fixture is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from compat.sandbox import Sandbox


@pytest.fixture
def compat_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with the given options (``Sandbox(**options)``); all stop afterwards."""
    from compat.sandbox import Sandbox

    started: list[Sandbox] = []

    def start(**options: Any) -> Sandbox:
        sandbox = Sandbox(**options).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def compat_sandbox(compat_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox platform on a free port of 127.0.0.1 (``.url``, ``.messages()``, ...)."""
    return compat_sandbox_factory()
