"""Request and response signing: RSA256 (RSASSA-PKCS1-v1_5 with SHA-256).

The content signed is exactly::

    <HTTP-METHOD> <HTTP-URI-PATH>
    <Client-Id>.<Request-Time>.<HTTP-BODY>

and the header is ``Signature: algorithm=RSA256, keyVersion=1, signature=<value>``.
Sources disagree on how the signature value is encoded, so the signer lets you
pick (``"urlencoded"``: base64 then URL-encoded, as the official SDKs, the
default; ``"base64"``; ``"base64url"`` without padding) and the verifier accepts
all three.

Keys are PEM (PKCS#8 or PKCS#1) or the bare base64 body of one, as wallet
consoles hand them out. ``cryptography`` is needed (``pip install 'compat[rsa]'``);
the rest of ``compat`` works without it. Key material never appears in a repr
or an error message.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import time
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, cast
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = [
    "ENCODINGS",
    "RsaSigner",
    "RsaVerifier",
    "content_to_sign",
    "format_signature_header",
    "parse_signature_header",
    "request_time",
]

Encoding = Literal["urlencoded", "base64", "base64url"]
#: The encodings of the signature value.
ENCODINGS: tuple[str, ...] = ("urlencoded", "base64", "base64url")
#: The one algorithm the platform uses for these endpoints.
ALGORITHM = "RSA256"

KeyData = Union[str, bytes]


#: (second since the epoch, its local time to the second, its UTC offset): the
#: last second :func:`request_time` formatted, one tuple so that threads read it whole.
_last_second: tuple[int, str, str] = (-1, "", "")


def request_time(now: Optional[datetime.datetime] = None) -> str:
    """ISO 8601 with milliseconds and the local offset: ``2019-04-04T12:08:56.253+05:30``.

    Without ``now``, the current time. The local time and offset are worked out once a
    second (an offset changes on a whole second); the milliseconds are added each call.
    """
    global _last_second
    if now is not None:
        return now.isoformat(timespec="milliseconds")
    second, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    last = _last_second
    if last[0] != second:
        text = datetime.datetime.fromtimestamp(second, datetime.timezone.utc).astimezone()
        formatted = text.isoformat()  # no microseconds: 2019-04-04T12:08:56+05:30
        last = _last_second = (second, formatted[:19], formatted[19:])
    return f"{last[1]}.{nanoseconds // 1_000_000:03d}{last[2]}"


def content_to_sign(method: str, path: str, client_id: str, time: str, body: bytes) -> bytes:
    """The exact bytes signed: ``METHOD PATH\\nClient-Id.Time.BODY``."""
    return f"{method} {path}\n{client_id}.{time}.".encode() + body


def format_signature_header(signature: str, key_version: int = 1) -> str:
    return f"algorithm={ALGORITHM}, keyVersion={key_version}, signature={signature}"


_HEADER_PART = re.compile(r"\s*([A-Za-z]+)=([^,]*)")


def parse_signature_header(value: str) -> dict[str, str]:
    """``algorithm=RSA256, keyVersion=1, signature=...`` (with or without spaces) as a dict."""
    return {m.group(1): m.group(2).strip() for m in _HEADER_PART.finditer(value)}


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        msg = "RSA signing needs the 'cryptography' package: pip install 'compat[rsa]'"
        raise ImportError(msg, name="cryptography") from err
    return hashes, serialization, padding, rsa


def _pem_blocks(data: KeyData) -> list[bytes]:
    """The ways to read ``data``: as given, and, for a bare base64 body, as DER."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    raw = raw.strip()
    if raw.startswith(b"-----BEGIN"):
        return [raw]
    try:
        return [base64.b64decode(b"".join(raw.split()), validate=True)]
    except (binascii.Error, ValueError):
        return []


def _load_private(data: KeyData) -> RSAPrivateKey:
    _, serialization, _, rsa = _crypto()
    for block in _pem_blocks(data):
        load = (
            serialization.load_pem_private_key
            if block.startswith(b"-----BEGIN")
            else serialization.load_der_private_key
        )
        try:
            key = load(block, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPrivateKey):
            return cast("RSAPrivateKey", key)
        msg = "the private key is not an RSA key (RSA256 needs one)"
        raise ValueError(msg)
    msg = (
        "the private key could not be read: expected an unencrypted RSA private key "
        "in PEM (PKCS#8 'BEGIN PRIVATE KEY' or PKCS#1 'BEGIN RSA PRIVATE KEY') "
        "or its bare base64 body"
    )
    raise ValueError(msg)


