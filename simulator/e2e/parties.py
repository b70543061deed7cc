"""Customers and providers acting on the real hub, in the order the model decided.

Each voucher has a queue of steps: ``activate`` and ``assign`` when the model's customer starts
a case; ``redeem``, ``complete`` and ``assess`` when the model's provider has served it. A step
runs as soon as the voucher is in the customer's wallet (it may arrive later than the model
thinks: the hub can be down) and the steps before it ran. Each request crosses the party's
wireless cell: a request lost on the air is sent again; when only the answer was lost, the
repeat's 409 means the first one took effect. A refusal the model did not foresee (the hub
answers 409 because the voucher was voided first) ends the voucher's queue and is counted.

After the assessment come the incentive's steps (``target = "incentive"``): the customer's
``release`` and the provider's ``redeem`` act on the incentive the hub issued (it reached the
customer through the hub's ``ascc_incentive_issued`` hook, token included: ``incentive_of``);
a redeem due before the hold ends waits for it (the provider knows ``redeemable_at``).
Frames of the case's conversation (``target = "frame"``) go through ``frame``; a lost answer
makes the party resend the frame under its ``client_msg_id`` (the hub stores it once).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import requests

from simulator.e2e.hub import Answer
from simulator.e2e.store import UnitKey, Wallet
from simulator.e2e.transport import Link

FRAME = "frame"
"""A step's target: a frame into the voucher's case (the channel)."""
GIVE_UP_HOURS = 7 * 24.0
"""A party stops resending a step after a week (the hub down that long is a lost case)."""


class HubCalls(Protocol):
    def call(
        self,
        method: str,
        path: str,
        key: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer: ...


@dataclass(frozen=True)
class Step:
    """One party's request: ``who`` is ``holder`` or a party's API key; ``link`` ``None`` is
    the operator at the hub's console (nothing on the air)."""

    action: str
    who: str
    link: Link | None
    body: Callable[[Any], dict[str, Any] | None] = lambda voucher: None
    """The request's body from the voucher (or, for ``target = "incentive"``, the incentive)."""
    target: str = "voucher"
    path: str = ""
    """A fixed path (e.g. a claim's decision); empty: the target's action."""
    headers: tuple[tuple[str, str], ...] = ()
    then: Callable[[Answer], list[Step]] | None = None
    """Called with the answer once the step is done: the steps to run next, first."""


@dataclass
class Tally:
    done: int = 0
    refused: int = 0
    resent: int = 0
    refusals: list[str] = field(default_factory=list)


