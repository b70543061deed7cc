"""What one replication measures: the warm-up cut, the time series, the final metrics.

Statistics cover the window from the end of the warm-up to the horizon: counts are differences
of the counters at those two instants; waits, sojourns and scores are those of customers who
joined a queue inside the window; occupancy is integrated over the window. A sampler process
emits one time-series row every ``[run] sample_hours`` (warm-up included, for Welch plots).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from simulator.counters import Counters
from simulator.histogram import Histogram
from simulator.scenario import Scenario
from simulator.wireless import LinkStats
from simulator.world import ProviderClass

if TYPE_CHECKING:
    from simulator.engine import Replication

Row = list[float | int | str]
LINK_COUNTS = ("sent", "lost", "retried", "duplicated", "delivered", "forgotten")


class Stats:
    """Counters, histograms and occupancy of one replication, and its time-series sink."""

    def __init__(self, scenario: Scenario, classes: list[ProviderClass]) -> None:
        self.counters = Counters()
        self.classes = classes
        self.links: dict[str, LinkStats] = {}
        self.warmup = scenario.warmup_hours
        self.sample_hours = scenario.run.sample_hours
        self.waits = Histogram()
        self.wait_sum = self.sojourn_sum = self.service_sum = 0.0
        self.sojourn_n = self.service_n = 0
        self.period_wait_sum, self.period_wait_n = 0.0, 0
        self.warm: dict[str, float] = {}
        self.warm_links: dict[str, dict[str, int]] = {}
        self.on_row: Callable[[Row], None] | None = None
        self.end = 0.0

    def start(self, env: simpy.Environment, rep: Replication) -> None:
        env.process(self._warmup(env))
        env.process(self._sampler(env, rep))

    def _warmup(self, env: simpy.Environment) -> Any:
        if self.warmup > 0:
            yield env.timeout(self.warmup)
        self.warm = self.counters.snapshot()
        for name, link in self.links.items():
            self.warm_links[name] = {key: getattr(link, key) for key in LINK_COUNTS}
            link.latency_ms = Histogram()
        for cls in self.classes:
            cls.occupancy.restart(env.now)

    def _sampler(self, env: simpy.Environment, rep: Replication) -> Any:
        previous = self.counters.snapshot()
        sent = lost = dup = 0
        while True:
            yield env.timeout(self.sample_hours)
            now = self.counters.snapshot()
            links = list(self.links.values())
            totals = [sum(getattr(link, key) for link in links) for key in ("sent", "lost")]
            duplicated = sum(link.duplicated for link in links)
            if self.on_row is not None:
                self.on_row(
                    self._row(env.now, rep, now, previous, totals, duplicated, (sent, lost, dup))
                )
            previous, (sent, lost), dup = now, totals, duplicated

    def _row(
        self,
        time: float,
        rep: Replication,
        now: dict[str, float],
        previous: dict[str, float],
        totals: list[int],
        duplicated: int,
        before: tuple[int, int, int],
    ) -> Row:
        def delta(key: str) -> float:
            return now[key] - previous[key]

        scores = delta("score_count")
        row: Row = [rep.index, round(time, 6)]
        row += [delta(k) for k in ("orders", "vouchers", "activations", "services", "abandoned")]
        row.append(round(delta("score_sum") / scores, 6) if scores else "")
        waits = self.period_wait_n
        row.append(round(self.period_wait_sum / waits, 6) if waits else "")
        self.period_wait_sum, self.period_wait_n = 0.0, 0
        row += [totals[0] - before[0], totals[1] - before[1], duplicated - before[2]]
        row += [delta("incentives_issued"), delta("claims_paid_cents") / 100]
        for cls in self.classes:
            row += [cls.occupancy.queued, cls.occupancy.busy]
        return row

    def columns(self) -> list[str]:
        """The header of ``timeseries.csv``."""
        names = ["replication", "time_hours", "orders", "vouchers", "activations", "services"]
        names += ["abandoned", "csat_mean", "wait_mean_hours", "messages_sent"]
        names += ["messages_lost", "messages_duplicated", "incentives_issued", "claims_paid"]
        for cls in self.classes:
            names += [f"queue_{cls.name}", f"busy_{cls.name}"]
        return names

    def record_service(self, wait: float, duration: float) -> None:
        """A customer who joined the queue inside the window was served."""
        self.waits.add(wait)
        self.wait_sum += wait
        self.sojourn_sum += wait + duration
        self.sojourn_n += 1
        self.service_sum += duration
        self.service_n += 1
        self.period_wait_sum += wait
        self.period_wait_n += 1

    def finish(self, now: float) -> None:
        self.end = now
        for cls in self.classes:
            cls.occupancy.change(now, 0, 0)
