"""Customer identities from Faker, made lazily and pooled.

Faker makes about 2,500 full profiles a second — slower than simulating a customer — so the
engine never calls it per order: a customer gets an identity only when something shows one
(the per-service records), and identities come from a pool of ``size`` profiles made on first
need, in a fixed order from a seeded Faker, so the same seed gives the same names. Customer ids
come from the simulation's own streams, never from Faker.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Identity(NamedTuple):
    name: str
    email: str


class IdentityPool:
    """``size`` Faker identities, generated in order the first time one is asked for."""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed = size, seed
        self._pool: list[Identity] = []
        self._faker: Any = None

    def get(self, customer_id: int) -> Identity:
        """The identity shown for customer ``customer_id``."""
        index = customer_id % self.size
        while len(self._pool) <= index:
            self._pool.append(self._make())
        return self._pool[index]

    def _make(self) -> Identity:
        if self._faker is None:
            from faker import Faker

            self._faker = Faker("en_US")
            self._faker.seed_instance(self.seed)
        return Identity(self._faker.name(), self._faker.email())

    @property
    def generated(self) -> int:
        """How many profiles Faker has made so far."""
        return len(self._pool)
