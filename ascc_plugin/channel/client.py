"""A Python client of a case's channel: connect with a ticket, resume from a seq, send once.

:class:`CaseChannel` keeps the relay's promises on the client's side (NOTES, "The channel"):
it remembers the last seq it handed out and drops anything at or below it; a seq past
``last + 1`` is a gap, so it reconnects with ``since=last`` rather than show a partial log; a
send carries a ``client_msg_id`` and stays pending until its ``ack``, and every pending send is
sent again (same id) after a reconnect, so it takes effect once. A lost connection is
reconnected with a fresh single-use ticket, trying each of the given hub URLs in turn, with
jittered exponential backoff; ``sleep`` is injected like the center client's.

The WebSocket client is ``websockets`` (its synchronous client): a well-kept implementation of
RFC 6455 with open and close timeouts, pings, size limits and close codes surfaced as
exceptions — and a second, independent implementation of the protocol beside the server's
simple-websocket, so the tests exercise real interoperability. One thread uses a channel.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from ascc_plugin.tokens import TokenError, Verifier, load_jwks

PERMANENT_CLOSES = frozenset({1003, 1007, 1008, 1009, 4403, 4409})


class ChannelError(Exception):
    """The channel cannot go on: refused handshake, the party left the case, a broken client."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class FrameRefused(ChannelError):
    """The relay refused one of our frames (``code`` is its slug, e.g. ``invalid``)."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(f"{slug}: {detail}")
        self.slug = slug


@dataclass(frozen=True)
class Frame:
    """A stored frame of the case's log."""

    type: str
    seq: int
    sender: str
    at: str
    body: dict[str, Any]
    client_msg_id: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Frame:
        return cls(
            data["type"],
            int(data["seq"]),
            data["from"],
            data["at"],
            data.get("body") or {},
            data.get("client_msg_id"),
        )


@dataclass
class Backoff:
    """Reconnect pauses: 0.25 s doubling to 5 s, with full jitter."""

    base: float = 0.25
    cap: float = 5.0
    rng: random.Random = field(default_factory=random.Random)

    def pause(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2**attempt))


