"""Fixtures of the migrate tests."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from typing import Callable

import pytest


@pytest.fixture
def fixed_uuids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """uuid4 gives the same sequence after each reset: requestIds fixed by the test."""
    counter = itertools.count(1)
    # OpenTelemetry's context makes its keys with uuid4 when first imported, which the
    # shim's first deprecated call does (the run-time audit counts it): before the patch
    with contextlib.suppress(ImportError):
        import opentelemetry.context  # noqa: F401

    def reset() -> None:
        nonlocal counter
        counter = itertools.count(1)

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    return reset
