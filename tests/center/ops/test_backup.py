"""Backup then restore into a new file gives the same records (SQLite's online backup API);
restore refuses to overwrite data; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from center.infra.db import Database
from center.ops.backup import BackupError, backup, restore
from center.records.services import RecordFilter, list_records
from tests.common.hub import LiveHub
from tests.common.ops import served_hub


def records(url: str) -> list[dict[str, object]]:
    database = Database(url)
    try:
        with database.transaction(write=False) as session:
            page = list_records(session, RecordFilter(), None, 10_000)
        return page["items"]  # type: ignore[no-any-return]
    finally:
        database.dispose()


def test_backup_then_restore_into_a_new_file_gives_the_same_records(tmp_path: Path) -> None:
    with served_hub(tmp_path, f"sqlite:///{tmp_path / 'hub.sqlite'}") as live:
        assert_backup_restores(live, tmp_path)


def assert_backup_restores(live: LiveHub, tmp_path: Path) -> None:
    store = live.new_gsp()
    live.issue(store, quantity=3)
    out = backup(live.database.url, tmp_path / "hub.backup")
    restored = f"sqlite:///{tmp_path / 'restored' / 'hub.sqlite'}"
    restore(restored, out)
    assert records(restored) == records(live.database.url) and len(records(restored)) >= 3
    with pytest.raises(BackupError, match="holds data"):
        restore(restored, out)
    with pytest.raises(BackupError, match="exists"):
        backup(live.database.url, out)


def test_restore_refuses_what_is_not_a_hub_backup(tmp_path: Path) -> None:
    stray = tmp_path / "x.sqlite"
    stray.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(f"sqlite:///{tmp_path / 'new.sqlite'}", stray)


def test_postgres_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+psycopg://u@h/db", tmp_path / "x")
