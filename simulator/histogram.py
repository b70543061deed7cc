"""A streaming histogram: percentiles of millions of values in constant memory.

Values go into logarithmic bins 1 % wide (``RATIO = 1.01``) above ``LOW``, plus one bin for
values below ``LOW`` (zero waits land there). A percentile is read back as its bin's geometric
middle, so it is exact to ±0.5 %; the mean is exact (a running sum). Histograms of several
replications add up bin by bin (:meth:`merge`), which is how the plots pool them.
"""

from __future__ import annotations

import math
from typing import Any

LOW = 1e-6
RATIO = 1.01
_SCALE = 1.0 / math.log(RATIO)


class Histogram:
    """Counts per logarithmic bin, with the exact count, sum and maximum."""

    __slots__ = ("bins", "count", "maximum", "total")

    def __init__(self) -> None:
        self.bins: dict[int, int] = {}
        self.count = 0
        self.total = 0.0
        self.maximum = 0.0

    def add(self, value: float) -> None:
        """Record one value (negative values count as zero)."""
        index = int(math.log(value / LOW) * _SCALE) + 1 if value >= LOW else 0
        bins = self.bins
        bins[index] = bins.get(index, 0) + 1
        self.count += 1
        self.total += value
        if value > self.maximum:
            self.maximum = value

    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def quantile(self, q: float) -> float:
        """The value below which a share ``q`` (0–1) of the recorded values lie."""
        if not self.count:
            return 0.0
        rank = q * self.count
        seen = 0
        for index in sorted(self.bins):
            seen += self.bins[index]
            if seen >= rank:
                return min(bin_middle(index), self.maximum)
        return self.maximum

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s values to this histogram."""
        for index, count in other.bins.items():
            self.bins[index] = self.bins.get(index, 0) + count
        self.count += other.count
        self.total += other.total
        self.maximum = max(self.maximum, other.maximum)

    def to_json(self) -> dict[str, Any]:
        return {
            "bins": {str(k): v for k, v in sorted(self.bins.items())},
            "count": self.count,
            "total": self.total,
            "maximum": self.maximum,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Histogram:
        histogram = cls()
        histogram.bins = {int(k): int(v) for k, v in data["bins"].items()}
        histogram.count, histogram.total = int(data["count"]), float(data["total"])
        histogram.maximum = float(data["maximum"])
        return histogram


def bin_middle(index: int) -> float:
    """The geometric middle of bin ``index`` (0 for the bin below ``LOW``)."""
    if index == 0:
        return 0.0
    return float(LOW * RATIO ** (index - 0.5))
