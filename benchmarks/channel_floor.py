"""The relay's same-work floor: the least any relay keeping the channel's promise does per message.

A flask-sock app on the same server as the echo floor (gunicorn gthread, one worker, a thread a
socket) with no hub behind it: per message one PostgreSQL transaction through psycopg directly
(``UPDATE … SET last_seq = last_seq + 1 RETURNING`` for a gap-free seq, ``INSERT … ON CONFLICT
DO NOTHING RETURNING`` for the once-only store, ``COMMIT``), then the stored frame is sent to
every socket of the case in this process and the sender gets its ack — after the commit. No
ticket, no validation, no ORM, no doorbell thread: the hub's relay over this floor says what
its own layers cost; this floor over the echo says what storing a frame costs.

    python benchmarks/channel_floor.py PORT DATABASE_URL   (bench_channel.py starts it)
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_cases (case_id text PRIMARY KEY, last_seq integer NOT NULL);
CREATE TABLE IF NOT EXISTS floor_frames (
    case_id text NOT NULL, seq integer NOT NULL, sender text NOT NULL,
    client_msg_id text NOT NULL, body text NOT NULL, at timestamptz NOT NULL,
    UNIQUE (case_id, seq), UNIQUE (case_id, client_msg_id));
"""
NEXT_SEQ = "UPDATE floor_cases SET last_seq = last_seq + 1 WHERE case_id = %s RETURNING last_seq"
STORE = (
    "INSERT INTO floor_frames (case_id, seq, sender, client_msg_id, body, at) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING seq"
)


class Pool:
    """A fixed set of psycopg connections handed out one per transaction."""

    def __init__(self, url: str, size: int) -> None:
        self.idle: queue.Queue[psycopg.Connection[Any]] = queue.Queue()
        for _ in range(size):
            self.idle.put(psycopg.connect(url))

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self.idle.get()
        try:
            with conn.transaction():
                yield conn
        finally:
            self.idle.put(conn)


class Room:
    """The sockets of one case in this process, each with a send lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sockets: dict[Any, threading.Lock] = {}

    def join(self, ws: Any) -> None:
        with self.lock:
            self.sockets[ws] = threading.Lock()

    def leave(self, ws: Any) -> None:
        with self.lock:
            self.sockets.pop(ws, None)

    def send_all(self, text: str) -> None:
        with self.lock:
            members = list(self.sockets.items())
        for ws, lock in members:
            with lock:
                ws.send(text)

    def send(self, ws: Any, text: str) -> None:
        with self.lock:
            lock = self.sockets[ws]
        with lock:
            ws.send(text)


def store(pool: Pool, case: str, role: str, frame: dict[str, Any]) -> tuple[int, bool, str]:
    """One transaction: the next seq and the frame (once per client_msg_id)."""
    now, body = datetime.now(UTC), json.dumps(frame["body"])
    with pool.transaction() as conn:
        row = conn.execute(NEXT_SEQ, (case,)).fetchone()
        assert row is not None
        stored = conn.execute(
            STORE, (case, row[0], role, frame["client_msg_id"], body, now)
        ).fetchone()
        if stored is None:
            raise LookupError("a resend")
    out = {"type": "message", "seq": row[0], "from": role, "at": now.isoformat(),
           "body": frame["body"], "client_msg_id": frame["client_msg_id"]}  # fmt: skip
    return row[0], False, json.dumps(out, separators=(",", ":"))


def create_app(url: str) -> Any:
    from flask import Flask, request
    from flask_sock import Sock

    app, pool, rooms, lock = Flask("floor"), Pool(url, 20), {}, threading.Lock()
    sock = Sock(app)

    @sock.route("/floor/<case>")  # type: ignore[untyped-decorator]
    def floor(ws: Any, case: str) -> None:
        role = request.args.get("role", "holder")
        with lock:
            room = rooms.setdefault(case, Room())
        room.join(ws)
        ws.send(json.dumps({"type": "hello", "case": case, "role": role}))
        try:
            while True:
                frame = json.loads(ws.receive())
                seq, duplicate, text = store(pool, case, role, frame)
                room.send_all(text)
                ack = {"type": "ack", "client_msg_id": frame["client_msg_id"], "seq": seq}
                room.send(ws, json.dumps({**ack, "duplicate": duplicate}))
        finally:
            room.leave(ws)

    return app


def prepare(url: str, cases: int) -> None:
    """The floor's tables and ``cases`` cases (``c0`` …) in the database of ``url``."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        for n in range(cases):
            conn.execute(
                "INSERT INTO floor_cases VALUES (%s, 0) ON CONFLICT DO NOTHING", (f"c{n}",)
            )


def serve(port: int, url: str) -> None:
    from ascc_plugin.serving import GunicornApp, base_options

    options = {**base_options("127.0.0.1", port, 1), "worker_class": "gthread", "threads": 404}
    sys.argv = sys.argv[:1]
    GunicornApp(lambda: create_app(url), options).run()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
