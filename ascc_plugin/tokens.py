"""Signed voucher tokens: compact JWS, EdDSA over Ed25519, built with PyJWT.

PyJWT was chosen over jwcrypto/joserfc/authlib: it is the most used and maintained JOSE library
for Python, supports EdDSA and JWK import through ``cryptography``, and its encode/decode path is
thin (see ``benchmarks/bench_tokens.py`` for its cost over raw Ed25519).

A token carries ``iss`` (the issuer), ``sub`` (the voucher id), ``program``, ``kind``, ``iat``
and ``exp`` (the end of the program's term), and names its key in the ``kid`` header, so a
provider can verify it offline against the issuer's JWKS.

An incentive voucher's token has the JOSE header ``typ`` :data:`INCENTIVE_TYP` (RFC 8725 §3.11
explicit typing) and carries ``voucher`` (the service voucher it rewards), ``provider`` (the only
party who may redeem it), ``amount`` (a decimal string) and ``currency``;
``Verifier.verify(token, typ=INCENTIVE_TYP)`` refuses any other kind of token.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from ascc_plugin.keys import KeyRing
from ascc_plugin.vouchers import Voucher

ALGORITHM = "EdDSA"
INCENTIVE_TYP = "ascc-incentive+jwt"
REASONS = ("malformed", "unknown key", "bad signature", "expired", "not yet valid", "bad claims")


class TokenError(Exception):
    """A token was refused; ``reason`` is one of :data:`REASONS`, ``detail`` says more."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Signer:
    """Signs voucher tokens with the active key of a :class:`KeyRing`."""

    ring: KeyRing
    issuer: str

    def sign(self, claims: dict[str, Any], typ: str | None = None) -> str:
        headers = {"kid": self.ring.active_kid, **({"typ": typ} if typ else {})}
        return jwt.encode(claims, self.ring.active_key, algorithm=ALGORITHM, headers=headers)

    def sign_incentive(self, claims: dict[str, Any]) -> str:
        """An incentive token: ``claims`` plus ``iss``, header ``typ`` :data:`INCENTIVE_TYP`."""
        return self.sign({"iss": self.issuer, **claims}, INCENTIVE_TYP)

    def sign_voucher(self, voucher: Voucher, issued_at: datetime) -> str:
        return self.sign(voucher_claims(voucher, self.issuer, issued_at))


def voucher_claims(voucher: Voucher, issuer: str, issued_at: datetime) -> dict[str, Any]:
    return {
        "iss": issuer,
        "sub": voucher.id,
        "program": voucher.program,
        "kind": voucher.kind,
        "iat": int(issued_at.timestamp()),
        "exp": int(voucher.valid_until.timestamp()),
    }


class Verifier:
    """Verifies tokens offline against a JWK Set (public keys only)."""

    def __init__(self, jwks: dict[str, Any], clock: Callable[[], datetime] | None = None) -> None:
        """``clock``: the verifier's "now" for ``exp``/``iat`` (default: the wall clock), so a
        hub running at a simulation's or a test's time judges validity at that time."""
        self.clock = clock
        self.keys: dict[str, Ed25519PublicKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
                key = OKPAlgorithm.from_jwk(jwk)
                if isinstance(key, Ed25519PublicKey):
                    self.keys[jwk["kid"]] = key

    def verify(self, token: str, typ: str | None = None) -> dict[str, Any]:
        """The token's claims, or :class:`TokenError` naming why it was refused.

        ``typ``: the header ``typ`` the token must carry (``None``: a voucher token, whose
        header says PyJWT's default ``JWT``).
        """
        header = _header(token)
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise TokenError("malformed", "the header must name alg EdDSA and a kid")
        if header.get("typ", "JWT") != (typ or "JWT"):
            raise TokenError("bad claims", f"a token of typ {header.get('typ')!r} is not wanted")
        key = self.keys.get(kid)
        if key is None:
            raise TokenError("unknown key", f"no key {kid!r} in the JWKS")
        return _decode(token, key, None if self.clock is None else self.clock().timestamp())


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read from the first segment only.

    ``jwt.get_unverified_header`` would check every character of the whole token once more
    before the real decode does it again; that doubled the cost of verification.
    """
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        raise TokenError("malformed", "the header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise TokenError("malformed", "the header is not a JSON object")
    return header


def _decode(token: str, key: Ed25519PublicKey, now: float | None = None) -> dict[str, Any]:
    """PyJWT judges ``exp`` and ``iat`` by the wall clock; with ``now`` they are judged here."""
    options: jwt.types.Options = {"require": ["iss", "sub", "exp", "iat"]}
    if now is not None:
        options |= {"verify_exp": False, "verify_iat": False}
    try:
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=[ALGORITHM], options=options)
        if now is not None:
            _check_times(claims, now)
    except jwt.InvalidSignatureError:
        raise TokenError("bad signature", "the signature does not match the key") from None
    except jwt.ExpiredSignatureError:
        raise TokenError("expired", "the voucher's validity has ended") from None
    except jwt.ImmatureSignatureError:
        raise TokenError("not yet valid", "the token's time has not come") from None
    except jwt.DecodeError as exc:
        raise TokenError("malformed", str(exc)) from None
    except jwt.InvalidTokenError as exc:
        raise TokenError("bad claims", str(exc)) from None
    return claims


def _check_times(claims: dict[str, Any], now: float) -> None:
    """``exp`` and ``iat`` against ``now``, as PyJWT checks them against the wall clock."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise jwt.InvalidTokenError("exp and iat must be integers")
    if exp <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if iat > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")


def load_jwks(source: str) -> dict[str, Any]:
    """A JWK Set from a file path or an ``http(s)://`` URL; :class:`ValueError` if unusable."""
    try:
        if source.startswith(("http://", "https://")):
            response = requests.get(source, timeout=10, allow_redirects=False)
            response.raise_for_status()
            data = response.json()
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, requests.RequestException, ValueError) as exc:
        raise ValueError(f"cannot read the JWKS from {source}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError(f"{source} is not a JWK Set (no 'keys' list)")
    return data
