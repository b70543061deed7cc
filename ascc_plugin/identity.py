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

import hmac
import secrets
from json.encoder import encode_basestring, encode_basestring_ascii

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
ID_BITS = 80
ID_CHARS = ID_BITS // 5
GROUP = 4
HOLDER_PREFIX = "hld_"
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}
_CHECK_DECODE = {c: i for i, c in enumerate(CHECK_ALPHABET)}
_PAIRS = tuple(ALPHABET[i >> 5] + ALPHABET[i & 31] for i in range(1024))
"""Two characters for every 10 bits: an id is eight table lookups."""

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
    """The id of one unit of one order line under one program, keyed by ``key``.

    The keyed material is the JSON array ``[platform, shop, order_id, line_id, unit, program]``
    as ``json.dumps(..., ensure_ascii=False)`` writes it (written here without the encoder's
    machinery: the ids of every voucher ever issued depend on these exact bytes)."""
    e = encode_basestring
    material = f"[{e(platform)}, {e(shop)}, {e(order_id)}, {e(line_id)}, {int(unit)}, {e(program)}]"
    digest = hmac.digest(key, material.encode("utf-8"), "sha256")
    return format_id(int.from_bytes(digest[: ID_BITS // 8], "big"))


def incentive_id(key: bytes, voucher_id: str) -> str:
    """The id of the incentive voucher given for the service voucher ``voucher_id``."""
    material = f'["incentive", {encode_basestring_ascii(voucher_id)}]'  # json.dumps
    digest = hmac.digest(key, material.encode("utf-8"), "sha256")
    return format_id(int.from_bytes(digest[: ID_BITS // 8], "big"), INCENTIVE)


def format_id(value: int, namespace: int = SERVICE) -> str:
    """Write an 80-bit integer as grouped Crockford base32 with its check character, taken
    in ``namespace`` (most significant bits first; four groups of four characters)."""
    p = _PAIRS
    return (
        f"{p[value >> 70 & 1023]}{p[value >> 60 & 1023]}-{p[value >> 50 & 1023]}"
        f"{p[value >> 40 & 1023]}-{p[value >> 30 & 1023]}{p[value >> 20 & 1023]}-"
        f"{p[value >> 10 & 1023]}{p[value & 1023]}-{CHECK_ALPHABET[(value + namespace) % 37]}"
    )


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
