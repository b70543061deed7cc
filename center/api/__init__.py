"""The hub's HTTP API: thin views over the domains' services, and the per-app Hub container."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from flask import Blueprint

if TYPE_CHECKING:
    from center.api.spec import Operation


def modules() -> list[ModuleType]:
    """The API's modules: each has a blueprint ``bp`` and its route table ``OPERATIONS``."""
    from center.api import (
        cases,
        directory,
        insurance,
        ledger,
        meta,
        metrics,
        privacy,
        records,
        rewards,
        vouchers,
        webhooks,
        ws,
    )

    return [
        meta,
        vouchers,
        privacy,
        directory,
        records,
        rewards,
        insurance,
        ledger,
        cases,
        ws,
        webhooks,
        metrics,
    ]


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API, in mounting order."""
    return [module.bp for module in modules()]


def operations() -> list[Operation]:
    """Every route of the API, as the document describes it."""
    return [operation for module in modules() for operation in module.OPERATIONS]
