"""Signing keys on disk: generation, rotation by ``kid``, JWKS export.

A key folder (``ascc keys generate --out DIR``) holds:

``signing-<kid>.pem``  an Ed25519 private key (PKCS #8, mode 0600), one per generation
``active``             the ``kid`` that signs new tokens (the newest key)
``voucher-id.key``     the secret key of voucher ids (made once, never rotated: ids must not change)
``jwks.json``          the public keys of every ``signing-*.pem``, newest first, for verifiers

Rotating is generating again: the new key signs from then on, the old ones stay in the JWKS so
tokens already handed out keep verifying. ``kid`` is the RFC 7638 thumbprint of the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ID_KEY_FILE = "voucher-id.key"
ACTIVE_FILE = "active"
JWKS_FILE = "jwks.json"


class KeyFolderError(Exception):
    """A key folder is missing, incomplete or holds an unreadable key."""


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": x}
    return {**jwk, "kid": thumbprint(jwk), "alg": "EdDSA", "use": "sig"}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP key."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class KeyRing:
    """The keys of one issuer: every signing key by ``kid``, the active one, the id key."""

    signing_keys: dict[str, Ed25519PrivateKey]
    active_kid: str
    id_key: bytes

    @property
    def active_key(self) -> Ed25519PrivateKey:
        return self.signing_keys[self.active_kid]

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set, the active key first."""
        kids = [self.active_kid, *sorted(k for k in self.signing_keys if k != self.active_kid)]
        return {"keys": [public_jwk(self.signing_keys[kid].public_key()) for kid in kids]}

    @classmethod
    def load(cls, folder: Path) -> KeyRing:
        """Read a key folder made by :func:`generate_key`."""
        try:
            active = (folder / ACTIVE_FILE).read_text().strip()
            id_key = bytes.fromhex((folder / ID_KEY_FILE).read_text().strip())
            keys = {p.stem.removeprefix("signing-"): _read_key(p) for p in _key_files(folder)}
        except FileNotFoundError as exc:
            raise KeyFolderError(
                f"{folder}: not a key folder ({exc.filename} is missing); "
                f"make one with 'ascc keys generate --out {folder}'"
            ) from None
        except ValueError as exc:
            raise KeyFolderError(f"{folder}: unreadable key ({exc})") from None
        if active not in keys:
            raise KeyFolderError(f"{folder}: the active key {active!r} has no signing-{active}.pem")
        return cls(signing_keys=keys, active_kid=active, id_key=id_key)


def generate_key(folder: Path) -> str:
    """Add a new signing key to ``folder`` (made if needed), make it active, rewrite the JWKS.

    Creates the voucher-id key on first use. Returns the new ``kid``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    kid = public_jwk(key.public_key())["kid"]
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(folder / f"signing-{kid}.pem", pem)
    if not (folder / ID_KEY_FILE).exists():
        write_private(folder / ID_KEY_FILE, secrets.token_bytes(32).hex().encode())
    (folder / ACTIVE_FILE).write_text(kid + "\n")
    ring = KeyRing.load(folder)
    (folder / JWKS_FILE).write_text(json.dumps(ring.jwks(), indent=2) + "\n")
    return kid


def _key_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("signing-*.pem"))


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path.name} is not an Ed25519 key")
    return key


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (created 0600, never wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.chmod(path, 0o600)
