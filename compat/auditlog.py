"""The run-time record of deprecated calls made by this process.

Every call that goes through the shim (``LegacyClient``,
``TranslatingPoolManager``) is recorded by endpoint and call site
(``file:line:function``, the first frame outside compat): how many times, first
and last time, the translation changes applied and the outcomes. No secret is
recorded: no access token, no signature, no body.

``compat.audit_log()`` returns the process's log. With ``COMPAT_AUDIT_FILE=path``
in the environment (or ``audit_log().sink = path``), every call is also appended
to that file as one JSON line. The first call from each site is logged on the
``compat.deprecations`` logger at WARNING. With ``opentelemetry-api`` installed
(the ``otel`` extra), every call is also counted on the OpenTelemetry counter
``compat.legacy.calls`` (attributes ``compat.endpoint``, ``compat.call_site``,
``compat.outcome``), for the metrics pipeline the application has configured.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any, Optional, Union

import attrs

from . import _otel

if TYPE_CHECKING:
    from ._warn import CallSite
    from .translate import Change

__all__ = ["AuditEntry", "AuditLog", "audit_log", "outcome"]

log = logging.getLogger("compat.deprecations")

#: The environment variable naming a JSON-lines file to append every call to.
AUDIT_FILE_VARIABLE = "COMPAT_AUDIT_FILE"


def outcome(ended: object) -> str:
    """A short, secret-free word on how a deprecated call ended, for the log.

    ``ended`` is the platform's :class:`~compat.Result`, or the exception the
    call ended with.
    """
    from .errors import ApiError, SignatureError, TranslationError, ValidationError
    from .models import Result

    if isinstance(ended, ApiError):
        ended = ended.result
    if isinstance(ended, Result):
        return f"{ended.result_status} {ended.result_code}"
    if isinstance(ended, (ValidationError, TranslationError)):
        return f"invalid: {ended.field}"
    if isinstance(ended, SignatureError):
        return "bad response signature"
    return "transport error"


def _iso(when: float) -> str:
    """A Unix time as ISO 8601 UTC with milliseconds."""
    moment = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


@attrs.define
class AuditEntry:
    """The deprecated calls of one endpoint from one call site."""

    endpoint: str
    site: str
    count: int = 0
    #: when the first and the latest call were made (Unix time).
    first_time: float = 0.0
    last_time: float = 0.0
    #: kind and field of every change translations from here made, with counts.
    changes: Counter[str] = attrs.field(factory=Counter)
    #: outcomes with counts: ``S SUCCESS``, ``F PARAM_ILLEGAL``, ``U ...``,
    #: ``invalid: <field>``, ``transport error``.
    outcomes: Counter[str] = attrs.field(factory=Counter)

    @property
    def first(self) -> str:
        """When the first call was made (ISO 8601, UTC)."""
        return _iso(self.first_time)

    @property
    def last(self) -> str:
        """When the latest call was made (ISO 8601, UTC)."""
        return _iso(self.last_time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "site": self.site,
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "changes": dict(sorted(self.changes.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
        }


class AuditLog:
    """A thread-safe record of deprecated calls, by endpoint and call site."""

    def __init__(self, sink: Union[str, os.PathLike[str], None] = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], AuditEntry] = {}
        #: a JSON-lines file every call is appended to, or None.
        self.sink = sink

    def record(
        self,
        endpoint: str,
        site: Union[CallSite, object],
        changes: tuple[Change, ...] = (),
        outcome: str = "",
    ) -> None:
        """Count one call of ``endpoint`` from ``site``."""
        now = time.time()
        where = str(site)
        kinds = [f"{c.kind} {c.field}" for c in changes]
        with self._lock:
            entry = self._entries.get((endpoint, where))
            new_site = entry is None
            if entry is None:
                entry = AuditEntry(endpoint, where, first_time=now)
                self._entries[(endpoint, where)] = entry
            entry.count += 1
            entry.last_time = now
            entry.changes.update(kinds)
            if outcome:
                entry.outcomes[outcome] += 1
            sink = self.sink
            if sink is not None:
                line = {
                    "time": _iso(now),
                    "endpoint": endpoint,
                    "site": where,
                    "changes": kinds,
                    "outcome": outcome,
                }
                with open(sink, "a", encoding="utf-8") as file:
                    file.write(json.dumps(line, ensure_ascii=False) + "\n")
        _otel.count(endpoint, where, outcome)
        if new_site:
            log.warning(
                "deprecated %s called from %s; use POST /v2/miniprogram/message/send "
                "(run `compat migrate`)",
                endpoint,
                where,
            )

    def entries(self) -> list[AuditEntry]:
        """Every (endpoint, call site) seen, most called first."""
        with self._lock:
            entries = [
                attrs.evolve(e, changes=Counter(e.changes), outcomes=Counter(e.outcomes))
                for e in self._entries.values()
            ]
        return sorted(entries, key=lambda e: (-e.count, e.first_time))

    @property
    def total(self) -> int:
        """How many deprecated calls were made."""
        with self._lock:
            return sum(e.count for e in self._entries.values())

    def summary(self) -> dict[str, int]:
        """Calls per endpoint."""
        counts: Counter[str] = Counter()
        for entry in self.entries():
            counts[entry.endpoint] += entry.count
        return dict(counts)

    def to_json(self, *, indent: Optional[int] = 2) -> str:
        """The whole log as JSON: totals per endpoint and one record per call site."""
        entries = self.entries()
        document = {
            "total": sum(e.count for e in entries),
            "endpoints": self.summary(),
            "sites": [e.to_dict() for e in entries],
        }
        return json.dumps(document, ensure_ascii=False, indent=indent)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"<AuditLog: {self.total} deprecated call(s) from {len(self)} site(s)>"


_LOG = AuditLog(os.environ.get(AUDIT_FILE_VARIABLE) or None)


def audit_log() -> AuditLog:
    """This process's record of deprecated calls."""
    return _LOG
