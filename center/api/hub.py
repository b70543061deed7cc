"""What the views need besides the request: database, issuer, verifier, clock, plugin manager.

:func:`install` puts one :class:`Hub` on a Flask app; the blueprints fetch it with
:func:`current_hub`, so they mount in any app that installed a hub (the store service does, in
``gsp`` mode, with its own database and keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pluggy
from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.host import notify
from ascc_plugin.tokens import Verifier
from center.infra.caches import TtlCache
from center.infra.db import Database
from center.infra.web import limit_arg
from center.parties import auth
from center.parties.auth import Principal
from center.parties.models import Gsp
from center.parties.services import gsp_by_shop
from center.settings import HubSettings
from center.vouchers.ingest import IngestResult, Issuer

EXTENSION_KEY = "ascc_hub"
GSP_TTL = 5.0


@dataclass
class Hub:
    database: Database
    issuer: Issuer
    settings: HubSettings = field(default_factory=HubSettings)
    admin_digest: str | None = None
    pm: pluggy.PluginManager | None = None
    clock: Clock = utcnow
    verifier: Verifier = field(init=False)
    gsps: TtlCache[str, Gsp] = field(init=False)

    def __post_init__(self) -> None:
        self.verifier = Verifier(self.issuer.ring.jwks(), self.clock)
        self.gsps = TtlCache(GSP_TTL)

    def gsp_for_shop(self, shop: str, fresh: bool) -> Gsp | None:
        """The store registered for ``shop``, cached for :data:`GSP_TTL` seconds.

        The row (with its signing secret) is detached and read-only; ``fresh`` reads it again,
        which the events view does before refusing a signature, so a changed secret is never
        refused because of the cache. Unknown shops are not cached.
        """
        gsp = None if fresh or not shop else self.gsps.get(shop)
        if gsp is None:
            with self.database.transaction(write=False) as session:
                gsp = gsp_by_shop(session, shop)
            if gsp is None:
                self.gsps.discard(shop)
                return None
            self.gsps.put(shop, gsp)
        return gsp

    @property
    def webhook_tolerance(self) -> int:
        return self.settings.webhook_tolerance_seconds

    def page_size(self) -> int:
        """The ``limit`` query parameter of a list (the settings' default and maximum)."""
        return limit_arg(self.settings.page_size, self.settings.max_page_size)

    def principal(self, session: Session) -> Principal:
        """The caller of the current request (cached for the request)."""
        if "ascc_principal" not in g:
            header = request.headers.get("Authorization")
            g.ascc_principal = auth.resolve(session, header, self.admin_digest)
        principal: Principal = g.ascc_principal
        return principal

    def notify_issued(self, result: IngestResult) -> None:
        """After commit: ``ascc_voucher_issued`` for every newly issued voucher. (The hub hands
        vouchers to customers only through handovers, durably: :mod:`center.handover`.)"""
        if self.pm is None:
            return
        for voucher in result.issued:
            notify(self.pm, "ascc_voucher_issued", voucher=voucher)


def install(app: Flask, hub: Hub) -> Hub:
    app.extensions[EXTENSION_KEY] = hub
    return hub


def current_hub() -> Hub:
    hub = current_app.extensions[EXTENSION_KEY]
    assert isinstance(hub, Hub)
    return hub
