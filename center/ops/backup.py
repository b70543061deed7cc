"""Backups of the hub's database: SQLite's online backup API here, ``pg_dump`` for PostgreSQL.

:func:`backup` copies a live SQLite database (WAL included, while the hub and the worker keep
writing) page by page with :meth:`sqlite3.Connection.backup`, into a new file. :func:`restore`
copies a backup into the configured database the same way — into a new or empty database only,
unless forced. PostgreSQL has its own tools, which this module names rather than wraps:
``pg_dump --format=custom --file FILE URL`` and ``pg_restore --clean --dbname URL FILE``.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from center.infra.db import sqlite_file

PG_HELP = (
    "PostgreSQL: back up with 'pg_dump --format=custom --file FILE DATABASE_URL' and restore "
    "with 'pg_restore --clean --if-exists --dbname DATABASE_URL FILE'"
)


class BackupError(Exception):
    """The backup or restore cannot be made; the message says why and what to do."""


def database_path(url: str) -> Path:
    if not url.startswith("sqlite"):
        raise BackupError(PG_HELP)
    found = sqlite_file(url)
    if found is None:
        raise BackupError("an in-memory database cannot be backed up")
    return Path(found)


def copy(source: Path, target: Path, pages: int = 1024) -> None:
    """SQLite's online backup of ``source`` into ``target`` (steps of ``pages`` pages)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst, pages=pages)


def tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return sorted(str(name) for (name,) in rows)


def backup(url: str, out: Path, force: bool = False) -> Path:
    """Copy the database of ``url`` into ``out`` (a new file unless ``force``)."""
    source = database_path(url)
    if not source.exists():
        raise BackupError(f"{source}: no such database")
    if out.exists() and not force:
        raise BackupError(f"{out} exists: choose a new file (or --force)")
    out.unlink(missing_ok=True)
    copy(source, out)
    return out


def restore(url: str, backup_file: Path, force: bool = False) -> Path:
    """Copy ``backup_file`` into the database of ``url`` (new or empty unless ``force``)."""
    target = database_path(url)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such file")
    try:
        held = tables(backup_file)
    except sqlite3.DatabaseError:
        raise BackupError(f"{backup_file}: not a SQLite database") from None
    if "alembic_version" not in held:
        raise BackupError(f"{backup_file}: not a backup of an ASCC hub (no schema version)")
    if target.exists() and tables(target) and not force:
        raise BackupError(f"{target} holds data: restore into a new database (or --force)")
    target.parent.mkdir(parents=True, exist_ok=True)
    copy(backup_file, target)
    return target