class CaseChannel:
    """One party's connection to one case (see the module docstring)."""

    def __init__(
        self,
        urls: str | Sequence[str],
        voucher_id: str,
        key: str,
        *,
        since: int = 0,
        http: requests.Session | None = None,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Backoff | None = None,
        origin: str | None = None,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.voucher_id, self.key, self.last_seq = voucher_id, key, since
        self.http = http or requests.Session()
        self.timeout, self.sleep, self.origin = timeout, sleep, origin
        self.backoff = backoff or Backoff()
        self.ws: ClientConnection | None = None
        self.pending: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.acks: dict[str, int] = {}
        self.refused: dict[str, FrameRefused] = {}
        self.inbox: deque[Frame] = deque()
        self.hello: dict[str, Any] = {}
        self.typing: list[str] = []
        self.connects = 0
        self.current = 0

    # --- connecting -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.urls[self.current % len(self.urls)].rstrip("/")

    def ticket(self) -> str:
        answer = self.http.post(
            f"{self.base_url}/api/v1/cases/{self.voucher_id}/tickets",
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=self.timeout,
        )
        if answer.status_code != 200:
            raise ChannelError(f"no ticket: {answer.status_code} {answer.text[:300]}")
        ticket: str = answer.json()["ticket"]
        return ticket

    def socket_url(self, ticket: str) -> str:
        base = "ws" + self.base_url.removeprefix("http")
        return f"{base}/ws/cases/{self.voucher_id}?ticket={ticket}&since={self.last_seq}"

    def connect(self, attempts: int = 8) -> dict[str, Any]:
        """Open the socket (trying each URL, with backoff); resend what is pending."""
        for attempt in range(attempts):
            try:
                return self._open()
            except (OSError, requests.RequestException, WebSocketException) as exc:
                if isinstance(exc, InvalidStatus) and exc.response.status_code == 403:
                    raise ChannelError("the hub refused this origin", 403) from None
                self.current += 1
                if attempt + 1 == attempts:
                    raise ChannelError(f"cannot connect: {exc}") from None
                self.sleep(self.backoff.pause(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self) -> dict[str, Any]:
        self.drop()
        self.ws = connect(
            self.socket_url(self.ticket()),
            origin=Origin(self.origin) if self.origin else None,
            open_timeout=self.timeout,
            close_timeout=2,
            compression=None,
            proxy=None,
            legacy=True,  # a long-lived connection, not a ``with`` block
        )
        self.connects += 1
        self.hello = json.loads(self.ws.recv(timeout=self.timeout))
        for message in list(self.pending.values()):
            self.ws.send(json.dumps(message))
        return self.hello

    def drop(self) -> None:
        """Forget the socket (closing it if open); pending sends stay pending."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    close = drop

    # --- sending ----------------------------------------------------------------------------

    def send(self, kind: str, body: dict[str, Any], client_msg_id: str | None = None) -> str:
        """Send a frame; its ``client_msg_id`` (made if not given) until it is acknowledged."""
        msg_id = client_msg_id or f"c-{secrets.token_hex(8)}"
        message = {"type": kind, "client_msg_id": msg_id, "body": body}
        self.pending[msg_id] = message
        try:
            if self.ws is not None:
                self.ws.send(json.dumps(message))
        except (ConnectionClosed, OSError):
            self.drop()  # resent after the reconnect
        return msg_id

    def message(self, text: str) -> str:
        return self.send("message", {"text": text})

    def propose(
        self, start: str, end: str, place: str | None = None, remote: bool = False, note: str = ""
    ) -> str:
        window = {"start": start, "end": end}
        return self.send(
            "proposal", {"window": window, "place": place, "remote": remote, "note": note}
        )

    def accept(self, proposal: int) -> str:
        return self.send("accept", {"proposal": proposal})

    def decline(self, proposal: int, note: str = "") -> str:
        return self.send("decline", {"proposal": proposal, "note": note})

    def present_voucher(self, token: str) -> str:
        return self.send("voucher", {"token": token})

    def signal_typing(self) -> None:
        if self.ws is not None:
            self.ws.send(json.dumps({"type": "typing"}))

    # --- receiving --------------------------------------------------------------------------

    def next_frame(self, timeout: float | None = None) -> Frame | None:
        """The next new frame of the log (in seq order), or ``None`` after ``timeout``."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.inbox:
            left = deadline - time.monotonic()
            if left <= 0 or not self._pump(left):
                break
        return self.inbox.popleft() if self.inbox else None

    def frames_until(
        self, done: Callable[[Frame], bool], timeout: float | None = None
    ) -> list[Frame]:
        """Frames as they come, until ``done(frame)`` holds; :class:`TimeoutError` otherwise."""
        seen: list[Frame] = []
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            frame = self.next_frame(max(0.0, deadline - time.monotonic()))
            if frame is None:
                raise TimeoutError(f"frames so far: {[f.seq for f in seen]}")
            seen.append(frame)
            if done(frame):
                return seen

    def wait_ack(self, client_msg_id: str, timeout: float | None = None) -> int:
        """The seq the relay gave ``client_msg_id``; :class:`FrameRefused` if it refused it."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while client_msg_id not in self.acks:
            if client_msg_id in self.refused:
                raise self.refused[client_msg_id]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no ack for {client_msg_id}")
            self._pump(left)
        return self.acks[client_msg_id]

    def _pump(self, timeout: float) -> bool:
        """Read one message (reconnecting if the socket is gone); ``False`` on timeout."""
        if self.ws is None:
            self.connect()
        assert self.ws is not None
        try:
            raw = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return False
        except ConnectionClosed as exc:
            self._closed(exc)
            return True
        self._take(json.loads(raw))
        return True

    def _closed(self, exc: ConnectionClosed) -> None:
        code = exc.rcvd.code if exc.rcvd is not None else None
        self.ws = None
        if code in PERMANENT_CLOSES:
            reason = exc.rcvd.reason if exc.rcvd is not None else ""
            raise ChannelError(f"closed by the hub: {code} {reason}", code) from None

    def _take(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ack":
            self.pending.pop(message["client_msg_id"], None)
            self.acks[message["client_msg_id"]] = int(message["seq"])
        elif kind == "error":
            msg_id = message.get("client_msg_id")
            refused = FrameRefused(str(message.get("code")), str(message.get("detail")))
            if msg_id is not None:
                self.pending.pop(msg_id, None)
                self.refused[msg_id] = refused
        elif kind == "typing":
            self.typing.append(str(message.get("from")))
        elif kind == "resync_required":
            raise ChannelError("the log is behind our last seq: reload the case", 4409)
        elif "seq" in message:
            self._frame(Frame.of(message))

    def _frame(self, frame: Frame) -> None:
        if frame.seq <= self.last_seq:
            return  # seen already (a replay after a reconnect)
        if frame.seq != self.last_seq + 1:
            self.drop()  # a gap: never show a partial log; resume from the last seq
            return
        self.last_seq = frame.seq
        self.inbox.append(frame)

    # --- the voucher, offline ---------------------------------------------------------------

    def verifier(self) -> Verifier:
        """The issuer's keys, fetched once (a provider may keep the JWKS for offline use)."""
        return Verifier(load_jwks(f"{self.base_url}/.well-known/jwks.json"))

    def verify_voucher(self, frame: Frame, verifier: Verifier) -> dict[str, Any]:
        """The claims of a ``voucher`` frame's token, checked offline against ``verifier``."""
        if frame.type != "voucher":
            raise ValueError(f"frame {frame.seq} is a {frame.type}, not a voucher")
        claims = verifier.verify(str(frame.body.get("token", "")))
        if claims.get("sub") != self.voucher_id:
            raise TokenError("bad claims", "the token names another voucher")
        return claims

    def redeem(self, token: str) -> requests.Response:
        """Redeem the voucher with the token its holder presented (the provider's key)."""
        return self.http.post(
            f"{self.base_url}/api/v1/vouchers/{self.voucher_id}/redeem",
            json={"token": token},
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=self.timeout,
        )
