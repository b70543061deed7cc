"""``create_app``: the hub's app factory (the top layer of :mod:`center`).

It makes the database (:mod:`center.infra.db`), loads — or on first start makes — the key
folder, puts one :class:`~center.api.hub.Hub` on the app and mounts the blueprints of
:mod:`center.api` and :mod:`center.pages`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pluggy
from flask import Flask

from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.keys import ACTIVE_FILE, KeyRing, generate_key
from center import api, pages
from center.api import ws
from center.api.hub import Hub, install
from center.deliveries.sealing import Sealer
from center.handover import services as handover
from center.infra import db, limits, problems
from center.insurance import premiums
from center.ops import logs, metrics
from center.parties.keys import digest
from center.settings import HubSettings
from center.vouchers.ingest import Issuer
from center.webhooks import outbox

__all__ = ["create_app", "ensure_keys"]


def create_app(
    settings: HubSettings | None = None,
    *,
    pm: pluggy.PluginManager | None = None,
    clock: Clock = utcnow,
) -> Flask:
    """The hub app for ``settings`` (defaults when ``None``); ``pm`` gets the hooks.

    Reads no environment and no file: the caller loads the settings
    (:func:`ascc_plugin.settings.load_settings`) or builds them.
    """
    settings = settings or HubSettings()
    app = Flask("center")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    database = db.init_app(app, settings)
    ring = ensure_keys(settings.keys_dir)
    retention = timedelta(days=settings.replay_secrets_days)
    issuer = Issuer(
        ring,
        settings.issuer,
        settings.public_url,
        settings.issue_on,
        Sealer.for_folder(settings.keys_dir, retention),
        settings.max_vouchers_per_event,
    )
    admin = digest(settings.admin_key) if settings.admin_key else None
    hub = install(app, Hub(database, issuer, settings, admin, pm, clock))
    ws.install(app, hub)
    outbox.install(database)
    handover.install(database, issuer.sealer, settings.delivery_channels)
    logs.init_app(app)
    metrics.init_app(app, database, clock)
    premiums.subscribe(database)  # premiums accrue on issue and reverse on void (the feed)
    problems.init_app(app)
    limits.init_app(app, settings)
    pages.init_app(app, settings)
    for blueprint in api.blueprints() + pages.blueprints():
        app.register_blueprint(blueprint)
    return app


def ensure_keys(folder: Path) -> KeyRing:
    """The hub's key folder, made with a first signing key if it does not exist yet."""
    if not (folder / ACTIVE_FILE).exists():
        generate_key(folder)
    return KeyRing.load(folder)
