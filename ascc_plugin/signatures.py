"""Webhook signatures, checked in constant time on bytes (never ``str``: see NOTES.md).

Two schemes:

* storefront HMAC (Shopify ``X-Shopify-Hmac-Sha256``, WooCommerce ``X-WC-Webhook-Signature``):
  base64 of HMAC-SHA256 over the raw body — :func:`hmac_b64`, :func:`matches_b64`;
* Standard Webhooks (our own store → center and center → store/provider webhooks):
  ``v1,<base64 HMAC-SHA256 over "id.timestamp.body">`` keyed with the base64 secret after
  ``whsec_`` — :func:`sign_standard`, :func:`verify_standard`. Written here rather than wrapping
  the ``standardwebhooks`` package because that one raises ``ValueError``/``binascii.Error`` on
  malformed headers and cannot take an injected clock; the tests check this module against the
  package's published vectors and against the package itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
TOLERANCE_SECONDS = 300
MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 for the next 30,000 years; int() stays cheap


class SignatureError(Exception):
    """The request is not signed as it must be; the message says how (never the secret)."""


def hmac_b64(secret: bytes, body: bytes) -> bytes:
    """base64(HMAC-SHA256(secret, body)), as bytes."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())


def header_bytes(value: str) -> bytes:
    """A header value as the bytes that came over the wire (WSGI hands them over as latin-1)."""
    try:
        return value.strip().encode("latin-1")
    except UnicodeEncodeError:
        return value.strip().encode("utf-8", "replace")


def matches_b64(secrets_: Iterable[bytes], body: bytes, given: str | None) -> bool:
    """Whether ``given`` is the base64 HMAC of ``body`` under a non-empty one of ``secrets_``."""
    if not given:
        return False
    given_bytes = header_bytes(given)
    found = False
    for secret in secrets_:
        if secret:
            found |= hmac.compare_digest(hmac_b64(secret, body), given_bytes)
    return found


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret (padding optional); ValueError if not base64."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a signing secret is 'whsec_' followed by base64") from None


def sign_standard(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for ``body`` sent as ``msg_id`` at ``timestamp``."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard(secret, msg_id, timestamp, body),
    }


def verify_standard(
    secrets_: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a Standard Webhooks delivery; return its ``webhook-id`` or raise SignatureError.

    ``headers`` must look names up case-insensitively (Werkzeug's and requests' do). Several
    space-separated signatures are allowed (rotation); versions other than ``v1`` are ignored.
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    given = headers.get("webhook-signature", "")
    if not (msg_id and stamp and given):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > MAX_TIMESTAMP_DIGITS:
        raise SignatureError("webhook-timestamp is not a whole number of seconds")
    if abs(now - int(stamp)) > tolerance:
        raise SignatureError("webhook-timestamp is outside the 5-minute tolerance")
    offered = [header_bytes(part)[3:] for part in given.split() if part.startswith("v1,")]
    for secret in secrets_:
        expected = sign_standard(secret, msg_id, int(stamp), body)[3:].encode()
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise SignatureError("no valid v1 signature")
