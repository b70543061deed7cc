"""Random distributions of a scenario file, and the fast samplers they compile to.

A scenario writes a distribution as an inline table named by ``dist``::

    service_hours = { dist = "lognormal", mean = 2.0, sd = 1.5 }
    time_to_failure_days = { dist = "weibull", shape = 1.36, scale = 3250 }
    units = { dist = "discrete", values = [1, 2, 3], weights = [0.8, 0.15, 0.05] }

Every distribution here is of a non-negative quantity (a time, a price, a count). ``sampler()``
turns a validated spec into a plain function of a ``random.Random`` — no pydantic object is
touched on the simulation's hot path. ``mean()`` is the exact mean (validation uses it, e.g. the
load ρ = λ/(cμ) of an M/M/c scenario).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable
from itertools import accumulate
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Sampler = Callable[[random.Random], float]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Constant(_Spec):
    """Always ``value``."""

    dist: Literal["constant"]
    value: float = Field(ge=0)

    def mean(self) -> float:
        return self.value

    def sampler(self) -> Sampler:
        value = self.value
        return lambda rng: value


class Exponential(_Spec):
    """Memoryless, with the given ``mean`` (rate 1/mean)."""

    dist: Literal["exponential"]
    mean_: float = Field(gt=0, alias="mean")

    def mean(self) -> float:
        return self.mean_

    def sampler(self) -> Sampler:
        rate = 1.0 / self.mean_
        return lambda rng: rng.expovariate(rate)


class LogNormal(_Spec):
    """Right-skewed, given by its own ``mean`` and standard deviation ``sd`` (not log-scale)."""

    dist: Literal["lognormal"]
    mean_: float = Field(gt=0, alias="mean")
    sd: float = Field(ge=0)

    def mean(self) -> float:
        return self.mean_

    def log_params(self) -> tuple[float, float]:
        """(μ, σ) of the underlying normal: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2."""
        sigma = math.sqrt(math.log1p((self.sd / self.mean_) ** 2))
        return math.log(self.mean_) - sigma * sigma / 2, sigma

    def sampler(self) -> Sampler:
        mu, sigma = self.log_params()
        return lambda rng: rng.lognormvariate(mu, sigma)


class Weibull(_Spec):
    """F(t) = 1 − exp(−(t/scale)^shape): shape < 1 infant mortality, 1 random, > 1 wear-out."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    def sampler(self) -> Sampler:
        shape, scale = self.shape, self.scale
        return lambda rng: rng.weibullvariate(scale, shape)


class Uniform(_Spec):
    """Any value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sampler(self) -> Sampler:
        low, high = self.low, self.high
        return lambda rng: rng.uniform(low, high)


class Gamma(_Spec):
    """Given by ``mean`` and ``sd``: shape k = mean²/sd², scale θ = sd²/mean."""

    dist: Literal["gamma"]
    mean_: float = Field(gt=0, alias="mean")
    sd: float = Field(gt=0)

    def mean(self) -> float:
        return self.mean_

    def sampler(self) -> Sampler:
        shape, scale = (self.mean_ / self.sd) ** 2, self.sd**2 / self.mean_
        return lambda rng: rng.gammavariate(shape, scale)


class Discrete(_Spec):
    """One of ``values`` with the given relative ``weights`` (default: equally likely)."""

    dist: Literal["discrete"]
    values: tuple[float, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Discrete:
        if any(value < 0 for value in self.values):
            raise ValueError("values must not be negative")
        if self.weights is None:
            return self
        if len(self.weights) != len(self.values):
            raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return self

    def _weights_or_equal(self) -> tuple[float, ...]:
        return self.weights or (1.0,) * len(self.values)

    def mean(self) -> float:
        weights = self._weights_or_equal()
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)

    def sampler(self) -> Sampler:
        values = self.values
        cumulative = list(accumulate(self._weights_or_equal()))
        total = cumulative[-1]
        return lambda rng: values[bisect(cumulative, rng.random() * total)]


Distribution = Annotated[
    Constant | Exponential | LogNormal | Weibull | Uniform | Gamma | Discrete,
    Field(discriminator="dist"),
]
"""A distribution field of a scenario: an inline table with ``dist = "…"``."""


def constant(value: float) -> Constant:
    """A constant distribution built in code (defaults of scenario fields)."""
    return Constant(dist="constant", value=value)
