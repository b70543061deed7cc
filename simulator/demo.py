"""``ascc demo``: the end-to-end walk-through as a list of named steps, each checking what it did.

A center and two store services (Shopify, WooCommerce) run as real processes on loopback with
SQLite in one folder; emulator-signed storefront orders go through the stores to the center; one
voucher is walked through activate → assign → redeem → complete, then assessed: its incentive
voucher is released to the provider and redeemed, and the voucher ends ``rewarded``. The walk
stops at the first step that does not hold, and every service is stopped at the end, whatever
happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ascc_plugin.keys import KeyFolderError
from ascc_plugin.settings import SettingsError
from simulator import demo_orders_steps as orders
from simulator import demo_walk_steps as walk
from simulator.demo_context import Check, Demo, StepFailed
from simulator.demo_world import World, new_world
from simulator.services import ServiceError

Step = Callable[[Demo], Check]
STEPS: tuple[tuple[str, Step], ...] = (
    ("center started", orders.start_center),
    ("stores and providers registered", orders.register_parties),
    ("store services started", orders.start_stores),
    ("Shopify order paid, delivered twice", orders.shopify_paid),
    ("WooCommerce order created, then paid", orders.woocommerce_paid),
    ("vouchers delivered to customers", orders.vouchers_delivered),
    ("center records agree with the stores", orders.records_agree),
    ("partial refund voids its units", orders.partial_refund),
    ("provider directory", walk.provider_directory),
    ("activated", walk.activate),
    ("assigned", walk.assign),
    ("token verified offline", walk.verify_offline),
    ("redeemed", walk.redeem),
    ("second redeem refused", walk.redeem_again),
    ("completed", walk.complete),
    ("final state and audit history", walk.final_state),
    ("assessed, incentive issued", walk.assess),
    ("incentive released to the provider", walk.release_incentive),
    ("incentive redeemed", walk.redeem_incentive),
    ("rewarded", walk.rewarded),
)
FAILURES = (StepFailed, ServiceError, requests.RequestException, SettingsError, KeyFolderError)


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "detail": self.detail,
            "data": self.data,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Outcome:
    """Every step run, the vouchers the center holds, where things were."""

    folder: Path
    kept: bool
    steps: list[StepResult] = field(default_factory=list)
    vouchers: list[dict[str, Any]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return len(self.steps) == len(STEPS) and all(step.ok for step in self.steps)


def run_step(demo: Demo, name: str, step: Step) -> StepResult:
    started = time.monotonic()
    try:
        check = step(demo)
    except FAILURES as exc:
        return StepResult(name, False, str(exc), seconds=time.monotonic() - started)
    except Exception as exc:  # a demo reports any failure as its step's, never as a traceback
        detail = f"unexpected {type(exc).__name__}: {exc}"
        return StepResult(name, False, detail, seconds=time.monotonic() - started)
    return StepResult(name, True, check.detail, check.data, time.monotonic() - started)


def run_demo(
    folder: Path,
    *,
    kept: bool,
    center_port: int | None = None,
    on_step: Callable[[StepResult], None] = lambda result: None,
) -> Outcome:
    """Run every step in ``folder`` until one fails; stop all services before returning."""
    world = new_world(folder, center_port)
    demo, outcome = Demo(world), Outcome(folder, kept)
    try:
        for name, step in STEPS:
            result = run_step(demo, name, step)
            outcome.steps.append(result)
            on_step(result)
            if not result.ok:
                outcome.logs = log_tails(world)
                break
        outcome.urls = world.urls()
        outcome.vouchers = final_vouchers(demo) if outcome.ok else []
    finally:
        demo.http.close()
        world.stop()
    return outcome


def final_vouchers(demo: Demo) -> list[dict[str, Any]]:
    """The center's records of both stores (no secrets), with the store they belong to."""
    keep = ("voucher_id", "program", "kind", "order_id", "line_id", "unit", "state", "provider_id")
    return [
        {"store": name, **{key: record[key] for key in keep}}
        for name, store in demo.world.stores.items()
        for record in demo.records(store)
    ]


def log_tails(world: World) -> dict[str, str]:
    return {service.name: service.log_tail(15) for service in world.services()}
