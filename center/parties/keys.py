"""API keys and holder secrets: typed prefixes, shown once, stored as SHA-256 digests.

Keys are 256 random bits (holder secrets 160), so a fast unsalted hash is enough: nothing can be
guessed from the digest. Look-ups go by digest; a final ``hmac.compare_digest`` keeps the check
itself constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from center.settings import ADMIN_PREFIX

GSP_PREFIX = "gsp_"
PROVIDER_PREFIX = "prv_"
ADMIN = ADMIN_PREFIX  # the operator key: checked by the settings that carry it
HOLDER_PREFIX = "hld_"


def new_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_party_id(prefix: str) -> str:
    """A public party id such as ``gsp-3f9a1c2b7d4e6a80`` (not a secret)."""
    return f"{prefix}-{secrets.token_hex(8)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def matches(secret: str, stored_digest: str | None) -> bool:
    """Whether ``secret`` hashes to ``stored_digest``, compared in constant time on bytes."""
    if not stored_digest:
        return False
    return hmac.compare_digest(digest(secret).encode(), stored_digest.encode())
