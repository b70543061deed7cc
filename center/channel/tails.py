"""The newest frames of a case in this process, encoded once and shared by its sockets.

Every case with a live socket in this process has one :class:`Tail`. It is filled two ways:
a send stored here is pushed into it right after its commit (:meth:`center.channel.relay.Relay.
submit`), and a read of the log by any socket of the case adds what it found. A socket takes
the run of frames after its cursor from the tail; it reads the log only when the tail is behind
the case's announced head (a frame stored by another process, or a push not made yet) or its
safety poll is due — and then under :attr:`Tail.reading`, so the sockets of one case woken
together read the log once and the others find the frames in the tail. The safety poll, too, is
the case's: any read of its log here counts, and the next one falls due 75–100 % of
``channel_poll_seconds`` later, so the polls of cases opened together drift apart instead of
reading the log all at once.

Every frame in a tail is committed (a push follows the commit, a read sees committed rows), and
a socket only ever takes a contiguous run from its cursor, so delivery keeps the log's order and
never skips a seq: a missing frame means a read, never a gap.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from center.channel.frames import StoredFrame, encode, frame_json

KEEP = 256
"""Frames kept per case (the newest); a socket further behind reads the log."""


@dataclass(frozen=True)
class Out:
    """A stored frame as sent: its seq and its JSON text (encoded once for every socket).

    ``assigned_to`` names the provider of an ``assigned`` system frame: a provider's socket that
    meets one naming another provider checks whether it still takes part before going on.
    """

    seq: int
    text: str
    assigned_to: str | None = None

    @classmethod
    def of(cls, frame: StoredFrame) -> Out:
        body = frame.body
        assigned = frame.kind == "system" and body.get("event") == "assigned"
        return cls(
            frame.seq, encode(frame_json(frame)), body.get("provider_id") if assigned else None
        )


class Tail:
    """One case's newest frames here, and the highest seq known to be stored (``head``)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self.lock = threading.Lock()
        self.reading = threading.Lock()
        """Held while a socket of the case reads the log for it."""
        self.frames: dict[int, Out] = {}
        self.head = 0
        self.read_at = float("-inf")
        """When (``time.monotonic``) the log was last read for the case here."""
        self.poll_at = 0.0
        """When the case's safety poll is next due (spread: the cases' polls do not coincide)."""

    def announce(self, head: int) -> None:
        """A frame up to ``head`` is stored (a doorbell's news, or a socket's hello)."""
        with self.lock:
            self.head = max(self.head, head)

    def add(self, frames: Iterable[Out]) -> None:
        with self.lock:
            for out in frames:
                self.frames[out.seq] = out
                self.head = max(self.head, out.seq)
            if len(self.frames) > 2 * self.keep:
                floor = self.head - self.keep
                self.frames = {seq: out for seq, out in self.frames.items() if seq > floor}

    def after(self, cursor: int, limit: int) -> tuple[list[Out], bool]:
        """The run of frames from ``cursor + 1`` (at most ``limit``), and whether the tail is
        behind: a later frame is known to be stored that the run does not reach."""
        with self.lock:
            run: list[Out] = []
            while len(run) < limit and (found := self.frames.get(cursor + len(run) + 1)):
                run.append(found)
            return run, cursor + len(run) < self.head
