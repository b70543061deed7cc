"""One app's channel: its database, the doorbell (local bells and the bus), its live sockets.

:class:`Relay` is made once per app by :func:`center.api.ws.install` and is what the socket
route and the case endpoints call: sends are stored in one transaction and announced after the
commit; reads come from the log. :func:`close_all` closes every live socket of this process
with 1012 ("service restart") so clients reconnect at once; :func:`close_on_sigterm` wires it
to gunicorn's graceful stop.
"""

from __future__ import annotations

import logging
import signal
import threading
import weakref
from collections.abc import Sequence
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.clock import Clock
from ascc_plugin.tokens import Verifier
from center.audit.trail import Change, after_commit, feed
from center.channel import services
from center.channel.access import Party, still_party
from center.channel.bells import Bells
from center.channel.bus import make_bus
from center.channel.frames import FrameRefused, Send, frame_json
from center.channel.system import system_frame
from center.infra.db import Database
from center.settings import HubSettings
from center.vouchers.models import Voucher

log = logging.getLogger(__name__)
PAGE = 200
SERVICE_RESTART = 1012
EXTENSION_KEY = "ascc_channel"
LIVE: weakref.WeakSet[Relay] = weakref.WeakSet()


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
        self.bus = make_bus(self.bells, settings.redis_url, settings.redis_prefix)
        self.lock = threading.Lock()
        self.sockets: set[Closable] = set()
        feed(database).subscribe(self.on_changes)
        LIVE.add(self)

    def on_changes(self, session: Session, changes: Sequence[Change]) -> None:
        """The audit feed's listener: ``system`` frames now, the doorbell after the commit."""
        for change in changes:
            appended = system_frame(session, change)
            if appended is not None:
                after_commit(session, partial(self.bus.announce, change.voucher_id, appended.seq))

    def submit(self, voucher_id: str, party: Party, frame: Send) -> services.Appended:
        """Store a client's frame (once per ``client_msg_id``) and ring the case's sockets."""

        def work(session: Session) -> services.Appended:
            voucher = session.scalar(select(Voucher).where(Voucher.id == voucher_id))
            if voucher is None or not party.belongs_to(voucher.provider_id):
                raise FrameRefused("gone", "you no longer take part in this case")
            return services.submit(session, voucher, party, frame, self.verifier, self.clock())

        appended = self.database.run(work)
        if not appended.duplicate:
            self.bus.announce(voucher_id, appended.seq)
        return appended

    def read(self, voucher_id: str, since: int, limit: int = PAGE) -> list[dict[str, Any]]:
        with self.database.transaction(write=False) as session:
            return [frame_json(f) for f in services.frames_after(session, voucher_id, since, limit)]

    def read_as(
        self, voucher_id: str, party: Party, since: int, limit: int = PAGE
    ) -> list[dict[str, Any]] | None:
        """Frames after ``since`` for ``party``; ``None`` once it no longer takes part (the
        check follows the read, so a reassignment's frame is never shown to the old provider)."""
        with self.database.transaction(write=False) as session:
            found = services.frames_after(session, voucher_id, since, limit)
            frames = [frame_json(frame) for frame in found]
            return frames if still_party(session, voucher_id, party) else None

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
