"""What the relay needs of a WebSocket connection, and how it ends one.

:class:`Connection` is the part of simple-websocket's ``Server`` the relay uses (its ``event``
included: the socket's thread waits on it for client frames and doorbells alike);
:func:`hang_up` ends the TCP connection under a closed socket without a reset;
:class:`TokenBucket` limits a connection's frames.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from typing import Any, Protocol

LINGER_SECONDS = 1.0


class Connection(Protocol):
    """What the relay needs of a WebSocket (simple-websocket's ``Server`` has it)."""

    connected: bool
    event: threading.Event
    """Set when a client frame arrives or the connection ends (simple-websocket's own)."""

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
            raw.shutdown(socket.SHUT_WR)
            linger(raw)
            raw.shutdown(socket.SHUT_RDWR)


def linger(raw: socket.socket) -> None:
    """Read what the client still sends until it ends its side, for at most ``LINGER_SECONDS``.

    A socket closed with unread data answers with a reset, and a client still sending (a flood
    closed with 1008) can then lose the close frame that was on its way to it.
    """
    deadline = time.monotonic() + LINGER_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([raw], [], [], left)[0]:
            return
        try:
            if not raw.recv(65536, socket.MSG_DONTWAIT):
                return
        except BlockingIOError:  # simple-websocket's reader took it
            continue


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
