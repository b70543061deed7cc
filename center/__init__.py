"""The ASCC center hub: a multi-tenant Flask service (DESIGN §2, §5 to §7, §9).

Layers, lowest first (kept by the import-linter contracts in ``pyproject.toml``):

``center.infra``        database, problem answers, request parsing, caches
``center.deliveries``   signed store deliveries: signature check, idempotency claims, sealing
``center.audit``        the audit trail and the change feed of voucher state changes
domains                 ``parties`` → ``vouchers`` → ``records``, ``directory``, ``privacy`` …
``center.api``          the blueprints (thin views) and the per-app :class:`~center.api.hub.Hub`
``center.app``          :func:`create_app`, the factory
commands and handlers   ``cli``, ``serve``, ``demo``, ``gsp`` (the store-side variant)

A sub-domain is a folder with the same file names (``models``, ``services``, ``states``); views
live in ``center.api``. Nothing binds to an app, engine or session at import time.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "ensure_keys"]


def __getattr__(name: str) -> Any:
    """``from center import create_app`` without importing every layer with the package."""
    if name in __all__:
        from center import app

        return getattr(app, name)
    raise AttributeError(f"module 'center' has no attribute {name!r}")
