"""Samplers built from scenario ``Duration`` specs, drawing in blocks because they are hot."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Protocol

import numpy as np

BLOCK = 4096


class Duration(Protocol):
    """What a sampler needs of a duration spec (``sim.scenario.base.Duration`` is one)."""

    @property
    def dist(self) -> str: ...
    @property
    def mean(self) -> float: ...
    @property
    def cv(self) -> float: ...
    @property
    def cap(self) -> float | None: ...


def draw(spec: Duration, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws from ``spec``; lognormal and gamma are parametrised by mean and cv."""
    m, cv = spec.mean, spec.cv
    if spec.dist == "fixed" or (cv == 0 and spec.dist != "exponential"):
        out = np.full(size, m)
    elif spec.dist == "exponential":
        out = rng.exponential(m, size)
    elif spec.dist == "lognormal":
        sigma2 = math.log1p(cv * cv)
        out = rng.lognormal(math.log(m) - sigma2 / 2, math.sqrt(sigma2), size)
    elif spec.dist == "gamma":
        shape = 1.0 / (cv * cv)
        out = rng.gamma(shape, m / shape, size)
    elif spec.dist == "uniform":
        half = m * cv * math.sqrt(3.0)
        out = rng.uniform(m - half, m + half, size)
    else:  # pragma: no cover - the schema admits only the families above
        raise ValueError(spec.dist)
    if spec.cap is not None:
        np.minimum(out, spec.cap, out=out)
    return out


class Sampler:
    """One spec on one stream; ``next()`` hands out values from pre-drawn blocks (a C-level
    iterator over each block: the model draws about 1.5 million values a year)."""

    __slots__ = ("_rng", "next", "scale", "spec")

    def __init__(self, spec: Duration, rng: np.random.Generator, scale: float = 1.0):
        self.spec, self._rng, self.scale = spec, rng, scale
        self.next: Callable[[], float] = chain.from_iterable(self._blocks()).__next__

    def _blocks(self) -> Iterator[list[float]]:
        while True:
            yield (draw(self.spec, self._rng, BLOCK) * self.scale).tolist()


def uniforms(rng: np.random.Generator) -> Callable[[], float]:
    """Block-drawn U(0,1) for routing decisions: ``u = uniforms(rng)``, then ``u() < p``."""

    def blocks() -> Iterator[list[float]]:
        while True:
            yield rng.random(BLOCK).tolist()

    return chain.from_iterable(blocks()).__next__
