"""One socket's conversation: hello, replay from ``since``, live frames, sends, acks.

Three threads serve a socket: simple-websocket's reader, the request thread running
:meth:`CaseSocket.run` (it takes the client's frames), and the pump — the only thread that
sends. The pump wakes on the case's doorbell or every ``channel_poll_seconds``, reads the log
after its cursor, sends those frames in seq order, then the queued acks, errors and notices. So
a frame sent in another process, or announced while Redis was down, still arrives in order;
and an ack always follows the frame it acknowledges.

Close codes: 1003 binary frame, 1007 not JSON, 1008 too many frames (rate), 1009 too big
(simple-websocket), 1012 service restart, 4403 the party left the case (a reassigned
provider), 4409 ``since`` is past the log's head (resync).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections import deque
from typing import Any, Protocol

from simple_websocket import ConnectionClosed
from sqlalchemy.exc import SQLAlchemyError

from center.channel.access import Party
from center.channel.frames import FrameRefused, encode, parse_incoming
from center.channel.relay import PAGE, Relay

log = logging.getLogger(__name__)
RECEIVE_SECONDS = 1.0
UNAVAILABLE = FrameRefused("unavailable", "not stored; send it again later")


class Connection(Protocol):
    """What the relay needs of a WebSocket (simple-websocket's ``Server`` has it)."""

    connected: bool

    def send(self, data: str) -> None: ...

    def receive(self, timeout: float | None = None) -> Any: ...

    def close(self, reason: int | None = None, message: str | None = None) -> None: ...


class Closed(Exception):
    """The connection is gone (closed by either side)."""


def hang_up(conn: Connection) -> None:
    """End the TCP connection under a closed socket (FIN even if the server holds the file).

    After a close handshake the client waits for the server to end the TCP connection; a WSGI
    server that keeps the connection's file for its next request would make it wait for its
    close timeout instead.
    """
    raw = getattr(conn, "sock", None)
    if isinstance(raw, socket.socket):
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)


class TokenBucket:
    """``rate`` frames per second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class CaseSocket:
    """A party's socket on one case, from ``since`` on."""

    def __init__(
        self, relay: Relay, conn: Connection, voucher_id: str, party: Party, since: int
    ) -> None:
        self.relay, self.conn, self.voucher_id, self.party = relay, conn, voucher_id, party
        self.cursor = since
        self.listener = relay.bells.listen(voucher_id)
        self.replies: deque[dict[str, Any]] = deque()
        self.closing = threading.Event()
        self.send_lock = threading.Lock()
        settings = relay.settings
        self.bucket = TokenBucket(settings.channel_rate_per_second, settings.channel_burst)

    def run(self) -> None:
        """Serve the socket until it closes (the pump runs beside, and is joined here)."""
        self.relay.opened(self)
        pump = threading.Thread(target=self.pump, name="ascc-channel-pump", daemon=True)
        pump.start()
        try:
            self.receive_loop()
        finally:
            self.closing.set()
            self.listener.ring()
            pump.join()
            self.relay.bells.leave(self.listener)
            self.relay.closed(self)
            hang_up(self.conn)

    # --- the client's frames (request thread) ----------------------------------------------

    def receive_loop(self) -> None:
        while not self.closing.is_set():
            try:
                data = self.conn.receive(timeout=RECEIVE_SECONDS)
            except ConnectionClosed:
                return
            if data is not None:
                self.take(data)
            elif not self.conn.connected:
                return

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
        """Queue ``message`` for the pump (after the frames it may acknowledge)."""
        self.replies.append(message)
        self.listener.ring()

    # --- the pump: the only sender ---------------------------------------------------------

    def pump(self) -> None:
        try:
            self.hello()
            poll = self.relay.settings.channel_poll_seconds
            while not self.closing.is_set():
                self.listener.event.wait(poll)
                self.listener.event.clear()
                if self.closing.is_set():
                    return
                self.deliver()
        except Closed:
            self.closing.set()
        except Exception:
            log.exception("channel: pump failed")
            self.close(1011, "internal error")

    def hello(self) -> None:
        head = self.relay.head(self.voucher_id)
        greeting = {"type": "hello", "case": self.voucher_id, "role": self.party.role.value}
        self.send({**greeting, "head": head, "since": self.cursor})
        if self.cursor > head:
            self.send({"type": "resync_required", "head": head})
            self.close(4409, "since is past the head of the log: resync")
            raise Closed
        self.listener.ring()

    def deliver(self) -> None:
        replies = self.take_replies()
        notices = [n for n in self.listener.take_notices() if n.get("from") != self.party.role]
        frames = self.relay.read_as(self.voucher_id, self.party, self.cursor, PAGE)
        if frames is None:
            self.close(4403, "you no longer take part in this case (reassigned)")
            raise Closed
        for frame in frames:
            self.send(frame)
            self.cursor = frame["seq"]
        if len(frames) == PAGE:
            self.listener.ring()
        for message in (*replies, *notices):
            self.send(message)

    def take_replies(self) -> list[dict[str, Any]]:
        taken = []
        while self.replies:
            taken.append(self.replies.popleft())
        return taken

    def send(self, message: dict[str, Any]) -> None:
        with self.send_lock:
            if self.closing.is_set():
                raise Closed
            try:
                self.conn.send(encode(message))
            except (ConnectionClosed, OSError) as exc:
                raise Closed from exc

    def close(self, code: int, reason: str) -> None:
        """Close with ``code`` (once); both threads then end."""
        with self.send_lock:
            if not self.closing.is_set():
                self.closing.set()
                try:
                    self.conn.close(code, reason)
                except (ConnectionClosed, OSError):  # already closed by the client
                    log.debug("channel: socket already closed")
        self.listener.ring()
