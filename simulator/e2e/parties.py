"""Customers and providers acting on the real hub, in the order the model decided.

Each voucher has a queue of steps: ``activate`` and ``assign`` when the model's customer starts
a case; ``redeem``, ``complete`` and ``assess`` when the model's provider has served it. A step
runs as soon as the voucher is in the customer's wallet (it may arrive later than the model
thinks: the hub can be down) and the steps before it ran. Each request crosses the party's
wireless cell: a request lost on the air is sent again; when only the answer was lost, the
repeat's 409 means the first one took effect. A refusal the model did not foresee (the hub
answers 409 because the voucher was voided first) ends the voucher's queue and is counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from simulator.e2e.hub import SimHub
from simulator.e2e.store import UnitKey, Wallet
from simulator.e2e.transport import Link

MAX_TRIES = 50


@dataclass(frozen=True)
class Step:
    """One party's request: ``who`` is ``holder`` or a provider's API key."""

    action: str
    who: str
    link: Link
    body: Callable[[Any], dict[str, Any] | None] = lambda voucher: None


@dataclass
class Tally:
    done: int = 0
    refused: int = 0
    resent: int = 0
    refusals: list[str] = field(default_factory=list)


class Parties:
    """The step queues of every voucher, run against ``hub`` as wallets fill."""

    def __init__(self, hub: SimHub, wallets: list[Wallet]) -> None:
        self.hub = hub
        self.wallets = wallets
        self.queues: dict[UnitKey, deque[Step]] = {}
        self.tally = Tally()
        for wallet in wallets:
            wallet.on_arrival = self.pump

    def plan(self, key: UnitKey, *steps: Step) -> None:
        self.queues.setdefault(key, deque()).extend(steps)
        self.pump(key)

    def voucher(self, key: UnitKey) -> Any:
        for wallet in self.wallets:
            found = wallet.vouchers.get(key)
            if found is not None:
                return found
        return None

    def waiting(self) -> int:
        return sum(len(queue) for queue in self.queues.values())

    def pump(self, key: UnitKey) -> None:
        queue = self.queues.get(key)
        voucher = self.voucher(key)
        while queue and voucher is not None:
            step = queue.popleft()
            if not self.perform(step, voucher):
                queue.clear()
        if queue is not None and not queue:
            del self.queues[key]

    def perform(self, step: Step, voucher: Any) -> bool:
        """Send the step until it gets through; whether the hub took it."""
        key = voucher.holder_secret if step.who == "holder" else step.who
        path = f"/api/v1/vouchers/{voucher.id}/{step.action}"
        lost_answer = False
        for _ in range(MAX_TRIES):
            try:
                step.link.outbound()
            except requests.RequestException:
                self.tally.resent += 1
                continue
            answer = self.hub.call("POST", path, key, step.body(voucher))
            try:
                step.link.inbound()
            except requests.RequestException:
                self.tally.resent += 1
                lost_answer = True
                continue
            if answer.status == 200 or (answer.status == 409 and lost_answer):
                self.tally.done += 1
                return True
            self.tally.refused += 1
            detail = answer.body.get("detail") if isinstance(answer.body, dict) else answer.body
            self.tally.refusals.append(f"{voucher.id} {step.action}: {answer.status} {detail}")
            return False
        self.tally.refused += 1
        self.tally.refusals.append(f"{voucher.id} {step.action}: no answer in {MAX_TRIES} tries")
        return False
