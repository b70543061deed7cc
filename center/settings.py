"""The hub's settings, layered: defaults → TOML file → ``ASCC_*`` environment → test mapping.

The TOML file is the one named by ``ASCC_CONFIG``, else ``./ascc.toml`` when it exists; the hub
reads its ``[hub]`` table (lower-case keys, e.g. ``database_url``), so one file can hold the
store's sections and the hub's. Environment variables override the file: ``ASCC_DATABASE_URL``,
``ASCC_KEYS_DIR``, ``ASCC_ADMIN_KEY``, ``ASCC_PUBLIC_URL``, ``ASCC_SECRET_KEY`` … (Flask's
``from_prefixed_env``, so values that parse as JSON become numbers or booleans).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "ASCC"
CONFIG_ENV = "ASCC_CONFIG"
TOML_TABLE = "hub"

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///ascc-center.sqlite",
    "KEYS_DIR": "center-keys",
    "ISSUER": "ascc-center",
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "ADMIN_KEY": None,
    "ISSUE_ON": "paid",
    "WEBHOOK_TOLERANCE": 300,
    "REPLAY_SECRETS_DAYS": 30,  # how long a replayed delivery gets its holder secrets again
    "PAGE_SIZE": 50,
    "MAX_PAGE_SIZE": 200,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 10,
    "DB_PRE_PING": False,
    "SQLITE_SYNCHRONOUS": "NORMAL",
    "SQLITE_BUSY_TIMEOUT": 30,
}


class SettingsError(Exception):
    """A settings file is unreadable or a setting has an unusable value."""


def load_settings(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` layer by layer; later layers win."""
    app.config.from_mapping(DEFAULTS)
    file = toml_file()
    if file is not None:
        app.config.from_mapping(read_toml(file))
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.from_mapping(overrides)
    app.config["DATABASE_URL"] = database_url(str(app.config["DATABASE_URL"]))


def toml_file() -> Path | None:
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named)
    default = Path("ascc.toml")
    return default if default.is_file() else None


def read_toml(file: Path) -> dict[str, Any]:
    """The ``[hub]`` table of ``file``, keys upper-cased; ``keys_dir`` relative to its folder."""
    try:
        table = tomllib.loads(file.read_text(encoding="utf-8")).get(TOML_TABLE, {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{file}: cannot be read ({exc})") from None
    if not isinstance(table, dict):
        raise SettingsError(f"{file}: [{TOML_TABLE}] must be a table")
    settings = {key.upper(): value for key, value in table.items()}
    if "KEYS_DIR" in settings:
        settings["KEYS_DIR"] = str(file.parent / settings["KEYS_DIR"])
    return settings


def database_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and run them on psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if not url.startswith(("sqlite:", "postgresql+")):
        raise SettingsError(f"DATABASE_URL: unsupported database {url.split(':', 1)[0]!r}")
    return url
