"""The ASCC center hub: a multi-tenant Flask service (DESIGN §2, §5 to §7).

``create_app(config)`` layers its settings (:mod:`center.settings`), makes the database
(:mod:`center.db`), loads — or on first start makes — the key folder, and mounts the
blueprints. Sub-domains live in folders with the same file names: ``parties``, ``vouchers``,
``directory``, ``records`` (``models``, ``services``, ``views``; ``vouchers/states`` owns the
state machine).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

from ascc_plugin.keys import ACTIVE_FILE, KeyRing, generate_key
from center import db, problems
from center.hub import Hub, install, utcnow
from center.parties.keys import ADMIN_PREFIX, digest
from center.settings import SettingsError, load_settings
from center.vouchers.ingest import Issuer
from center.vouchers.sealing import Sealer

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
    from center.directory.views import bp as directory
    from center.meta import bp as meta
    from center.parties.views import bp as parties
    from center.records.views import bp as records
    from center.vouchers.views import bp as vouchers

    for blueprint in (meta, vouchers, parties, directory, records):
        app.register_blueprint(blueprint)
