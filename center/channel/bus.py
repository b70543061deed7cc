"""The doorbell between processes: Redis pub/sub carrying "case X has frames up to N".

Frames are persisted first; the bus only wakes sockets in other processes (workers or hubs)
so they read the log. A client's frame rides along with its doorbell, encoded as sent: the
receiving process puts it into the case's tail (:mod:`center.channel.tails`), so its sockets
need no read for it when it follows what they have; the log stays the truth for everything
else (a lost, late or reordered doorbell makes them read it). Redis is trusted as the database
is: whoever may publish there may speak on the hub's behalf.

Redis pub/sub delivers at most once and redis-py resubscribes silently after a reconnect, so
:class:`RingingPubSub` rings every local socket whenever its connection is (re)made, and every
socket also polls the log slowly (``channel_poll_seconds``): a Redis that is down or restarted
delays frames, never loses them (NOTES, "The channel").

redis-py was chosen because it is the maintained client of the Redis project itself, with
pub/sub, pattern subscriptions and reconnects built in; nothing else is needed for a doorbell.
Without ``redis_url`` :class:`LocalBus` rings this process's sockets only (one process, or
several processes delivering within the poll interval).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import redis
from redis.client import PubSub

from center.channel.bells import Bells
from center.channel.tails import Out

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
QUIET_AFTER_FAILURE = 1.0


class Bus(Protocol):
    bells: Bells

    def start(self) -> None: ...

    def announce(self, case_id: str, head: int, frame: Out | None = None) -> None: ...

    def notice(self, case_id: str, item: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class LocalBus:
    """This process only."""

    def __init__(self, bells: Bells) -> None:
        self.bells = bells

    def start(self) -> None:
        """Nothing to start."""

    def announce(self, case_id: str, head: int, frame: Out | None = None) -> None:
        if frame is not None:
            self.bells.push(case_id, [frame])
        self.bells.ring(case_id, head)

    def notice(self, case_id: str, item: dict[str, Any]) -> None:
        self.bells.notice(case_id, item)

    def close(self) -> None:
        """Nothing to release."""


class RedisBus:
    """Rings local sockets at once and publishes to ``{prefix}case:{id}`` for the others.

    The subscriber thread starts on first use in each process (never before a fork). A
    publish that fails is logged and skipped for a second: the frame is stored already.
    """

    def __init__(self, bells: Bells, url: str, prefix: str) -> None:
        self.bells, self.prefix = bells, prefix
        self.origin = secrets.token_hex(8)
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
        self.quiet_until = 0.0
        self.stopped = threading.Event()
        self.pid = 0
        self.lock = threading.Lock()

    def channel(self, case_id: str) -> str:
        return f"{self.prefix}case:{case_id}"

    def announce(self, case_id: str, head: int, frame: Out | None = None) -> None:
        if frame is not None:
            self.bells.push(case_id, [frame])
        self.bells.ring(case_id, head)
        carried = {"frame": [frame.seq, frame.text, frame.assigned_to]} if frame else {}
        self.publish(case_id, {"head": head, **carried})

    def notice(self, case_id: str, item: dict[str, Any]) -> None:
        self.bells.notice(case_id, item)
        self.publish(case_id, {"notice": item})

    def publish(self, case_id: str, message: dict[str, Any]) -> None:
        self.start()
        if time.monotonic() < self.quiet_until:
            return
        payload = json.dumps({**message, "origin": self.origin})
        try:
            self.client.publish(self.channel(case_id), payload)
        except redis.RedisError as exc:
            self.quiet_until = time.monotonic() + QUIET_AFTER_FAILURE
            log.warning("channel bus: publish failed (%s); sockets poll meanwhile", exc)

    def start(self) -> None:
        """Start this process's subscriber thread if it is not running (after any fork)."""
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            thread = threading.Thread(target=self.listen, name="ascc-channel-bus", daemon=True)
            thread.start()

    def listen(self) -> None:
        while not self.stopped.is_set():
            pubsub = RingingPubSub(self.client.connection_pool, self.bells.ring_all)
            try:
                pubsub.psubscribe(self.channel("*"))
                self.bells.ring_all()
                while not self.stopped.is_set():
                    self.dispatch(pubsub.get_message(timeout=1.0))
            except (redis.RedisError, OSError) as exc:
                log.warning("channel bus: subscriber lost Redis (%s); retrying", exc)
                self.stopped.wait(RETRY_SECONDS)
            finally:
                pubsub.close()

    def dispatch(self, message: dict[str, Any] | None) -> None:
        if message is None or message.get("type") != "pmessage":
            return
        try:
            data = json.loads(message["data"])
            case_id = message["channel"].decode().removeprefix(self.prefix + "case:")
        except (ValueError, UnicodeDecodeError, AttributeError):
            return
        if not isinstance(data, dict) or data.get("origin") == self.origin:
            return
        head = data.get("head")
        if isinstance(data.get("notice"), dict):
            self.bells.notice(case_id, data["notice"])
            return
        frame = carried(data.get("frame"))
        if frame is not None and frame.seq == head:
            self.bells.push(case_id, [frame])
        self.bells.ring(case_id, head if isinstance(head, int) else None)

    def close(self) -> None:
        self.stopped.set()
        self.client.close()


class RingingPubSub(PubSub):
    """A redis-py ``PubSub`` that calls ``on_reconnect`` after every (re)connection."""

    def __init__(self, pool: Any, on_reconnect: Callable[[], None]) -> None:
        super().__init__(pool, ignore_subscribe_messages=True)
        self.on_reconnect = on_reconnect

    def on_connect(self, connection: Any) -> None:
        super().on_connect(connection)
        self.on_reconnect()


def carried(found: Any) -> Out | None:
    """The frame a doorbell carries (``[seq, text, assigned_to]``), if well formed."""
    if not isinstance(found, list) or len(found) != 3:
        return None
    seq, text, assigned_to = found
    if isinstance(seq, int) and isinstance(text, str) and isinstance(assigned_to, str | None):
        return Out(seq, text, assigned_to)
    return None


def make_bus(bells: Bells, redis_url: str | None, prefix: str) -> Bus:
    return RedisBus(bells, redis_url, prefix) if redis_url else LocalBus(bells)
