"""The satisfaction score a customer gives after a service: 1–5 stars.

Expectancy–disconfirmation with a tolerance zone (Davis & Vollmann 1990; research notes §4.4)::

    s = 1 + 4 / (1 + exp(k · (w / w₀ − 1)))          wait w against the expected wait w₀
        − β · max(0, d / d₀ − 1)                        service d longer than expected d₀
        + quality + inflation + ε,   ε ~ Normal(0, σ)
    score = min(5, max(1, round(s)))

With ``k`` = ``steepness``, β = ``service_weight``, σ = ``noise_sd`` (``[satisfaction]``) and
``quality`` the provider class's offset. A wait of zero gives ≈4.8 before the offsets, a wait
of w₀ gives 3, twice w₀ about 1.2; ``inflation`` (≈0.3) models ratings clustering at 5.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from simulator.scenario_sections import Satisfaction

Scorer = Callable[[float, float, float, random.Random], int]


def scorer(model: Satisfaction) -> Scorer:
    """A function (wait hours, service hours, quality, rng) → score 1–5 for ``model``."""
    k, w0 = model.steepness, model.expected_wait_hours
    beta, d0 = model.service_weight, model.expected_service_hours
    sigma, inflation = model.noise_sd, model.inflation

    def score(wait: float, duration: float, quality: float, rng: random.Random) -> int:
        x = k * (wait / w0 - 1)
        s = 1 + 4 / (1 + math.exp(x)) if x < 700 else 1.0
        if duration > d0:
            s -= beta * (duration / d0 - 1)
        s += quality + inflation
        if sigma:
            s += rng.gauss(0.0, sigma)
        return 5 if s >= 4.5 else 1 if s < 1.5 else round(s)

    return score
