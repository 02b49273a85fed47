"""The legacy original of a translated call, carried to a local sandbox for its inbox page.

A shim (:class:`~compat.LegacyClient`, :class:`~compat.TranslatingPoolManager`,
``compat gateway``) that sends a translated message adds one header,
``Compat-Legacy-Request``: the base64url of a JSON object naming the legacy path,
the shim, the legacy body (its access token masked) and the changes the translation
made. By default it does so only for a loopback host (``127.0.0.0/8``, ``::1``,
``localhost``), where the only platform is a sandbox: a wallet never sees it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any, Optional

import attrs

from . import _json, _spec
from ._validate import printable
from ._wire import to_wire
from .models import mask_body

__all__ = ["HEADER", "decode", "enabled", "encode", "headers", "is_loopback"]

HEADER = "Compat-Legacy-Request"
#: a trace longer than this (encoded) is not sent: servers limit header lines.
MAX_LENGTH = 16 * 1024


def is_loopback(host: Optional[str]) -> bool:
    """Whether ``host`` (of a parsed URL) is this machine's loopback interface."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enabled(trace: Optional[bool], host: Optional[str]) -> bool:
    """``trace`` if given, else whether ``host`` is a loopback one."""
    return is_loopback(host) if trace is None else bool(trace)


#: attribute name -> wire name, by endpoint: keyword calls name fields as attributes.
_WIRE_NAMES = {
    e.name: {spec.attr: spec.wire for spec in e.request} for e in _spec.ENDPOINTS.values()
}


def _default(value: Any) -> Any:
    """What ``json`` cannot write itself: models (as their wire JSON) and other mappings."""
    if attrs.has(type(value)):
        return to_wire(value)
    if isinstance(value, Mapping):
        return dict(value)
    return repr(value)


def _wire_body(path: str, body: Any) -> Any:
    """``body`` as its wire JSON: a model, or a mapping with wire or attribute names."""
    if attrs.has(type(body)):
        return to_wire(body)
    endpoint = _spec.endpoint_for_path(path)
    wire = _WIRE_NAMES[endpoint.name] if endpoint else {}
    return {wire.get(k, k): v for k, v in body.items()} if isinstance(body, Mapping) else body


def _without(body: Any, dropped: set[str]) -> Any:
    """``body`` without the fields a translation dropped (``key``, ``templates[0].key``):
    what the shim did not send is not shown either."""
    if not dropped or not isinstance(body, dict):
        return body
    kept = {k: v for k, v in body.items() if printable(k) not in dropped}
    templates = kept.get("templates")
    if isinstance(templates, (list, tuple)):
        kept["templates"] = [
            {k: v for k, v in t.items() if f"templates[{i}].{printable(k)}" not in dropped}
            if isinstance(t, Mapping)
            else t
            for i, t in enumerate(templates)
        ]
    return kept


def encode(
    path: str, via: str, body: Any, changes: Iterable[tuple[str, str, str]]
) -> Optional[str]:
    """The header value for one call, or ``None`` when it would be too long."""
    listed = [list(change) for change in changes]
    dropped = {field for kind, field, _ in listed if kind == "dropped"}
    trace = {
        "path": path,
        "via": via,
        "body": mask_body(_without(_wire_body(path, body), dropped)),
        "changes": listed,
    }
    raw = json.dumps(trace, separators=(",", ":"), default=_default)
    value = base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii")
    return value if len(value) <= MAX_LENGTH else None


def headers(
    path: str, via: str, body: Any, changes: Iterable[tuple[str, str, str]]
) -> dict[str, str]:
    """The trace header for one call (none when it would be too long)."""
    value = encode(path, via, body, changes)
    return {HEADER: value} if value else {}


def decode(value: Optional[str]) -> Optional[dict[str, Any]]:
    """A header value read back; ``None`` when absent or not a trace."""
    if not value:
        return None
    try:
        trace = _json.loads(base64.urlsafe_b64decode(value.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):  # BadJSON is a ValueError
        return None
    if (
        not isinstance(trace, dict)
        or not isinstance(trace.get("path"), str)
        or not isinstance(trace.get("via"), str)
        or not isinstance(trace.get("changes"), list)
        or not all(
            isinstance(c, list) and len(c) == 3 and all(isinstance(p, str) for p in c)
            for c in trace["changes"]
        )
    ):
        return None
    trace["body"] = mask_body(trace.get("body"))
    return trace
