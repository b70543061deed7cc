"""Wireless link profiles: what a party's radio link does to a message (claims 23–26).

A profile is the application-visible link of §3.3 of the simulation research notes: a one-way
delay drawn from a lognormal (``latency_ms`` mean, ``jitter_ms`` standard deviation: long-tailed,
as Wi-Fi and mobile latencies are), a serialisation delay ``bytes·8 / bandwidth``, per-packet
Gilbert–Elliott burst loss (``p`` = P(good→bad), ``r`` = P(bad→good), ``loss_bad`` = 1−h,
``loss_good`` = 1−k; netem's ``loss gemodel p r 1-h 1-k``), and outages: the link alternates
up (exponential, mean ``mean_up_s``) and down (exponential, mean ``mean_down_s``).

Mean loss rate = π_B·loss_bad + π_G·loss_good with π_B = p/(p+r), π_G = r/(p+r) (Gilbert 1960,
Elliott 1963; e.g. docs.rs/badnet GilbertElliot). The built-in profiles are the suggested
defaults of the research notes (§3.4), calibrated against:

- ``wifi_good``: Wi-Fi hop median ≈3 ms, P90 ≈20 ms, P99 ≈250 ms (WiFiSeer, MobiSys 2016, 47 k
  devices); home Wi-Fi as bottleneck (Sharma et al. 2023, arXiv 2311.05499).
- ``lte_urban``: US LTE median latency 31–39 ms (Ookla Q2 2020), 44–66 ms state averages and
  21.3/6.3 Mbps (Opensignal Q1 2019); LTE handover interruption 30–80 ms.
- ``lte_slow``: Lighthouse's "slow 4G" reference: 150 ms RTT, 1.6/0.75 Mbps, no loss
  (GoogleChrome/lighthouse docs/throttling.md).
- ``nr_5g``: T-Mobile 5G median 47 ms latency, 208–266/14.6 Mbps (Ookla H1 2024); NR handover
  50–150 ms.
- ``rural_edge``: rural latency ≥72–95 ms, 12–20/3.7 Mbps (Opensignal 2019 rural reports);
  no-signal time 1.5–6.8 % (Opensignal, rural Germany … Brazil); WebPageTest "3G slow" presets.
- ``ideal``: no delay, no loss, no outage — for validation against queueing formulas.

Loss and jitter figures for the mobile profiles are the notes' inference (operators publish
latency and throughput, not loss); calibrate them for a study with your own traces.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LinkProfile(BaseModel):
    """One wireless link profile (a ``[wireless.profiles.NAME]`` table, or a built-in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(default=25.0, ge=0)
    jitter_ms: float = Field(default=10.0, ge=0)
    p: float = Field(default=0.0, ge=0, le=1)
    r: float = Field(default=1.0, ge=0, le=1)
    loss_bad: float = Field(default=1.0, ge=0, le=1)
    loss_good: float = Field(default=0.0, ge=0, le=1)
    down_mbps: float | None = Field(default=None, gt=0)
    up_mbps: float | None = Field(default=None, gt=0)
    mean_up_s: float | None = Field(default=None, gt=0)
    mean_down_s: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _recovers(self) -> LinkProfile:
        if self.p > 0 and self.r == 0:
            raise ValueError("r = 0 with p > 0: the bad state would never end")
        if self.mean_up_s is not None and self.mean_down_s <= 0:
            raise ValueError("an outage profile (mean_up_s) needs mean_down_s > 0")
        return self

    def loss_rate(self) -> float:
        """The stationary loss rate π_B·(1−h) + π_G·(1−k)."""
        if self.p == 0:
            return self.loss_good
        pi_bad = self.p / (self.p + self.r)
        return pi_bad * self.loss_bad + (1 - pi_bad) * self.loss_good

    def offline_share(self) -> float:
        """The long-run share of time the link is down."""
        if self.mean_up_s is None:
            return 0.0
        return self.mean_down_s / (self.mean_up_s + self.mean_down_s)


BUILTIN_PROFILES: MappingProxyType[str, LinkProfile] = MappingProxyType({
    "wifi_good": LinkProfile(
        latency_ms=10, jitter_ms=10, p=0.002, r=0.5, loss_bad=0.5, loss_good=0.0005,
        down_mbps=50, up_mbps=20, mean_up_s=7200, mean_down_s=3,
    ),
    "lte_urban": LinkProfile(
        latency_ms=25, jitter_ms=10, p=0.005, r=0.4, loss_bad=0.6, loss_good=0.001,
        down_mbps=20, up_mbps=6, mean_up_s=1800, mean_down_s=2,
    ),
    "lte_slow": LinkProfile(latency_ms=75, jitter_ms=25, down_mbps=1.6, up_mbps=0.75),
    "nr_5g": LinkProfile(
        latency_ms=20, jitter_ms=8, p=0.002, r=0.5, loss_bad=0.5, loss_good=0.0002,
        down_mbps=200, up_mbps=15, mean_up_s=3600, mean_down_s=1,
    ),
    "rural_edge": LinkProfile(
        latency_ms=60, jitter_ms=40, p=0.01, r=0.2, loss_bad=0.8, loss_good=0.002,
        down_mbps=5, up_mbps=1, mean_up_s=600, mean_down_s=20,
    ),
    "ideal": LinkProfile(latency_ms=0, jitter_ms=0),
})  # fmt: skip
"""The profiles every scenario may name (research notes §3.4, suggested defaults)."""
