"""Hypothesis profiles: more examples on CI."""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _audit_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """compat audit keeps its results in a folder of each test's own (made when written),
    not in the user's cache."""
    folder = tmp_path_factory.getbasetemp() / "audit-cache" / uuid.uuid4().hex
    monkeypatch.setenv("COMPAT_CACHE_DIR", str(folder))


@pytest.fixture(scope="session")
def merchant_key() -> bytes:
    """A merchant RSA private key, PKCS#8 PEM (made once per run)."""
    return _private_key_pem()


@pytest.fixture(scope="session")
def platform_key() -> bytes:
    """The platform's RSA private key, PKCS#8 PEM."""
    return _private_key_pem()


def _private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(private_pem: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Makes files of a name unreadable (``Permission denied``), as a mode of 000 does
    for anyone but root, who may run the tests."""
    names: set[str] = set()
    real = os.open

    def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(os.fspath(path)) in names:
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    return names.add
