"""Draining the outbox: claim due entries, post each once, record the outcome, hand answers on.

Retries follow exponential backoff with full jitter: after the n-th failed attempt the entry
waits ``uniform(0, min(cap, base · 2ⁿ⁻¹))`` seconds, or the center's ``Retry-After`` when that
is longer (capped too). The clock, the sleep and the random source are injected, so the schedule
is tested without waiting. An entry the center keeps answering 5xx is parked after an age or a
count (:class:`ParkPolicy`): a poison message must not be retried forever. Parked entries never
hold back later ones (see :data:`ascc_plugin.client.outbox_schema.CLAIM`).
:class:`BackgroundSender` runs the loop in a thread for the store service; ``ascc store outbox
--flush`` calls :meth:`Sender.drain` once.
"""

from __future__ import annotations

import contextlib
import logging
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ascc_plugin.backoff import Backoff, Uniform
from ascc_plugin.client.courier import Courier
from ascc_plugin.client.http import CenterClient, Outcome
from ascc_plugin.client.outbox import Entry, Outbox, Parcel

log = logging.getLogger(__name__)

SENT_RETENTION_SECONDS = 30 * 86400
"""Delivered entries older than this are forgotten when a background sender starts (the
center keeps its own idempotency record; a storefront repeat after that is merely re-sent)."""

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Handed:
    """What became of a center's answer: what of it to keep (``None``: nothing) and the
    parcels the delivery channels must still take."""

    kept: bytes | None
    parcels: tuple[Parcel, ...] = ()


OnSent = Callable[[Entry, bytes], Handed]
"""Called with a sent entry and the center's answer; says what to keep and what to deliver."""
OnParked = Callable[[Entry, Outcome], None]
"""Called with an entry just parked and the outcome that parked it."""
DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class ParkPolicy:
    """When an entry the center keeps failing with 5xx is given up on (parked).

    A 5xx means the center received the entry and failed on it; if it still fails after
    ``max_age`` seconds (or ``max_attempts`` attempts, 0: no count limit), the entry is a
    poison message and retrying it forever would only fill the center's log. Network failures,
    timeouts, 408 and 429 never park: the center did not judge the entry.
    """

    max_age: float = 72 * 3600.0
    max_attempts: int = 0

    def gives_up(self, entry: Entry, outcome: Outcome, now: float) -> bool:
        if outcome.status is None or outcome.status < 500:
            return False
        attempts = entry.attempts + 1
        too_many = self.max_attempts > 0 and attempts >= self.max_attempts
        return too_many or now - entry.created_at >= self.max_age


@dataclass
class DrainReport:
    """What one drain did, entry by entry: ``(webhook_id, verdict, reason)``."""

    results: list[tuple[str, str, str]] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for _, seen, _ in self.results if seen == verdict)

    def add(self, other: DrainReport) -> None:
        self.results.extend(other.results)


