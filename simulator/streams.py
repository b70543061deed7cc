"""Reproducible random streams: one ``random.Random`` per source of randomness.

Every stream of a replication is seeded from (base seed, replication, stream name) through
SHA-256, so streams are independent of each other and of where a replication runs (serial,
in a worker process, on a Dask worker): the same seed gives the same replication everywhere.
Adjacent seeds do not give correlated streams (the hash decorrelates them, as numpy's
``SeedSequence`` does). Never the module-level ``random`` functions.
"""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, replication: int, name: str) -> random.Random:
    """The stream ``name`` of replication ``replication`` of a run seeded ``seed``."""
    material = f"ascc-sim/{seed}/{replication}/{name}".encode()
    seed_bits = int.from_bytes(hashlib.sha256(material).digest()[:16], "big")
    return random.Random(seed_bits)  # noqa: S311 -- simulation streams, not secrets


class Streams:
    """The named streams of one replication, made on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed, self.replication = seed, replication
        self._made: dict[str, random.Random] = {}

    def __getitem__(self, name: str) -> random.Random:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = stream(self.seed, self.replication, name)
        return made
