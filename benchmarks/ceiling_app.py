"""The ceiling for ``bench_center.py``: a bare Flask app whose one write endpoint does a
single ``INSERT`` through :class:`center.infra.db.Database` (same pool, same SQLite pragmas and
writer lock), served by gunicorn with the hub's worker settings. Its ``/insert`` rate over its
``/healthz`` rate is the most any database-writing endpoint can reach here, measured the same way.

    gunicorn 'ceiling_app:create_app()'   (ASCC_DATABASE_URL names the database)
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, Table, Text

from center.infra.db import Database
from center.settings import HubSettings


def database_url(url: str) -> str:
    """The URL as the hub's settings map it (``postgresql://`` → psycopg 3)."""
    return HubSettings(database_url=url).database_url


METADATA = MetaData()
ROWS = Table(
    "bench_ceiling",
    METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("body", Text),
)


def make_table(url: str) -> None:
    database = Database(database_url(url))
    METADATA.create_all(database.engine)
    database.dispose()


def create_app() -> Flask:
    app = Flask("ceiling")
    database = Database(
        database_url(os.environ["ASCC_DATABASE_URL"]),
        pool_size=int(os.environ.get("ASCC_DB_POOL_SIZE", "5")),
        max_overflow=int(os.environ.get("ASCC_DB_MAX_OVERFLOW", "10")),
    )

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.post("/insert")
    def insert() -> dict[str, Any]:
        body = request.get_data(as_text=True)[:200]
        with database.transaction() as session:
            session.connection().execute(ROWS.insert().values(body=body))
        return {"status": "ok"}

    return app