class Sender:
    """Sends due outbox entries to the center; safe to run in several threads or processes."""

    def __init__(
        self,
        outbox: Outbox,
        client: CenterClient,
        backoff: Backoff = DEFAULT_BACKOFF,
        *,
        clock: Clock = time.time,
        rand: Uniform | None = None,
        on_sent: OnSent | None = None,
        on_parked: OnParked | None = None,
        park: ParkPolicy = ParkPolicy(),
        batch: int = 20,
        courier: Courier | None = None,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.backoff = backoff
        self.clock = clock
        self.rand: Uniform = rand or random.SystemRandom()
        self.on_sent = on_sent
        self.on_parked = on_parked
        self.park = park
        self.batch = batch
        self.courier = courier
        self.owner = f"sender-{secrets.token_hex(6)}"

    def drain_once(self, tried_before: float | None = None) -> DrainReport:
        """Claim one batch of due entries and attempt each once."""
        report = DrainReport()
        for entry in self.outbox.claim(self.owner, self.batch, tried_before):
            outcome = self.record(entry, self.client.post(entry, self.clock()))
            report.results.append((entry.webhook_id, outcome.verdict, outcome.reason))
        return report

    def drain(self) -> DrainReport:
        """Attempt every entry due now at most once (bounded: failures wait for a later drain)."""
        started = self.clock()
        report = DrainReport()
        while True:
            batch = self.drain_once(tried_before=started)
            if not batch.results:
                return report
            report.add(batch)

    def record(self, entry: Entry, outcome: Outcome) -> Outcome:
        """Act on ``outcome`` (sent, parked or rescheduled); the outcome as acted on."""
        if outcome.verdict == "retry" and self.park.gives_up(entry, outcome, self.clock()):
            outcome = given_up(entry, outcome)
        if outcome.verdict == "sent":
            self.outbox.mark_sent(entry, outcome.body)
            self.hand_over(entry, outcome.body)
        elif outcome.verdict == "park":
            log.warning("outbox: parked %s: %s", entry.webhook_id, outcome.reason)
            self.outbox.park(entry, self.owner, outcome.reason)
            self.tell_parked(entry, outcome)
        else:
            delay = self.backoff.delay(entry.attempts + 1, self.rand, outcome.retry_after)
            log.info("outbox: %s retry in %.1f s: %s", entry.webhook_id, delay, outcome.reason)
            self.outbox.reschedule(entry, self.owner, outcome.reason, delay)
        return outcome

    def tell_parked(self, entry: Entry, outcome: Outcome) -> None:
        if self.on_parked is None:
            return
        try:
            self.on_parked(entry, outcome)
        except Exception:
            log.exception("outbox: reporting the parked entry %s failed", entry.webhook_id)

    def hand_over(self, entry: Entry, answer: bytes) -> None:
        """Give the center's answer to ``on_sent``, then record it handed on with its parcels."""
        handed = Handed(answer)
        if self.on_sent is not None:
            try:
                handed = self.on_sent(entry, answer)
            except Exception:
                log.exception("outbox: handing over the answer to %s failed", entry.webhook_id)
                return  # stays undelivered: deliver_pending() tries again at the next start
        self.outbox.mark_delivered(entry, handed.kept, handed.parcels)
        if self.courier is not None and handed.parcels:
            self.courier.drain()

    def deliver_pending(self) -> int:
        """Hand over answers that were sent but not delivered (a crash in between)."""
        waiting = self.outbox.undelivered()
        for entry in waiting:
            self.hand_over(entry, entry.response or b"")
        return len(waiting)

    def run(self, sleep: Sleep, should_stop: Callable[[], bool], idle_wait: float = 5.0) -> None:
        """Drain (entries, then parcels), then sleep until the next is due (at most
        ``idle_wait``), until stopped."""
        while not should_stop():
            self.drain()
            if self.courier is not None:
                self.courier.drain()
            if should_stop():
                return
            sleep(self.wait_time(idle_wait))

    def wait_time(self, idle_wait: float) -> float:
        due = self.outbox.next_due()
        if due is None:
            return idle_wait
        return min(idle_wait, max(0.0, due - self.clock()))


def given_up(entry: Entry, outcome: Outcome) -> Outcome:
    """The *park* outcome of an entry the center kept failing on (the last answer as reason)."""
    reason = f"gave up after {entry.attempts + 1} attempts: {outcome.reason}"
    return replace(outcome, verdict="park", reason=reason)


class BackgroundSender:
    """Runs :meth:`Sender.run` in a daemon thread; :meth:`wake` after an enqueue sends at once."""

    def __init__(self, sender: Sender, idle_wait: float = 5.0) -> None:
        self.sender = sender
        self.idle_wait = idle_wait
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name="ascc-outbox-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the loop to end after the attempt in flight; ``True`` if it ended in time."""
        thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _main(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.sender.outbox.prune_sent(SENT_RETENTION_SECONDS)
        while not self._stop.is_set():
            try:
                self.sender.deliver_pending()
                self.sender.run(self._sleep, self._stop.is_set, self.idle_wait)
            except Exception:  # a full disk or a locked file must not end the sender for good
                log.exception("outbox: the sender failed; trying again in %.0f s", self.idle_wait)
                self._sleep(self.idle_wait)
