"""Named random streams: the only place in the package that creates generators.

Each stream is seeded by (base seed, replication, crc32 of its name), so adding a stream never
shifts the others and every scenario sees the same numbers for replication k (common random
numbers by construction). Name streams after the decision they drive: ``arrivals.ed``.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(base_seed: int, replication: int, name: str) -> np.random.Generator:
    key = zlib.crc32(name.encode())  # not hash(): that changes between processes
    return np.random.default_rng(np.random.SeedSequence(base_seed, spawn_key=(replication, key)))


class Streams:
    """Hands out one generator per name for a replication, creating each on first use."""

    def __init__(self, base_seed: int, replication: int):
        self.base_seed = base_seed
        self.replication = replication
        self._made: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        gen = self._made.get(name)
        if gen is None:
            gen = self._made[name] = stream(self.base_seed, self.replication, name)
        return gen

    @property
    def names(self) -> list[str]:
        return sorted(self._made)
