"""One socket's conversation: hello, replay from ``since``, live frames, sends, acks.

Two threads serve a socket: simple-websocket's reader, and the request thread running
:meth:`CaseSocket.run` — the only one that sends. It waits on one event, set by the reader when
a client frame arrives and by the case's doorbell when frames are stored, and wakes at the
latest when the safety poll is due (``channel_poll_seconds``). Each turn it takes the client's
frames (each stored before its ack; :mod:`center.channel.commits` may store several sockets'
sends in one transaction), then delivers: the frames after its cursor from
the case's tail in this process (:mod:`center.channel.tails`; the log is read when the tail is
behind or the poll is due), in seq order, then the queued acks, errors and notices. So a frame
sent in another process, or announced while Redis was down, still arrives in order; and an ack
always follows the frame it acknowledges.

Close codes: 1003 binary frame, 1007 not JSON, 1008 too many frames (rate), 1009 too big
(simple-websocket), 1012 service restart, 4403 the party left the case (a reassigned
provider), 4409 ``since`` is past the log's head (resync).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from typing import Any

from simple_websocket import ConnectionClosed
from sqlalchemy.exc import SQLAlchemyError

from center.channel.access import Party, Role
from center.channel.frames import FrameRefused, encode, parse_incoming
from center.channel.relay import PAGE, Relay
from center.channel.tails import Out
from center.channel.wire import Closed, Connection, TokenBucket, hang_up

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
"""The longest wait between looks at the connection: simple-websocket may end it (a frame over
``max_message_size``: 1009) without a last wake-up."""
UNAVAILABLE = FrameRefused("unavailable", "not stored; send it again later")


class CaseSocket:
    """A party's socket on one case, from ``since`` on."""

    def __init__(
        self, relay: Relay, conn: Connection, voucher_id: str, party: Party, since: int
    ) -> None:
        self.relay, self.conn, self.voucher_id, self.party = relay, conn, voucher_id, party
        self.cursor = since
        self.listener = relay.bells.listen(voucher_id, conn.event)
        self.replies: deque[dict[str, Any]] = deque()
        self.closing = threading.Event()
        self.send_lock = threading.Lock()
        settings = relay.settings
        self.bucket = TokenBucket(settings.channel_rate_per_second, settings.channel_burst)

    def run(self) -> None:
        """Serve the socket until it closes."""
        self.relay.opened(self)
        try:
            self.hello()
            self.serve()
        except Closed:
            self.store_the_rest()
        except Exception:
            log.exception("channel: socket failed")
            self.close(1011, "internal error")
        finally:
            self.closing.set()
            self.relay.bells.leave(self.listener)
            self.relay.closed(self)
            hang_up(self.conn)

    def serve(self) -> None:
        """Wait for a ring, a client frame or the poll; take the client's frames, then deliver."""
        while not self.closing.is_set():
            self.listener.event.wait(
                min(CHECK_SECONDS, max(0.0, self.listener.tail.poll_at - time.monotonic()))
            )
            self.listener.event.clear()
            self.receive_all()
            if self.closing.is_set():
                return
            self.deliver()

    # --- the client's frames ---------------------------------------------------------------

    def receive_all(self) -> None:
        """Take every frame the client has sent (without waiting)."""
        while not self.closing.is_set():
            try:
                data = self.conn.receive(timeout=0)
            except ConnectionClosed:
                raise Closed from None
            if data is None:
                if not self.conn.connected:
                    raise Closed
                return
            self.take(data)

    def store_the_rest(self) -> None:
        """A client gone while its frames were queued here: store them (it resends them)."""
        with contextlib.suppress(Closed):
            self.receive_all()

    def take(self, data: Any) -> None:
        if not self.bucket.take():
            return self.close(1008, "too many frames: slow down")
        if not isinstance(data, str):
            return self.close(1003, "text frames of JSON only")
        try:
            value = json.loads(data)
        except ValueError:
            return self.close(1007, "a frame is not JSON")
        try:
            frame = parse_incoming(value)
            if frame.type == "typing":
                if self.party.may_send:
                    self.relay.typing(self.voucher_id, self.party)
                return None
            appended = self.relay.submit(self.voucher_id, self.party, frame)
        except FrameRefused as refused:
            return self.reply(refused.to_json())
        except SQLAlchemyError:
            log.exception("channel: a frame could not be stored")
            return self.reply(UNAVAILABLE.to_json())
        ack = {"type": "ack", "client_msg_id": frame.client_msg_id, "seq": appended.seq}
        return self.reply({**ack, "duplicate": appended.duplicate})

    def reply(self, message: dict[str, Any]) -> None:
        """Queue ``message`` (sent after the frames it may acknowledge)."""
        self.replies.append(message)

    # --- to the client ---------------------------------------------------------------------

    def hello(self) -> None:
        head = self.relay.head(self.voucher_id)
        greeting = {"type": "hello", "case": self.voucher_id, "role": self.party.role.value}
        self.send({**greeting, "head": head, "since": self.cursor})
        if self.cursor > head:
            self.send({"type": "resync_required", "head": head})
            self.close(4409, "since is past the head of the log: resync")
            raise Closed
        self.listener.tail.announce(head)
        self.listener.ring()

    def deliver(self) -> None:
        replies = self.take_replies()
        notices = [n for n in self.listener.take_notices() if n.get("from") != self.party.role]
        frames = self.relay.frames_for(self.listener.tail, self.voucher_id, self.cursor, self.due())
        for out in frames:
            if not self.may_see(out):
                self.close(4403, "you no longer take part in this case (reassigned)")
                raise Closed
            self.send_text(out.text)
            self.cursor = out.seq
        if len(frames) == PAGE:
            self.listener.ring()
        for message in (*replies, *notices):
            self.send(message)

    def due(self) -> bool:
        """Whether this turn reads the log whatever the tail says: the case's safety poll is
        due (:mod:`center.channel.tails`: any socket's read of the case counts, however often
        this one is woken), or the bus reconnected."""
        stale = self.listener.take_stale()
        return stale or time.monotonic() >= self.listener.tail.poll_at

    def may_see(self, out: Out) -> bool:
        """A provider meeting another provider's assignment must still take part to go on."""
        if out.assigned_to is None or self.party.role != Role.PROVIDER:
            return True
        return out.assigned_to == self.party.id or self.relay.still_party(
            self.voucher_id, self.party
        )

    def take_replies(self) -> list[dict[str, Any]]:
        taken = []
        while self.replies:
            taken.append(self.replies.popleft())
        return taken

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(encode(message))

    def send_text(self, text: str) -> None:
        with self.send_lock:
            if self.closing.is_set():
                raise Closed
            try:
                self.conn.send(text)
            except (ConnectionClosed, OSError) as exc:
                raise Closed from exc

    def close(self, code: int, reason: str) -> None:
        """Close with ``code`` (once); the socket's thread then ends."""
        with self.send_lock:
            if not self.closing.is_set():
                self.closing.set()
                try:
                    self.conn.close(code, reason)
                except (ConnectionClosed, OSError):  # already closed by the client
                    log.debug("channel: socket already closed")
        self.listener.ring()
