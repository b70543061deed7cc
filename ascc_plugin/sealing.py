"""Sealing secrets at rest: Fernet (``cryptography``) under keys kept in a file of their own.

What must be kept but never lie on disk in plain text — the hub's answers with holder secrets
in the store's outbox, the first answers a hub replays, the stores' signing secrets at the hub
— is sealed with Fernet (AES-128-CBC + HMAC-SHA256: authenticated, so a changed byte is refused,
not decrypted to garbage). ``cryptography`` is already a dependency and its ``MultiFernet`` does
key rotation: the first key seals, every key opens, :meth:`Seal.rotate` re-seals under the first.

A key file holds one urlsafe-base64 Fernet key per line, newest first, and is created mode 0600
(atomically: of several processes starting at once, one wins). A :class:`Seal` made from a file
reads it again when a token does not open, so a process started before ``rotate`` still opens
what was sealed after it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ascc_plugin.keys import write_private


class SealError(ValueError):
    """A sealed value does not open with any key there is (changed, or sealed elsewhere)."""


def read_keys(path: Path) -> list[bytes]:
    """The keys of ``path``, newest first (the file is made with one new key if missing)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        write_private(draft, Fernet.generate_key() + b"\n")
        try:
            os.link(draft, path)  # atomic: an existing file (another process's) wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not keys:
        raise SealError(f"{path}: holds no key")
    return keys


def add_key(path: Path, retire: bool = False) -> list[bytes]:
    """Put a new key first in ``path`` (older ones kept unless ``retire``); the keys now."""
    keys = [Fernet.generate_key(), *([] if retire else read_keys(path))]
    write_private(path, b"\n".join(keys) + b"\n")
    return keys


class Seal:
    """Seals and opens bytes with a key list (the first seals); see the module docstring."""

    def __init__(self, keys: Sequence[bytes], path: Path | None = None) -> None:
        self.path = path
        self._use(keys)

    @classmethod
    def for_file(cls, path: Path) -> Seal:
        """The seal of a key file, made (mode 0600) on first use."""
        return cls(read_keys(path), path)

    @classmethod
    def for_keys(cls, text: str) -> Seal:
        """The seal of comma-separated keys given in settings (the first seals)."""
        return cls([key.strip().encode() for key in text.split(",") if key.strip()])

    def _use(self, keys: Sequence[bytes]) -> None:
        try:
            self.multi = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as exc:
            raise SealError(f"not a Fernet key ({exc})") from None
        self.keys = list(keys)

    def seal(self, data: bytes) -> bytes:
        return self.multi.encrypt(data)

    def open(self, token: bytes) -> bytes:
        """The sealed bytes; :class:`SealError` if no key opens them (after re-reading the file)."""
        try:
            return self.multi.decrypt(token)
        except InvalidToken:
            if self.path is None or read_keys(self.path) == self.keys:
                raise SealError("a sealed value does not open with the keys there are") from None
        self._use(read_keys(self.path))
        return self.open(token)

    def rotate(self, token: bytes) -> bytes:
        """``token`` sealed again under the first key (it must open with one of the keys)."""
        try:
            return self.multi.rotate(token)
        except InvalidToken:
            raise SealError("a sealed value does not open with the keys there are") from None
