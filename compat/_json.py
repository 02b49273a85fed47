"""JSON in and out, the one way every part of compat reads and writes a body.

Reading refuses what would fail later, at the door: bytes that are not JSON text
(UTF-8, or UTF-16 or UTF-32 as :func:`json.loads` tells them), nesting deeper than
any body of the platform has, and text with a lone surrogate (valid as a JSON escape,
but no character: UTF-8 cannot carry it). Writing makes compact UTF-8.
"""

from __future__ import annotations

import json
from json.scanner import make_scanner
from typing import Any, Callable, Optional, Union

from ._validate import lone_surrogate, surrogate_message

__all__ = ["MAX_DEPTH", "BadJSON", "dumps", "loads"]

#: Objects and arrays nested deeper than this are refused (a body of the platform
#: nests four deep; Python's own parser gives up near a thousand).
MAX_DEPTH = 64

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_encode: Callable[[Any], str] = _encoder.encode
try:  # the C encoder made once, rather than on each call as JSONEncoder.encode does
    from _json import make_encoder
except ImportError:  # pragma: no cover - Python implementations without the accelerator
    pass
else:
    _chunks = make_encoder(
        None, _encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )

    def _encode_once(value: Any) -> str:
        return "".join(_chunks(value, 0))

    _encode = _encode_once


class BadJSON(ValueError):
    """A body that is not one the platform would read; ``field`` says where, if known."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


def loads(raw: Union[bytes, bytearray]) -> Any:
    """The value of a JSON body; :class:`BadJSON` saying why it is not one.

    The encoding is found as :func:`json.loads` finds it (UTF-8, or UTF-16 or UTF-32 by
    their byte order marks and zero bytes), and bytes that are not text in it are
    refused: an encoded surrogate is not a character either."""
    try:
        # a body starting with "{" and no zero byte after it is UTF-8 to json.loads too
        utf8 = raw[:1] == b"{" and raw[1:2] != b"\x00"
        text = raw.decode("utf-8" if utf8 else json.detect_encoding(raw))
        value = _parse(text)
    except RecursionError:
        raise BadJSON(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError
        raise BadJSON(f"the body is not valid JSON ({err})") from None
    escapes = b"\\u" in raw
    if escapes or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:  # else nothing to find
        _check(value, escapes)
    return value


_scan: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _parse(text: str) -> Any:
    """What :func:`json.loads` makes of ``text``: its scanner called straight, and
    json.loads itself for its message when the text is not one JSON value."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:  # no value at the start: whitespace first, or not JSON
        return json.loads(text)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return json.loads(text)  # raises: extra data after the value
    return value


def _check(value: Any, escapes: bool) -> None:
    """Depth, and (when the body has ``\\u`` escapes) lone surrogates, without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if escapes and lone_surrogate(item) is not None:
                raise BadJSON(_surrogate_message(path or "<body>", item), path or None)
            continue
        if depth >= MAX_DEPTH and isinstance(item, (dict, list)):
            raise BadJSON(f"the JSON nests deeper than {MAX_DEPTH} levels", path or None)
        if isinstance(item, dict):
            for key, child in item.items():
                here = f"{path}.{key}" if path else key
                if escapes and lone_surrogate(key) is not None:
                    raise BadJSON(_surrogate_message(f"a key of {path or '<body>'}", key), path)
                stack.append((child, here, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def _surrogate_message(where: str, text: str) -> str:
    index = lone_surrogate(text)
    assert index is not None
    return surrogate_message(where, text, index)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON of a value that came through :func:`loads` or the validator
    (which refuse lone surrogates, the one thing UTF-8 cannot encode), or that compat
    built: there are no cycles to look for."""
    return _encode(value).encode("utf-8")
