"""The hub's HTTP API: thin views over the domains' services, and the per-app Hub container."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API, in mounting order."""
    from center.api import directory, meta, privacy, records, vouchers

    return [module.bp for module in (meta, vouchers, privacy, directory, records)]
