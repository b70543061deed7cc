"""``create_app(config)``: the store service's Flask app (both webhook blueprints, ``/healthz``).

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
from adapters.store.service import Clock, StoreService, utcnow
from adapters.woocommerce.views import bp as woocommerce_bp
from ascc_plugin.config import ConfigError, StoreConfig
from ascc_plugin.host import configure, get_plugin_manager


def create_app(
    config: StoreConfig, *, pm: pluggy.PluginManager | None = None, clock: Clock = utcnow
) -> Flask:
    """The store service for ``config``; ConfigError when it cannot safely start."""
    check_config(config)
    pm = pm or get_plugin_manager()
    handler = configure(pm, config)
    engine = make_engine(config.store.state_db)
    sessions = make_sessions(engine)
    warn_at_start(config, sessions)
    engine.dispose()  # no connection survives into forked server workers
    pm.register(StatePrivacy(sessions), name="store-state")
    config.store.events_log.parent.mkdir(parents=True, exist_ok=True)
    app = Flask("ascc-store")
    app.config["MAX_CONTENT_LENGTH"] = config.store.max_body_bytes
    app.extensions["ascc_store"] = StoreService(config, pm, sessions, clock)
    app.extensions["ascc_handler"] = handler
    install_error_handlers(app)
    app.register_blueprint(shopify_bp)
    app.register_blueprint(woocommerce_bp)
    app.add_url_rule("/healthz", "healthz", healthz)
    mounts = collect_mounts(pm)
    if mounts:
        app.wsgi_app = PrefixDispatcher(app.wsgi_app, mounts)  # type: ignore[method-assign]
    return app


def start_background(app: Flask) -> None:
    """Start the active handler's background work (the ``center`` handler's outbox sender).

    Called once per serving process, after any ``fork``: threads do not survive one.
    """
    start = getattr(app.extensions["ascc_handler"], "start_background_sender", None)
    if callable(start):
        start()


def stop_background(app: Flask, timeout: float = 10.0) -> None:
    """Stop what :func:`start_background` started, after the attempt in flight."""
    stop = getattr(app.extensions["ascc_handler"], "stop", None)
    if callable(stop):
        stop(timeout)


def check_config(config: StoreConfig) -> None:
    """An empty secret would make every signature forgeable (WooCommerce allows one): refuse."""
    if not config.store.webhook_secret.strip():
        where = config.path or "configuration"
        raise ConfigError(
            f"{where}: store.webhook_secret: empty; set the storefront's webhook signing secret "
            "(an empty secret makes signatures forgeable)"
        )


def healthz() -> Response:
    service: StoreService = current_app.extensions["ascc_store"]
    with service.sessions() as session:
        session.execute(text("SELECT 1"))
    return jsonify(status="ok", platform=service.platform, mode=service.config.store.mode)
