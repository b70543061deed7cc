"""The same-work floor for ``bench_center.py``: a minimal app doing exactly the hub's essential
work per signed event, and nothing else — written for this benchmark, plain psycopg 3 or
sqlite3, no ORM, no SQLAlchemy, no pydantic.

Per ``POST /api/v1/events``: the Standard Webhooks HMAC check (:func:`verify_standard`), the
body's SHA-256, ``json.loads``, for each unit × program a keyed voucher id
(:func:`voucher_id`), a holder secret and its digest, an Ed25519 JWS (PyJWT, as the hub signs),
the secrets sealed with Fernet, then in one transaction the same rows as the hub: the delivery
claimed (``ON CONFLICT DO NOTHING RETURNING``; a replay is answered from the stored row), the
customer upserted (``RETURNING seq``), the vouchers and their audit rows inserted — on its own
``floor_*`` tables. ``GET /healthz`` is the framework floor. Flask, as the hub.

    gunicorn --chdir benchmarks 'floor_app:create_app()'
    (FLOOR_DATABASE_URL: postgresql://… or sqlite:///…; FLOOR_SECRET: the store's whsec_ secret)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, Response, request

from ascc_plugin.identity import voucher_id
from ascc_plugin.signatures import SignatureError, verify_standard

TABLES = """
CREATE TABLE IF NOT EXISTS floor_claims (seq {serial}, gsp_id TEXT, webhook_id TEXT,
  body_digest TEXT, response TEXT, sealed TEXT, at {stamp}, UNIQUE (gsp_id, webhook_id));
CREATE TABLE IF NOT EXISTS floor_customers (seq {serial}, gsp_id TEXT, customer_key TEXT,
  email TEXT, name TEXT, UNIQUE (gsp_id, customer_key));
CREATE TABLE IF NOT EXISTS floor_vouchers (seq {serial}, id TEXT UNIQUE, gsp_id TEXT,
  customer_seq INTEGER REFERENCES floor_customers (seq), program TEXT, order_id TEXT,
  line_id TEXT, unit INTEGER, state TEXT, valid_until {stamp}, token TEXT, holder_digest TEXT,
  created_at {stamp});
CREATE INDEX IF NOT EXISTS floor_vouchers_order ON floor_vouchers (gsp_id, order_id);
CREATE TABLE IF NOT EXISTS floor_audit (seq {serial}, voucher_id TEXT REFERENCES floor_vouchers
  (id), action TEXT, to_state TEXT, actor_id TEXT, at {stamp});
