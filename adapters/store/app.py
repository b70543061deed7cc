"""``create_app(settings)``: the store service's Flask app (webhook blueprints, ``/healthz``).

The plugin host is configured once here: the handler named by ``[store] mode`` answers every
delivery. Nothing binds to an app, engine or plugin manager at import time.
"""

from __future__ import annotations

import pluggy
from flask import Flask, Response, current_app, jsonify
from sqlalchemy import text

from adapters.shopify.views import bp as shopify_bp
from adapters.store.catalog_warnings import warn_at_start
from adapters.store.db import make_engine, make_sessions
from adapters.store.http import install_error_handlers
from adapters.store.mounts import PrefixDispatcher, collect_mounts
from adapters.store.privacy import StatePrivacy
from adapters.store.service import StoreService
from adapters.woocommerce.views import bp as woocommerce_bp
from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.handlers import Handler
from ascc_plugin.host import configure, get_plugin_manager
from ascc_plugin.settings import Settings, SettingsError


def create_app(
    settings: Settings, *, pm: pluggy.PluginManager | None = None, clock: Clock = utcnow
) -> Flask:
    """The store service for ``settings``; SettingsError when it cannot safely start."""
    check_settings(settings)
    pm = pm or get_plugin_manager()
    handler = configure(pm, settings)
    busy_ms = int(settings.store.state_busy_timeout_seconds * 1000)
    engine = make_engine(settings.store.state_db, busy_ms)
    sessions = make_sessions(engine)
    warn_at_start(settings, sessions)
    engine.dispose()  # no connection survives into forked server workers
    pm.register(StatePrivacy(sessions), name="store-state")
    settings.store.events_log.parent.mkdir(parents=True, exist_ok=True)
    app = Flask("ascc-store")
    app.config["MAX_CONTENT_LENGTH"] = settings.store.max_body_bytes
    app.extensions["ascc_store"] = StoreService(settings, pm, sessions, clock)
    app.extensions["ascc_handler"] = handler
    install_error_handlers(app)
    app.register_blueprint(shopify_bp)
    app.register_blueprint(woocommerce_bp)
    app.add_url_rule("/healthz", "healthz", healthz)
    mounts = collect_mounts(pm)
    if mounts:
        app.wsgi_app = PrefixDispatcher(app.wsgi_app, mounts)  # type: ignore[method-assign]
    return app


def handler_of(app: Flask) -> Handler:
    handler = app.extensions["ascc_handler"]
    assert isinstance(handler, Handler)
    return handler


def start_background(app: Flask) -> None:
    """Start the active handler's background work (the ``center`` handler's outbox sender).

    Called once per serving process, after any ``fork``: threads do not survive one.
    """
    handler_of(app).start()


def stop_background(app: Flask, timeout: float = 10.0) -> None:
    """Stop what :func:`start_background` started, after the attempt in flight."""
    handler_of(app).stop(timeout)


def check_settings(settings: Settings) -> None:
    """An empty secret would make every signature forgeable (WooCommerce allows one): refuse."""
    if not settings.store.webhook_secret.strip():
        raise SettingsError(
            f"{settings.where()}: store.webhook_secret: empty; set the storefront's webhook "
            "signing secret (an empty secret makes signatures forgeable)"
        )


def healthz() -> Response:
    service: StoreService = current_app.extensions["ascc_store"]
    with service.sessions() as session:
        session.execute(text("SELECT 1"))
    return jsonify(status="ok", platform=service.platform, mode=service.settings.store.mode)