def _load_public(data: KeyData) -> RSAPublicKey:
    _, serialization, _, rsa = _crypto()
    for block in _pem_blocks(data):
        pem = block.startswith(b"-----BEGIN")
        if pem and b"PRIVATE KEY" in block.split(b"\n", 1)[0]:
            return _load_private(block).public_key()
        load = serialization.load_pem_public_key if pem else serialization.load_der_public_key
        try:
            key = load(block)
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            return cast("RSAPublicKey", key)
        msg = "the public key is not an RSA key (RSA256 needs one)"
        raise ValueError(msg)
    msg = (
        "the public key could not be read: expected an RSA public key in PEM "
        "('BEGIN PUBLIC KEY' or 'BEGIN RSA PUBLIC KEY') or its bare base64 body"
    )
    raise ValueError(msg)


def _encode(signature: bytes, encoding: str) -> str:
    if encoding == "base64url":
        return base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")
    text = base64.b64encode(signature).decode("ascii")
    return quote(text, safe="") if encoding == "urlencoded" else text


def _decodings(value: str) -> list[bytes]:
    """Every reading of an encoded signature value (URL-encoded, base64, base64url)."""
    texts = [value]
    if "%" in value:
        texts.insert(0, unquote(value))
    found: list[bytes] = []
    for text in texts:
        padded = text + "=" * (-len(text) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(padded.encode("ascii"))
            except (binascii.Error, ValueError, UnicodeEncodeError):
                continue
            if raw and raw not in found:
                found.append(raw)
    return found


class RsaSigner:
    """Signs content with a merchant's RSA private key.

    :param private_key_pem: PEM (PKCS#8 or PKCS#1), or its bare base64 body.
    :param key_version: the ``keyVersion`` of the Signature header.
    :param encoding: ``"urlencoded"`` (default, as the official SDKs),
        ``"base64"`` or ``"base64url"`` (no padding).
    """

    def __init__(
        self, private_key_pem: KeyData, *, key_version: int = 1, encoding: Encoding = "urlencoded"
    ) -> None:
        if encoding not in ENCODINGS:
            msg = f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}"
            raise ValueError(msg)
        if isinstance(key_version, bool) or key_version < 0:
            msg = f"key_version must be a non-negative integer, got {key_version!r}"
            raise ValueError(msg)
        self._key = _load_private(private_key_pem)
        self.key_version = key_version
        self.encoding = encoding

    def sign(self, content: bytes) -> str:
        """The encoded signature of ``content``."""
        hashes, _, padding, _ = _crypto()
        signature = self._key.sign(content, padding.PKCS1v15(), hashes.SHA256())
        return _encode(signature, self.encoding)

    def signature_header(self, content: bytes) -> str:
        """The whole ``Signature`` header value for ``content``."""
        return format_signature_header(self.sign(content), self.key_version)

    def public_key_pem(self) -> bytes:
        """The matching public key (SubjectPublicKeyInfo PEM), for a verifier."""
        _, serialization, _, _ = _crypto()
        pem: bytes = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem

    def __repr__(self) -> str:
        return (
            f"RsaSigner(<RSA {self._key.key_size}-bit private key>, "
            f"key_version={self.key_version}, encoding={self.encoding!r})"
        )


class RsaVerifier:
    """Checks signatures with an RSA public key (the platform's, or a merchant's).

    :param public_key_pem: PEM (SubjectPublicKeyInfo or PKCS#1), its bare base64
        body, or a private key PEM whose public half is used.
    """

    def __init__(self, public_key_pem: KeyData) -> None:
        self._key = _load_public(public_key_pem)

    def verify(self, content: bytes, signature: str) -> bool:
        """Whether ``signature`` (in any of the three encodings) signs ``content``."""
        hashes, _, padding, _ = _crypto()
        from cryptography.exceptions import InvalidSignature

        for raw in _decodings(signature):
            try:
                self._key.verify(raw, content, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                continue
            return True
        return False

    def verify_signed(
        self,
        method: str,
        path: str,
        client_id: str,
        time: Optional[str],
        signature_header: Optional[str],
        body: bytes,
    ) -> bool:
        """Whether a ``Signature`` header value signs this request or response.

        False when the header or the time (``Request-Time``/``Response-Time``) is missing.
        """
        if not signature_header or not time:
            return False
        signature = parse_signature_header(signature_header).get("signature", "")
        return self.verify(content_to_sign(method, path, client_id, time, body), signature)

    def __repr__(self) -> str:
        return f"RsaVerifier(<RSA {self._key.key_size}-bit public key>)"