"""
CLAIM = (
    "INSERT INTO floor_claims (gsp_id, webhook_id, body_digest, response, sealed, at) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (gsp_id, webhook_id) DO NOTHING "
    "RETURNING seq"
)
STORED = "SELECT response FROM floor_claims WHERE gsp_id = {p} AND webhook_id = {p}"
CUSTOMER = (
    "INSERT INTO floor_customers (gsp_id, customer_key, email, name) VALUES ({p}, {p}, {p}, {p}) "
    "ON CONFLICT (gsp_id, customer_key) DO UPDATE SET email = excluded.email, "
    "name = excluded.name RETURNING seq"
)
VOUCHER = (
    "INSERT INTO floor_vouchers (id, gsp_id, customer_seq, program, order_id, line_id, unit, "
    "state, valid_until, token, holder_digest, created_at) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, 'issued', {p}, {p}, {p}, {p})"
)
AUDIT = (
    "INSERT INTO floor_audit (voucher_id, action, to_state, actor_id, at) "
    "VALUES ({p}, 'issue', 'issued', {p}, {p})"
)
GSP = "gsp_floor"
SHOP_KEY = b"floor-voucher-id-key"


class Store:
    """One connection per thread, the rows of one event in one transaction."""

    def __init__(self, url: str) -> None:
        self.url, self.local = url, threading.local()
        self.sqlite = url.startswith("sqlite")
        p = "?" if self.sqlite else "%s"
        self.sql = {name: text.format(p=p) for name, text in SQL.items()}
        self.lock_path = url.removeprefix("sqlite:///") + ".floor-writer" if self.sqlite else ""

    def connection(self) -> Any:
        found = getattr(self.local, "connection", None)
        if found is None:
            found = self.local.connection = self.connect()
        return found

    def connect(self) -> Any:
        if self.sqlite:
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        import psycopg

        return psycopg.connect(self.url)

    def write(self, work: Callable[[Any, dict[str, str]], Any]) -> Any:
        """``work(cursor, sql)`` in one write transaction (SQLite: writers queue on a flock)."""
        conn = self.connection()
        if not self.sqlite:
            with conn.transaction(), conn.cursor() as cursor:
                return work(cursor, self.sql)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                result = work(cursor, self.sql)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
            return result
        finally:
            os.close(fd)


SQL = {"claim": CLAIM, "stored": STORED, "customer": CUSTOMER, "voucher": VOUCHER, "audit": AUDIT}


def make_tables(url: str) -> None:
    store = Store(url)
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if store.sqlite else "SERIAL PRIMARY KEY"
    stamp = "TEXT" if store.sqlite else "TIMESTAMPTZ"
    conn = store.connect()
    for statement in TABLES.format(serial=serial, stamp=stamp).split(";"):
        if statement.strip():
            conn.execute(statement)
    if not store.sqlite:
        conn.commit()
    conn.close()


def issue(event: dict[str, Any], programs: list[dict[str, Any]], key: Any, now: datetime) -> list:
    """Each unit × program: id, holder secret and digest, signed token (the hub's work)."""
    order, gsp = event["order"], event["gsp"]
    out = []
    for line in order["lines"]:
        for unit in range(1, int(line["quantity"]) + 1):
            for program in programs:
                vid = voucher_id(
                    SHOP_KEY, gsp["platform"], gsp["shop"], order["id"], line["id"], unit,
                    program["id"],
                )  # fmt: skip
                until = now + timedelta(days=30 * int(program["term_months"]))
                claims = {"iss": "floor", "sub": vid, "program": program["id"],
                          "kind": program["kind"], "iat": int(now.timestamp()),
                          "exp": int(until.timestamp())}  # fmt: skip
                token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "floor"})
                secret = "hld_" + secrets.token_urlsafe(24)
                out.append((vid, program["id"], order["id"], line["id"], unit, until, token,
                            secret, hashlib.sha256(secret.encode()).hexdigest()))  # fmt: skip
    return out


def create_app() -> Flask:
    app = Flask("floor")
    store = Store(os.environ["FLOOR_DATABASE_URL"])
    secret = os.environ["FLOOR_SECRET"]
    key, fernet = Ed25519PrivateKey.generate(), Fernet(Fernet.generate_key())

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.post("/api/v1/events")
    def events() -> Response:
        body = request.get_data(cache=False)
        try:
            webhook_id = verify_standard([secret], request.headers, body, time.time())
        except SignatureError:
            return Response('{"title": "unauthorized"}', 401, mimetype="application/json")
        digest = hashlib.sha256(body).hexdigest()
        payload = json.loads(body)
        event, now = payload["event"], datetime.now(UTC)
        made = issue(event, payload["programs"], key, now)
        answer = json.dumps({"vouchers": [{"id": v[0], "token": v[6]} for v in made]})
        sealed = fernet.encrypt(json.dumps({v[0]: v[7] for v in made}).encode()).decode()
        customer = event["order"].get("customer") or {}
        stamp = now.isoformat() if store.sqlite else now

        def write(cursor: Any, sql: dict[str, str]) -> str:
            cursor.execute(sql["claim"], (GSP, webhook_id, digest, answer, sealed, stamp))
            if cursor.fetchone() is None:  # a replay: the first answer
                cursor.execute(sql["stored"], (GSP, webhook_id))
                return str(cursor.fetchone()[0])
            email = customer.get("email")
            cursor.execute(sql["customer"], (GSP, f"email:{email}", email, customer.get("name")))
            seq = cursor.fetchone()[0]
            cursor.executemany(
                sql["voucher"],
                [(v[0], GSP, seq, v[1], v[2], v[3], v[4],
                  v[5].isoformat() if store.sqlite else v[5], v[6], v[8], stamp) for v in made],
            )  # fmt: skip
            cursor.executemany(sql["audit"], [(v[0], GSP, stamp) for v in made])
            return answer

        return Response(store.write(write), 200, mimetype="application/json")

    return app
