"""RSA256 signing: content, header, the three encodings, keys in their usual forms."""

from __future__ import annotations

import base64
import datetime
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from compat import RsaSigner, RsaVerifier
from compat.signing import (
    content_to_sign,
    format_signature_header,
    parse_signature_header,
    request_time,
)

from .conftest import public_pem

if TYPE_CHECKING:
    from collections.abc import Iterator

CONTENT = content_to_sign(
    "POST",
    "/api/open/v2/miniprogram/message/send",
    "2022091910020000",
    "2019-04-04T12:08:56.253+05:30",
    b'{"appId":"A"}',
)


def test_content_is_method_path_newline_client_time_body() -> None:
    assert CONTENT == (
        b"POST /api/open/v2/miniprogram/message/send\n"
        b'2022091910020000.2019-04-04T12:08:56.253+05:30.{"appId":"A"}'
    )


def test_request_time_is_iso_8601_with_milliseconds_and_offset() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", request_time())


@pytest.fixture
def central_european_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time with summer time (a POSIX TZ rule: no zoneinfo files needed)."""
    if not hasattr(time, "tzset"):  # pragma: no cover - Windows
        pytest.skip("time.tzset is Unix only")
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "instant",
    [
        "2026-03-29T00:59:59.999000+00:00",  # the last millisecond of winter time
        "2026-03-29T01:00:00+00:00",  # summer time from here
        "2026-03-29T01:00:00.001000+00:00",
        "2026-10-25T00:59:59.500000+00:00",
        "2026-10-25T01:00:00.999999+00:00",  # back to winter time; microseconds cut
        "1969-12-31T23:59:59.250000+00:00",  # before the epoch
    ],
)
def test_request_time_is_the_local_time_of_each_instant_even_across_an_offset_change(
    central_european_time: None, monkeypatch: pytest.MonkeyPatch, instant: str
) -> None:
    when = datetime.datetime.fromisoformat(instant)
    nanoseconds = (
        (when - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
        // (datetime.timedelta(microseconds=1))
        * 1000
    )
    monkeypatch.setattr(time, "time_ns", lambda: nanoseconds)
    expected = when.astimezone().isoformat(timespec="milliseconds")
    assert request_time() == expected
    assert request_time() == expected  # the second remembered: the same text
    monkeypatch.setattr(time, "time_ns", lambda: nanoseconds + 1_000_000)
    later = (when + datetime.timedelta(milliseconds=1)).astimezone()
    assert request_time() == later.isoformat(timespec="milliseconds")


def test_request_time_of_a_given_datetime() -> None:
    when = datetime.datetime(
        2019,
        4,
        4,
        12,
        8,
        56,
        253999,
        tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
    )
    assert request_time(when) == "2019-04-04T12:08:56.253+05:30"


def _independently_verify(public: bytes, content: bytes, raw_signature: bytes) -> None:
    key = serialization.load_pem_public_key(public)
    key.verify(raw_signature, content, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [
        ("urlencoded", lambda s: base64.b64decode(unquote(s))),
        ("base64", base64.b64decode),
        ("base64url", lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))),
    ],
)
def test_each_encoding_verifies_independently_and_with_the_verifier(
    merchant_key: bytes, encoding: str, decode: object
) -> None:
    signer = RsaSigner(merchant_key, encoding=encoding)  # type: ignore[arg-type]
    value = signer.sign(CONTENT)
    _independently_verify(public_pem(merchant_key), CONTENT, decode(value))  # type: ignore[operator]
    assert RsaVerifier(public_pem(merchant_key)).verify(CONTENT, value)


def test_encodings_have_their_alphabets(merchant_key: bytes) -> None:
    urlencoded = RsaSigner(merchant_key).sign(CONTENT)
    assert not set("+/=") & set(urlencoded)
    plain = RsaSigner(merchant_key, encoding="base64").sign(CONTENT)
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", plain)
    assert len(plain) % 4 == 0
    assert unquote(urlencoded) == plain  # RSASSA-PKCS1-v1_5 is deterministic
    base64url = RsaSigner(merchant_key, encoding="base64url").sign(CONTENT)
    assert not set("+/=%") & set(base64url)


def test_verifier_rejects_other_content_and_other_keys(
    merchant_key: bytes, platform_key: bytes
) -> None:
    value = RsaSigner(merchant_key).sign(CONTENT)
    assert not RsaVerifier(public_pem(merchant_key)).verify(CONTENT + b" ", value)
    assert not RsaVerifier(public_pem(platform_key)).verify(CONTENT, value)
    assert not RsaVerifier(public_pem(merchant_key)).verify(CONTENT, "not a signature!")
    assert not RsaVerifier(public_pem(merchant_key)).verify(CONTENT, "")


def test_header_format_and_parsing(merchant_key: bytes) -> None:
    signer = RsaSigner(merchant_key, key_version=2)
    header = signer.signature_header(CONTENT)
    assert header.startswith("algorithm=RSA256, keyVersion=2, signature=")
    parsed = parse_signature_header(header)
    assert parsed["algorithm"] == "RSA256"
    assert parsed["keyVersion"] == "2"
    assert RsaVerifier(public_pem(merchant_key)).verify(CONTENT, parsed["signature"])
    # the Java SDK writes it without spaces
    compact = parse_signature_header("algorithm=RSA256,keyVersion=1,signature=ab%3D%3D")
    assert compact == {"algorithm": "RSA256", "keyVersion": "1", "signature": "ab%3D%3D"}
    assert format_signature_header("x") == "algorithm=RSA256, keyVersion=1, signature=x"


def _forms(private_pem: bytes) -> dict[str, bytes]:
    key = serialization.load_pem_private_key(private_pem, password=None)
    pkcs1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    bare = b"".join(private_pem.splitlines()[1:-1])
    return {"pkcs8": private_pem, "pkcs1": pkcs1, "bare base64": bare}


def test_private_keys_in_pkcs8_pkcs1_and_bare_base64(merchant_key: bytes) -> None:
    verifier = RsaVerifier(public_pem(merchant_key))
    for name, form in _forms(merchant_key).items():
        for data in (form, form.decode()):
            assert verifier.verify(CONTENT, RsaSigner(data).sign(CONTENT)), name


def test_public_keys_in_spki_pkcs1_bare_and_from_a_private_key(merchant_key: bytes) -> None:
    key = serialization.load_pem_private_key(merchant_key, password=None).public_key()
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    spki = public_pem(merchant_key)
    bare = b"".join(spki.splitlines()[1:-1])
    signer = RsaSigner(merchant_key)
    value = signer.sign(CONTENT)
    for form in (spki, pkcs1, bare, merchant_key, signer.public_key_pem()):
        assert RsaVerifier(form).verify(CONTENT, value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "could not be read"),
        ("not a key at all", "could not be read"),
        ("#### not base64 ####", "could not be read"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be read"),
    ],
)
def test_bad_private_keys_fail_at_construction(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        RsaSigner(data)
    assert "AAAA" not in str(info.value)


def test_non_rsa_keys_are_rejected() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="not an RSA key"):
        RsaSigner(private)
    with pytest.raises(ValueError, match="not an RSA key"):
        RsaVerifier(public)


def test_bad_public_key_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="public key could not be read"):
        RsaVerifier("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


@pytest.mark.parametrize(("option", "value"), [("encoding", "hex"), ("key_version", -1)])
def test_bad_options(merchant_key: bytes, option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option):
        RsaSigner(merchant_key, **{option: value})  # type: ignore[arg-type]


def test_reprs_show_no_key_material(merchant_key: bytes) -> None:
    signer = RsaSigner(merchant_key)
    text = repr(signer) + repr(RsaVerifier(signer.public_key_pem()))
    assert "2048-bit" in text
    body = merchant_key.splitlines()[1].decode()
    assert body[:16] not in text