class Parties:
    """The step queues of every voucher, run against ``hub`` as wallets fill.

    ``later(hours, fn)`` calls ``fn`` after ``hours`` of virtual time: a step whose request
    was lost is tried again after the sender's timeout and a backoff (the phone's retry), for
    at most :data:`GIVE_UP_HOURS`; ``now()`` is the virtual time in hours.
    """

    def __init__(
        self,
        hub: HubCalls,
        wallets: list[Wallet],
        later: Callable[[float, Callable[[], None]], None],
        pause: Callable[[int], float],
        now: Callable[[], float],
        incentive_of: Callable[[str], Any] = lambda voucher_id: None,
        hours_of: Callable[[datetime], float] = lambda moment: 0.0,
        frame: Callable[[str, str, dict[str, Any]], Answer] | None = None,
    ) -> None:
        """``incentive_of(voucher id)``: the incentive the customer received (or ``None``);
        ``hours_of(moment)``: a hub time as virtual hours; ``frame(voucher id, key, frame)``:
        a frame sent into the voucher's case (steps with ``target = "frame"``)."""
        self.frame = frame
        self.hub, self.wallets, self.later, self.pause, self.now = hub, wallets, later, pause, now
        self.incentive_of, self.hours_of = incentive_of, hours_of
        self.holds: dict[UnitKey, float] = {}
        self.answers: dict[UnitKey, Answer] = {}
        self.first_try: dict[UnitKey, float] = {}
        self.queues: dict[UnitKey, deque[Step]] = {}
        self.waiting_retry: set[UnitKey] = set()
        self.lost_answers: set[UnitKey] = set()
        self.attempts: dict[UnitKey, int] = {}
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
        """Run the voucher's due steps in order (unless a retry of one is scheduled)."""
        queue = self.queues.get(key)
        voucher = self.voucher(key)
        while queue and voucher is not None and key not in self.waiting_retry:
            verdict = self.perform(key, queue[0], voucher)
            if verdict == "retry":
                self.retry(key)
                return
            if verdict == "hold":
                self.wait(key, self.holds.pop(key))
                return
            step = queue.popleft()
            answer = self.answers.pop(key, None)
            if verdict == "done" and step.then is not None and answer is not None:
                queue.extendleft(reversed(step.then(answer)))
            self.lost_answers.discard(key)
            self.attempts.pop(key, None)
            self.first_try.pop(key, None)
            if verdict == "refused":
                queue.clear()
        if queue is not None and not queue:
            del self.queues[key]

    def retry(self, key: UnitKey) -> None:
        attempts = self.attempts[key] = self.attempts.get(key, 0) + 1
        self.tally.resent += 1
        self.waiting_retry.add(key)

        def again() -> None:
            self.waiting_retry.discard(key)
            self.pump(key)

        self.later(self.pause(attempts), again)

    def wait(self, key: UnitKey, hours: float) -> None:
        """Pump ``key`` again in ``hours`` (not a resend: the step was not tried)."""
        self.waiting_retry.add(key)

        def again() -> None:
            self.waiting_retry.discard(key)
            self.pump(key)

        self.later(hours, again)

    def target(self, key: UnitKey, step: Step, voucher: Any) -> tuple[str, Any] | str:
        """The step's path and what its body is made from; or ``refused``, or ``hold``."""
        if step.path:
            return step.path, voucher
        if step.target in ("voucher", FRAME):
            return f"/api/v1/vouchers/{voucher.id}/{step.action}", voucher
        incentive = self.incentive_of(voucher.id)
        if incentive is None:
            self.refuse(key, step.action, 0, "the hub issued no incentive")
            return "refused"
        if step.action == "redeem":
            early = self.hours_of(incentive.redeemable_at) - self.now()
            if early > 0:
                self.holds[key] = early
                return "hold"
        return f"/api/v1/incentives/{incentive.id}/{step.action}", incentive

    def perform(self, key: UnitKey, step: Step, voucher: Any) -> str:
        """One attempt of ``step``: ``done``, ``refused``, ``hold`` (a redeem before the hold
        ends) or ``retry`` (lost on the air)."""
        aim = self.target(key, step, voucher)
        if isinstance(aim, str):
            return aim
        path, subject = aim
        first = self.first_try.setdefault(key, self.now())
        if self.now() - first > GIVE_UP_HOURS:
            self.refuse(key, step.action, 0, f"no answer in {GIVE_UP_HOURS:g} hours")
            return "refused"
        try:
            if step.link is not None:
                step.link.outbound()
        except requests.RequestException:
            return "retry"
        who = voucher.holder_secret if step.who == "holder" else step.who
        try:
            if step.target == FRAME and self.frame is not None:
                answer = self.frame(voucher.id, who, step.body(subject) or {})
            else:
                answer = self.hub.call("POST", path, who, step.body(subject), dict(step.headers))
        except requests.RequestException:  # live: the proxy dropped the connection
            self.lost_answers.add(key)
            return "retry"
        try:
            if step.link is not None:
                step.link.inbound()
        except requests.RequestException:
            self.lost_answers.add(key)
            return "retry"
        if answer.status == 200 or (answer.status == 409 and key in self.lost_answers):
            self.tally.done += 1
            self.answers[key] = answer
            return "done"
        detail = answer.body.get("detail") if isinstance(answer.body, dict) else answer.body
        detail = str(detail).replace(voucher.id, "<voucher>").replace(subject.id, "<incentive>")
        self.refuse(key, step.action, answer.status, detail)
        return "refused"

    def refuse(self, key: UnitKey, action: str, status: int, detail: str) -> None:
        """Count a refusal, named by what the voucher covers (ids differ between runs)."""
        order, line, unit, program = key
        self.tally.refused += 1
        where = f"order {order} line {line} unit {unit} {program}"
        self.tally.refusals.append(f"{where} {action}: {status} {detail}")
