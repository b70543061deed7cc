"""Pages people use: server-rendered Jinja over the same services as :mod:`center.api`.

Every page blueprint is made by :func:`center.pages.web.page_blueprint`, which gives it the
shared templates (``templates/``) and the security headers of :mod:`center.pages.headers`;
the stylesheet and the small progressive scripts are served from ``/assets/`` by
:mod:`center.pages.assets` (no CDN, no build step). The pages mount in the hub
(:func:`center.app.create_app`) and so in a store in ``gsp`` mode, which serves the
:data:`PREFIXES` below.
"""

from __future__ import annotations

from types import ModuleType

from flask import Blueprint, Flask

from center.settings import HubSettings

# Path prefixes the pages answer (a store in gsp mode mounts the hub's app at each).
PREFIXES = ("/v/", "/provider/", "/admin/", "/assets/")


def modules() -> list[ModuleType]:
    """The page modules: each has a blueprint ``bp``."""
    from center.pages import admin, assets, console, customer

    return [assets, customer, console, admin]


def init_app(app: Flask, settings: HubSettings) -> None:
    """What the pages need of the app besides their blueprints: the staff sessions' cookie and
    CSRF protection (:mod:`center.pages.sessions`)."""
    from center.pages import sessions

    sessions.init_app(app, settings)


def blueprints() -> list[Blueprint]:
    """Every page blueprint, in mounting order."""
    return [module.bp for module in modules()]
