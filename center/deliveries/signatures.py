"""Who signed a store delivery: the Standard Webhooks check against the sender's secret.

The sender is looked up by the ``ASCC-Domain`` it names through a ``lookup(domain, fresh)``
callable (the api layer caches stores for a few seconds): before a signature is refused, the
sender is read again (``fresh=True``), so a secret changed in the database is honoured at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from ascc_plugin.signatures import SignatureError, verify_standard
from center.infra.problems import Unauthorized

MAX_DOMAIN = 255


class Sender(Protocol):
    """A party that signs its deliveries (a store)."""

    @property
    def signing_secret(self) -> str: ...


S = TypeVar("S", bound=Sender)
Lookup = Callable[[str, bool], S | None]


def domain_of(headers: Mapping[str, str]) -> str:
    """The ``ASCC-Domain`` header, or ``""`` when it is missing or unusable."""
    domain = headers.get("ASCC-Domain", "").strip()
    return domain if domain.isprintable() and len(domain) <= MAX_DOMAIN else ""


def verified_sender(
    lookup: Lookup[S], headers: Mapping[str, str], body: bytes, now: float, tolerance: int
) -> tuple[S, str]:
    """The sender named by ``ASCC-Domain`` and the delivery id, if it signed ``body``; else 401."""
    domain = domain_of(headers)
    sender = lookup(domain, False) if domain else None
    if sender is None:
        raise Unauthorized("ASCC-Domain names no registered store")
    try:
        return sender, verify_standard([sender.signing_secret], headers, body, now, tolerance)
    except SignatureError as exc:
        fresh = lookup(domain, True)
        if fresh is None or fresh.signing_secret == sender.signing_secret:
            raise Unauthorized(str(exc)) from None
    try:
        return fresh, verify_standard([fresh.signing_secret], headers, body, now, tolerance)
    except SignatureError as exc:
        raise Unauthorized(str(exc)) from None
