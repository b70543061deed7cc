"""Voucher identifiers and holder secrets (DESIGN §5).

A voucher id is an 80-bit keyed hash (HMAC-SHA256) of the transaction it covers, written as four
groups of four Crockford base32 characters and a check character: ``7K3M-9QXD-2B4F-H8TZ-V``.
The same (platform, shop, order, line, unit, program) always yields the same id, so a replayed or
re-ordered event yields exactly the same set. The check character is Crockford's mod-37 symbol:
37 is prime and larger than the alphabet, so every single-character typo and every swap of two
adjacent characters changes it.

An incentive voucher (given after an assessment) uses the same scheme in its own namespace:
its id is the keyed hash of ``["incentive", <service voucher id>]`` and its check character is
shifted by :data:`INCENTIVE`, so an incentive id never reads as a valid service voucher id (for
the same 80 bits the check characters differ; for different bits the bodies do) — the two kinds
can never collide, and a typo is caught in either.

The holder secret is 160 random bits: the only thing that lets a customer act on a voucher.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
ID_BITS = 80
ID_CHARS = ID_BITS // 5
GROUP = 4
HOLDER_PREFIX = "hld_"
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}
_CHECK_DECODE = {c: i for i, c in enumerate(CHECK_ALPHABET)}

SERVICE = 0
INCENTIVE = 1
"""Namespaces: the offset added to the value before its check character is taken."""

PUBLIC_PREVIEW_KEY = b"ascc-public-preview-key"
"""Used when no voucher-id key is configured: ids stay deterministic but become guessable."""


class InvalidVoucherId(ValueError):
    """The text is not a well-formed voucher id, or its check character does not match."""


def voucher_id(
    key: bytes, platform: str, shop: str, order_id: str, line_id: str, unit: int, program: str
) -> str:
    """The id of one unit of one order line under one program, keyed by ``key``."""
    material = json.dumps([platform, shop, order_id, line_id, unit, program], ensure_ascii=False)
    digest = hmac.new(key, material.encode("utf-8"), hashlib.sha256).digest()
    value = int.from_bytes(digest[: ID_BITS // 8], "big")
    return format_id(value)


def incentive_id(key: bytes, voucher_id: str) -> str:
    """The id of the incentive voucher given for the service voucher ``voucher_id``."""
    material = json.dumps(["incentive", voucher_id])
    digest = hmac.new(key, material.encode("utf-8"), hashlib.sha256).digest()
    return format_id(int.from_bytes(digest[: ID_BITS // 8], "big"), INCENTIVE)


def format_id(value: int, namespace: int = SERVICE) -> str:
    """Write an 80-bit integer as grouped Crockford base32 with its check character."""
    chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(ID_CHARS)))
    groups = [chars[i : i + GROUP] for i in range(0, ID_CHARS, GROUP)]
    return "-".join([*groups, CHECK_ALPHABET[(value + namespace) % 37]])


def parse_id(text: str, namespace: int = SERVICE) -> str:
    """Normalise a typed voucher id (case, hyphens, spaces, O/I/L look-alikes) and check it.

    Returns the canonical form; raises :class:`InvalidVoucherId` with the reason otherwise.
    """
    compact = text.replace("-", "").replace(" ", "").upper()
    if len(compact) != ID_CHARS + 1:
        raise InvalidVoucherId(f"a voucher id has {ID_CHARS} characters and a check character")
    value = 0
    for char in compact[:-1]:
        if char not in _DECODE:
            raise InvalidVoucherId(f"{char!r} is not a Crockford base32 character")
        value = value * 32 + _DECODE[char]
    check = _CHECK_DECODE.get(compact[-1])
    if check != (value + namespace) % 37:
        raise InvalidVoucherId("the check character does not match: is there a typo?")
    return format_id(value, namespace)


def new_holder_secret() -> str:
    """A fresh holder secret: ``hld_`` and 160 random bits, URL-safe."""
    return HOLDER_PREFIX + secrets.token_urlsafe(20)
