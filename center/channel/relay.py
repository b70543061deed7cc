"""One app's channel: its database, the doorbell (local bells and the bus), its live sockets.

:class:`Relay` is made once per app by :func:`center.api.ws.install` and is what the socket
route and the case endpoints call: a send is stored in one transaction, then pushed into the
case's tail here (:mod:`center.channel.tails`) and announced; sockets take their frames from the
tail, and read the log (once per case and wake) when it is behind. :func:`close_all` closes
every live socket of this process with 1012 ("service restart") so clients reconnect at once;
:func:`close_on_sigterm` wires it to gunicorn's graceful stop.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
import weakref
from collections.abc import Sequence
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ascc_plugin.clock import Clock
from ascc_plugin.tokens import Verifier
from center.audit.trail import Change, after_commit, feed
from center.channel import services
from center.channel.access import Party, still_party
from center.channel.bells import Bells
from center.channel.bus import make_bus
from center.channel.commits import Committer
from center.channel.frames import FrameRefused, Send, frame_json
from center.channel.system import system_frame
from center.channel.tails import Out, Tail
from center.infra.db import Database
from center.settings import HubSettings

log = logging.getLogger(__name__)
PAGE = 200
SERVICE_RESTART = 1012
EXTENSION_KEY = "ascc_channel"
LIVE: weakref.WeakSet[Relay] = weakref.WeakSet()
SPREAD = random.Random()  # noqa: S311 - spreads the cases' polls over time; no secret


class Closable(Protocol):
    def close(self, code: int, reason: str) -> None: ...


class Relay:
    """The channel of one app (see the module docstring)."""

    def __init__(
        self, database: Database, settings: HubSettings, verifier: Verifier, clock: Clock
    ) -> None:
        self.database, self.settings, self.verifier, self.clock = (
            database,
            settings,
            verifier,
            clock,
        )
        self.bells = Bells()
        self.committer: Committer[services.Stored] | None = (
            Committer(database) if settings.channel_group_commit else None
        )
        self.bus = make_bus(self.bells, settings.redis_url, settings.redis_prefix)
        self.lock = threading.Lock()
        self.sockets: set[Closable] = set()
        feed(database).subscribe(self.on_changes)
        feed(database).subscribe_notes(self.on_changes)  # the incentive's life
        LIVE.add(self)

    def on_changes(self, session: Session, changes: Sequence[Change]) -> None:
        """The audit feed's listener (changes and notes): ``system`` frames now, the doorbell
        after the commit."""
        for change in changes:
            appended = system_frame(session, change)
            if appended is not None:
                after_commit(session, partial(self.bus.announce, change.voucher_id, appended.seq))

    def submit(self, voucher_id: str, party: Party, frame: Send) -> services.Appended:
        """Store a client's frame (once per ``client_msg_id``), then push it into the case's
        tail here and ring the case's sockets (here and, by the bus, elsewhere)."""

        def work(session: Session) -> services.Stored:
            now = self.clock()
            return services.submit(session, voucher_id, party, frame, self.verifier, now)

        try:
            if self.committer is None:
                stored = self.database.run(work)
            else:
                stored = self.committer.run(voucher_id, work)
        except (FrameRefused, services.Resent) as refused:
            return self.resent(voucher_id, party, frame.client_msg_id, refused)
        self.bus.announce(voucher_id, stored.seq, Out.of(stored))
        return services.Appended(stored.seq)

    def resent(
        self, voucher_id: str, party: Party, msg_id: str, refused: Exception
    ) -> services.Appended:
        """A send refused or stored before: the first seq if its id is stored, else the refusal."""
        if party.may_send:
            with self.database.transaction(write=False) as session:
                found = services.stored_seq(session, voucher_id, msg_id)
            if found is not None:
                return services.Appended(found, duplicate=True)
        if isinstance(refused, FrameRefused):
            raise refused
        raise FrameRefused("unavailable", "not stored; send it again later", msg_id)

    def frames_for(self, tail: Tail, voucher_id: str, cursor: int, read: bool) -> list[Out]:
        """A socket's next frames after ``cursor``: from the case's tail, reading the log (once
        for the case's sockets here) when the tail is behind, or when ``read`` (the case's
        safety poll, or the bus reconnected) unless another socket read it meanwhile."""
        asked = time.monotonic()
        if not read:
            run, behind = tail.after(cursor, PAGE)
            if not behind or len(run) == PAGE:
                return run
        with tail.reading:
            run, behind = tail.after(cursor, PAGE)
            read = read and tail.read_at < asked
            if not (read or behind) or len(run) == PAGE:
                return run
            end, started = run[-1].seq if run else cursor, time.monotonic()
            with self.database.transaction(write=False) as session:
                found = services.frames_after(session, voucher_id, end, PAGE - len(run))
            fresh = [Out.of(frame) for frame in found]
            tail.add(fresh)
            poll = self.settings.channel_poll_seconds * SPREAD.uniform(0.75, 1.0)
            tail.read_at, tail.poll_at = started, started + poll
            return run + fresh

    def read(self, voucher_id: str, since: int, limit: int = PAGE) -> list[dict[str, Any]]:
        with self.database.transaction(write=False) as session:
            return [frame_json(f) for f in services.frames_after(session, voucher_id, since, limit)]

    def still_party(self, voucher_id: str, party: Party) -> bool:
        with self.database.transaction(write=False) as session:
            return still_party(session, voucher_id, party)

    def head(self, voucher_id: str) -> int:
        with self.database.transaction(write=False) as session:
            return services.head(session, voucher_id)

    def typing(self, voucher_id: str, party: Party) -> None:
        self.bus.notice(voucher_id, {"type": "typing", "from": party.role.value})

    # --- live sockets ----------------------------------------------------------------------

    def full(self) -> bool:
        with self.lock:
            return len(self.sockets) >= self.settings.channel_max_sockets

    def opened(self, socket: Closable) -> None:
        self.bus.start()
        with self.lock:
            self.sockets.add(socket)

    def closed(self, socket: Closable) -> None:
        with self.lock:
            self.sockets.discard(socket)

    def live(self) -> list[Closable]:
        with self.lock:
            return list(self.sockets)

    def close_sockets(self, code: int, reason: str) -> None:
        for socket in self.live():
            socket.close(code, reason)


def close_all(code: int = SERVICE_RESTART, reason: str = "service restart") -> None:
    """Close every live socket of every relay of this process."""
    for relay in list(LIVE):
        relay.close_sockets(code, reason)


def close_on_sigterm(worker: Any = None) -> None:
    """Make SIGTERM close this process's sockets with 1012 before the server's own handling.

    Given as gunicorn's ``post_worker_init`` (the worker's signal handlers are set by then):
    without it a graceful stop would hold sockets open for ``graceful_timeout``, then drop them
    with no close frame (1006), and clients would wait before reconnecting.
    """
    del worker
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        threading.Thread(target=close_all, name="ascc-channel-close", daemon=True).start()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def relay_of(extensions: dict[str, Any]) -> Relay:
    relay = extensions[EXTENSION_KEY]
    assert isinstance(relay, Relay)
    return relay
