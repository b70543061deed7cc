"""Prepared requests for ``bench_center.py``'s reward half: assessments and incentive redeems.

Vouchers are issued and walked in-process through the service layer (no HTTP) up to the step
before the one measured: ``completed`` for assessments (each request is the holder's first and
only assessment), ``released`` for incentive redeems (each request the serving provider's first
redeem). The vouchers are spread over ``providers`` so that, as in a marketplace, not every
request rates the same provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import load_settings
from center import create_app
from center.api.hub import current_hub
from center.assessments.services import assess
from center.incentives import services as incentives
from center.infra.db import get_database
from center.parties.auth import Kind, Principal
from center.parties.services import get_gsp
from center.settings import HubSettings
from center.vouchers import services
from center.vouchers.ingest import ingest, prepare

Line = Callable[[str, str, dict[str, str], bytes], str]
Order = Callable[[str, str, int], bytes]
BATCH = 10


@contextmanager
def hub_app(env: dict[str, str]) -> Iterator[Flask]:
    """The hub app of the settings ``env`` gives (the same database as the served hub)."""
    settings = load_settings(None, env=env).section(HubSettings)
    app = create_app(settings)
    with app.app_context():
        yield app
    get_database(app).dispose()


def walked(
    env: dict[str, str],
    gsp: dict[str, str],
    shop: str,
    providers: list[dict[str, str]],
    count: int,
    order: Order,
    stage: str,
    programs: list[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], dict[str, str], Any]]:
    """``count`` vouchers walked to ``stage`` (assigned, completed or released), each with its
    provider and, for ``released``, its incentive."""
    known = [Program.model_validate(p) for p in programs]
    with hub_app(env):
        hub, now = current_hub(), datetime.now(UTC)
        minter = incentives.Minter(
            hub.issuer.ring.id_key, hub.issuer.signer, hub.settings.reward_rules()
        )
        for batch in range(0, count, BATCH):
            event = OrderEvent.model_validate(
                json.loads(order(shop, f"{stage}-{batch}", BATCH))["event"]
            )
            with hub.database.transaction() as session:
                gsp_row = get_gsp(session, gsp["gsp_id"])
                issued = ingest(session, prepare(gsp_row, event, known, hub.issuer, now))
                for n, voucher in enumerate(issued.vouchers):
                    provider = providers[(batch + n) % len(providers)]
                    yield (
                        voucher,
                        provider,
                        walk(session, hub, minter, voucher, provider, stage, now),
                    )


def walk(
    session: Any,
    hub: Any,
    minter: Any,
    voucher: dict[str, Any],
    provider: dict[str, str],
    stage: str,
    now: datetime,
) -> Any:
    holder = Principal(Kind.HOLDER, secret=voucher["holder_secret"])
    acting = Principal(Kind.PROVIDER, provider["provider_id"])
    services.activate(session, voucher["id"], holder, now)
    services.assign(session, voucher["id"], holder, provider["provider_id"], now)
    if stage == "assigned":
        return None
    services.redeem(session, voucher["id"], acting, voucher["token"], hub.verifier, now)
    services.complete(session, voucher["id"], acting, None, now)
    if stage == "completed":
        return None
    incentive = assess(session, voucher["id"], holder, 5, None, minter, now).incentive
    assert incentive is not None, "the bench's program gives an incentive for a 5"
    incentives.release(session, incentive.id, holder, provider["provider_id"], now)
    return incentive


def assessment_lines(line: Line, walked_vouchers: Iterator[tuple[Any, Any, Any]]) -> list[str]:
    """One first assessment per completed voucher, by its holder."""
    return [
        line(
            "POST",
            f"/api/v1/vouchers/{voucher['id']}/assessment",
            {
                "Authorization": f"Bearer {voucher['holder_secret']}",
                "Content-Type": "application/json",
            },
            b'{"score": 5, "comment": "Quick and friendly."}',
        )
        for voucher, _, _ in walked_vouchers
    ]


def incentive_lines(line: Line, walked_vouchers: Iterator[tuple[Any, Any, Any]]) -> list[str]:
    """One redeem per released incentive, by the provider who served, with its token."""
    return [
        line(
            "POST",
            f"/api/v1/incentives/{incentive.id}/redeem",
            {"Authorization": f"Bearer {provider['api_key']}", "Content-Type": "application/json"},
            json.dumps({"token": incentive.token}).encode(),
        )
        for _, provider, incentive in walked_vouchers
    ]


def redemption_lines(line: Line, walked_vouchers: Iterator[tuple[Any, Any, Any]]) -> list[str]:
    """One redemption per assigned voucher, by its provider, with the voucher's token."""
    return [
        line(
            "POST",
            f"/api/v1/vouchers/{voucher['id']}/redeem",
            {"Authorization": f"Bearer {provider['api_key']}", "Content-Type": "application/json"},
            json.dumps({"token": voucher["token"]}).encode(),
        )
        for voucher, provider, _ in walked_vouchers
    ]
