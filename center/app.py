"""``create_app``: the hub's app factory (the top layer of :mod:`center`).

It makes the database (:mod:`center.infra.db`), loads — or on first start makes — the key
folder, puts one :class:`~center.api.hub.Hub` on the app and mounts the blueprints of
:mod:`center.api`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

from ascc_plugin.keys import ACTIVE_FILE, KeyRing, generate_key
from center import api
from center.api.hub import Hub, install, utcnow
from center.deliveries.sealing import Sealer
from center.infra import db, problems
from center.parties.keys import ADMIN_PREFIX, digest
from center.settings import SettingsError, load_settings
from center.vouchers.ingest import Issuer

__all__ = ["create_app", "ensure_keys"]


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    pm: pluggy.PluginManager | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Flask:
    """The hub app; ``config`` is the last settings layer (tests), ``pm`` gets the hooks."""
    app = Flask("center")
    load_settings(app, config)
    database = db.init_app(app)
    keys_dir = Path(app.config["KEYS_DIR"])
    ring = ensure_keys(keys_dir)
    issuer = Issuer(
        ring,
        str(app.config["ISSUER"]),
        str(app.config["PUBLIC_URL"]),
        app.config["ISSUE_ON"],
        Sealer.for_folder(keys_dir, timedelta(days=int(app.config["REPLAY_SECRETS_DAYS"]))),
    )
    install(app, Hub(database, issuer, admin_digest(app.config.get("ADMIN_KEY")), pm, clock))
    problems.init_app(app)
    register_blueprints(app)
    return app


def admin_digest(key: str | None) -> str | None:
    if not key:
        return None
    if not str(key).startswith(ADMIN_PREFIX) or len(str(key)) < 24:
        raise SettingsError(f"ADMIN_KEY must start with {ADMIN_PREFIX!r} and hold 20+ characters")
    return digest(str(key))


def ensure_keys(folder: Path) -> KeyRing:
    """The hub's key folder, made with a first signing key if it does not exist yet."""
    if not (folder / ACTIVE_FILE).exists():
        generate_key(folder)
    return KeyRing.load(folder)


def register_blueprints(app: Flask) -> None:
    for blueprint in api.blueprints():
        app.register_blueprint(blueprint)
