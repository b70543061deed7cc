"""The reward and insurance rules of the hub, as the simulator models them (money in cents).

Incentives (the hub's documented rules): the amount is the program's ``incentive`` schedule
value for the score (``Program.reward_for``; no entry → none); at most ``pair_limit`` incentives
per (customer, provider) pair per ``pair_window_days``; a per-program cap on the amount issued
(``[incentives] program_caps``). The customer releases an incentive to the provider who served;
it is redeemable only after ``hold_hours``; one not released within ``lapse_days`` lapses.

Insurance: an issued voucher of an insured program earns a premium (a fixed amount, or a rate of
the unit price), reversed if the voucher is voided before service; a provider's cost claim pays
``min(amount − deductible, remaining coverage of that voucher)``; loss ratio = paid claims /
earned premiums.
"""

from __future__ import annotations

from simulator.counters import Counters


class PairWindow:
    """Incentive times per (customer, provider) pair within the last ``window`` hours.

    Two generations of ``window`` hours each, so pairs idle longer than the window are dropped
    and memory stays bounded however long the run.
    """

    __slots__ = ("current", "previous", "rotate_at", "window")

    def __init__(self, window_hours: float) -> None:
        self.window = window_hours
        self.rotate_at = window_hours
        self.current: dict[tuple[int, int], list[float]] = {}
        self.previous: dict[tuple[int, int], list[float]] = {}

    def recent(self, pair: tuple[int, int], now: float) -> list[float]:
        """The pair's incentive times in the window (a list the caller may append to)."""
        if now >= self.rotate_at:
            self.previous, self.current = self.current, {}
            self.rotate_at = now + self.window
        times = self.current.get(pair)
        if times is None:
            times = self.previous.pop(pair, [])
            self.current[pair] = times
        cutoff = now - self.window
        while times and times[0] <= cutoff:
            times.pop(0)
        return times


class Ledger:
    """Applies the reward and insurance rules, counting into ``counters``."""

    def __init__(
        self, counters: Counters, pair_limit: int, window_hours: float, caps: list[int | None]
    ) -> None:
        self.counters = counters
        self.pair_limit = pair_limit
        self.pairs = PairWindow(window_hours)
        self.caps = caps
        self.spent = [0] * len(caps)

    def issue_incentive(
        self, now: float, program: int, customer: int, provider: int, cents: int
    ) -> bool:
        """Whether an incentive of ``cents`` may be issued now (and count it if so)."""
        c = self.counters
        times = self.pairs.recent((customer, provider), now)
        if len(times) >= self.pair_limit:
            c.incentives_pair_capped += 1
            return False
        cap = self.caps[program]
        if cap is not None and self.spent[program] + cents > cap:
            c.incentives_program_capped += 1
            return False
        times.append(now)
        self.spent[program] += cents
        c.incentives_issued += 1
        c.incentives_cents += cents
        return True

    def premium(self, cents: int) -> None:
        self.counters.premiums_cents += cents

    def reverse_premium(self, cents: int) -> None:
        self.counters.premiums_reversed_cents += cents

    def claim(self, cost_cents: int, deductible: int, coverage_left: int) -> int:
        """The amount paid on a provider's cost claim (the caller lowers the coverage)."""
        paid = max(0, min(cost_cents - deductible, coverage_left))
        c = self.counters
        c.claims += 1
        c.claims_paid_cents += paid
        return paid
