"""The channel benchmark's load: conversations over WebSockets, all driven from one asyncio loop.

A server is loaded two ways, reported apart (``bench_channel.py``):

* **saturating** (closed loop): every conversation sends its next message as soon as the
  previous one was acknowledged (echoed, for the echo floor). Messages/s over the wall time is
  the server's *throughput*; the latencies of this run include the queueing of a saturated
  server and are reported as such.
* **paced** (open loop): every conversation sends at a steady ``rate`` on a fixed schedule that
  never waits for the server (random phase per conversation). Latency is arrival minus the
  *scheduled* send time, so a server that falls behind is charged for it (no coordinated
  omission). This is the latency at a fixed offered load below saturation.

A relay conversation is a sender socket and a receiver socket on one case: latency is taken
where the message is delivered to the receiver; the sender also reads its acks. An echo
conversation is one socket. One process, one clock (``time.perf_counter``) for both ends.
The asyncio client (``websockets``) keeps the load generator to one thread, so it takes less of
the two cores the servers share with it than a thread per socket would.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 60.0


async def open_socket(url: str) -> ClientConnection:
    return await connect(url, proxy=None, compression=None, open_timeout=30, max_size=None)


@dataclass
class Run:
    """The delivery latencies (seconds) of one measured run, and its wall time."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    expected: int = 0
    server_cpu: float | None = None
    """CPU seconds the server's processes used during the run (when measured)."""

    def report(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        if not ordered:
            return {"messages": 0, "expected": self.expected}
        at = lambda q: round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
        out = {
            "messages": len(ordered),
            "expected": self.expected,
            "messages_per_s": round(len(ordered) / self.wall),
            "p50_ms": at(0.50),
            "p99_ms": at(0.99),
            "mean_ms": round(1000 * statistics.fmean(ordered), 1),
        }
        if self.server_cpu is not None:
            out["server_cpu_ms_per_message"] = round(1000 * self.server_cpu / len(ordered), 2)
        return out


class Conversation:
    """One conversation: ``outgoing`` sends (and gets acks), ``incoming`` gets the deliveries."""

    def __init__(self, outgoing: ClientConnection, incoming: ClientConnection, tag: str) -> None:
        self.outgoing, self.incoming, self.tag = outgoing, incoming, tag

    def message(self, n: int, at: float) -> str:
        body = {"text": f"{n} {at!r}"}
        return json.dumps({"type": "message", "client_msg_id": f"{self.tag}-{n}", "body": body})

    async def next_delivery(self) -> float:
        """The scheduled send time carried by the next message delivered to ``incoming``."""
        while True:
            frame = json.loads(await asyncio.wait_for(self.incoming.recv(), TIMEOUT))
            if frame.get("type") == "message":
                return float(frame["body"]["text"].split()[1])

    async def next_ack(self) -> None:
        while json.loads(await asyncio.wait_for(self.outgoing.recv(), TIMEOUT))["type"] != "ack":
            pass

    async def saturate(self, count: int, run: Run) -> None:
        async def deliveries() -> None:
            for _ in range(count):
                sent = await self.next_delivery()
                run.latencies.append(time.perf_counter() - sent)

        reader = asyncio.ensure_future(deliveries())
        for n in range(count):
            await self.outgoing.send(self.message(n, time.perf_counter()))
            await self.next_ack()
        await reader

    async def pace(self, schedule: Sequence[float], run: Run) -> None:
        async def deliveries() -> None:
            for _ in schedule:
                sent = await self.next_delivery()
                run.latencies.append(time.perf_counter() - sent)

        async def acks() -> None:
            for _ in schedule:
                await self.next_ack()

        readers = asyncio.gather(deliveries(), acks())
        await send_on(schedule, lambda n, at: self.outgoing.send(self.message(n, at)))
        await readers

    async def close(self) -> None:
        await self.outgoing.close()
        await self.incoming.close()


class EchoConversation(Conversation):
    """One socket of the echo floor: the echo is both the delivery and the ack."""

    def __init__(self, socket: ClientConnection, tag: str) -> None:
        super().__init__(socket, socket, tag)

    async def next_delivery(self) -> float:
        frame = json.loads(await asyncio.wait_for(self.incoming.recv(), TIMEOUT))
        return float(frame["body"]["text"].split()[1])

    async def saturate(self, count: int, run: Run) -> None:
        for n in range(count):
            await self.outgoing.send(self.message(n, time.perf_counter()))
            sent = await self.next_delivery()
            run.latencies.append(time.perf_counter() - sent)

    async def pace(self, schedule: Sequence[float], run: Run) -> None:
        async def deliveries() -> None:
            for _ in schedule:
                sent = await self.next_delivery()
                run.latencies.append(time.perf_counter() - sent)

        reader = asyncio.ensure_future(deliveries())
        await send_on(schedule, lambda n, at: self.outgoing.send(self.message(n, at)))
        await reader

    async def close(self) -> None:
        await self.outgoing.close()


async def send_on(schedule: Sequence[float], send: Callable[[int, float], Awaitable[None]]) -> None:
    """``send(n, at)`` at each scheduled ``at`` (``perf_counter`` seconds), never waiting for
    an answer; a late loop sends at once and the latency still counts from ``at``."""
    for n, at in enumerate(schedule):
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(n, at)


def schedules(conversations: int, rate: float, seconds: float, seed: int) -> list[list[float]]:
    """Each conversation's send times: every ``1/rate`` s from a random phase, for ``seconds``."""
    rng, start, step = random.Random(seed), time.perf_counter() + 0.2, 1.0 / rate
    count = max(1, round(rate * seconds))
    out = []
    for _ in range(conversations):
        phase = start + rng.random() * step
        out.append([phase + n * step for n in range(count)])
    return out


async def saturating(conversations: Sequence[Conversation], messages: int) -> Run:
    run = Run(expected=len(conversations) * messages)
    start = time.perf_counter()
    await asyncio.gather(*(c.saturate(messages, run) for c in conversations))
    run.wall = time.perf_counter() - start
    return run


async def paced(
    conversations: Sequence[Conversation], rate: float, seconds: float, seed: int
) -> Run:
    plans = schedules(len(conversations), rate, seconds, seed)
    run = Run(expected=sum(len(plan) for plan in plans))
    start = time.perf_counter()
    await asyncio.gather(*(c.pace(plan, run) for c, plan in zip(conversations, plans, strict=True)))
    run.wall = time.perf_counter() - start
    return run
