"""The real hub in this process: ``center.create_app`` at the simulation's clock.

:class:`SimHub` builds the app on a fresh database (SQLite in the run's folder, or a URL such as
PostgreSQL's), migrates it, registers every simulated store, provider and insurance policy
through the hub's own services, and answers parties' requests through werkzeug's test client
(no socket). :meth:`SimHub.records` reads every voucher record with the operator's key.
The hub's plugin manager carries :class:`Mailbox`: the ``ascc_incentive_issued`` hook is how
an incentive (and its token) reaches the customer, as a delivery plugin does in production;
``ascc_claim_decided`` tells which claims were filed (the cross-check reads them through the
API).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import Client

from ascc_plugin import hooks
from ascc_plugin.hooks import hookimpl
from ascc_plugin.money import to_minor
from ascc_plugin.rewards import ClaimDecision, Incentive
from center import create_app, migrate
from center.api.hub import current_hub
from center.api.ws import redeem
from center.channel.frames import FrameRefused, parse_incoming
from center.channel.relay import relay_of
from center.incentives.services import lapse_due
from center.infra.db import get_database
from center.infra.problems import Problem
from center.insurance.services import add_policy
from center.ledger import services as ledger
from center.parties import keys
from center.parties import services as parties
from center.settings import HubSettings
from simulator.scenario import Scenario

BASE_URL = "http://hub.sim"
"""Where the simulated stores find the hub (never resolved: the transport is in process)."""


@dataclass(frozen=True)
class Registered:
    """A party the hub registered: its id, API key and (stores) signing secret."""

    id: str
    key: str
    secret: str = ""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class Mailbox:
    """The incentives the hub issued, by service voucher id (its ``ascc_incentive_issued``)."""

    def __init__(self) -> None:
        self.incentives: dict[str, Incentive] = {}
        self.claims: dict[str, str] = {}
        """Claim id → its service voucher's id."""

    @hookimpl
    def ascc_incentive_issued(self, incentive: Incentive) -> None:
        self.incentives[incentive.voucher_id] = incentive

    @hookimpl
    def ascc_claim_decided(self, claim: ClaimDecision) -> None:
        self.claims[claim.id] = claim.voucher_id


def hub_plugins(mailbox: Mailbox) -> pluggy.PluginManager:
    """The hub's hooks: the mailbox alone (the hub delivers no voucher itself: the stores do;
    no entry points: the hub of a run is the same whatever is installed)."""
    pm = pluggy.PluginManager(hooks.PROJECT_NAME)
    pm.add_hookspecs(hooks)
    pm.register(mailbox, name="simulator-e2e-mailbox")
    return pm


class SimHub:
    """The hub app on ``database_url`` with ``clock``; parties made from the scenario."""

    def __init__(
        self, folder: Path, database_url: str, scenario: Scenario, clock: Callable[[], datetime]
    ) -> None:
        self.clock = clock
        self.admin_key = keys.new_key(keys.ADMIN)
        incentives = scenario.incentives
        settings = HubSettings(
            database_url=database_url,
            keys_dir=folder / "hub-keys",
            admin_key=self.admin_key,
            public_url=BASE_URL,
            rate_limits=False,
            incentive_hold_hours=round(incentives.hold_hours),
            incentive_lapse_days=round(incentives.lapse_days),
            incentive_pair_limit=incentives.pair_limit,
            incentive_pair_days=round(incentives.pair_window_days),
        )
        self.mailbox = Mailbox()
        self.app: Flask = create_app(settings, pm=hub_plugins(self.mailbox), clock=clock)
        self.database = get_database(self.app)
        migrate.upgrade(self.database)
        self.client = Client(self.app)
        self._policies(scenario)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.app.app_context(), self.database.transaction() as session:
            yield session

    def _policies(self, scenario: Scenario) -> None:
        currency = scenario.stores[0].currency
        with self.session() as session:
            for name, policy in scenario.insurance.items():
                add_policy(
                    session,
                    policy_id=name,
                    insurer="Simulated mutual",
                    currency=currency,
                    coverage_limit=policy.limit,
                    deductible=policy.deductible,
                    now=self.clock(),
                    premium_fixed=policy.premium,
                    premium_rate=None
                    if policy.premium_rate is None
                    else Decimal(str(policy.premium_rate)),
                )

    def add_store(self, platform: str, shop: str) -> Registered:
        with self.session() as session:
            made = parties.add_gsp(
                session, name=shop, platform=platform, shop=shop, now=self.clock()
            )
        return Registered(made["gsp_id"], made["api_key"], made["signing_secret"])

    def add_provider(self, name: str, categories: tuple[str, ...], capacity: int) -> Registered:
        with self.session() as session:
            made = parties.add_provider(
                session,
                name=name,
                categories=categories,
                capacity=capacity,
                now=self.clock(),
                email=f"{name}-{secrets.token_hex(3)}@providers.sim",
            )
        return Registered(made["provider_id"], made["api_key"])

    def call(
        self,
        method: str,
        path: str,
        key: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One party's request; the JSON answer (or ``None``)."""
        answer = self.client.open(
            path,
            method=method,
            headers={"Authorization": f"Bearer {key}", **(headers or {})},
            json=body,
        )
        return Answer(answer.status_code, answer.get_json(silent=True))

    def frame(self, voucher_id: str, key: str, frame: dict[str, Any]) -> Answer:
        """One frame of a case's conversation, sent as the socket sends it but without the
        WebSocket (the in-process transport cannot carry one): a ticket asked over HTTP with the
        party's key, redeemed by the socket's own handshake (:func:`center.api.ws.redeem`), the
        frame parsed (:func:`center.channel.frames.parse_incoming`) and stored by the app's relay
        (:meth:`center.channel.relay.Relay.submit`), as :class:`center.channel.session.CaseSocket`
        does. The answer: the socket's ``ack`` (200), or its ``error`` (409), or the ticket's
        refusal."""
        path = f"/api/v1/cases/{voucher_id}/tickets"
        ticket = self.call("POST", path, key, {})
        if ticket.status != 200:
            return ticket
        with self.app.app_context():
            try:
                party = redeem(current_hub(), {"voucher_id": voucher_id}, ticket.body["ticket"])
                sent = parse_incoming(frame)
                assert sent.type != "typing"
                stored = relay_of(self.app.extensions).submit(voucher_id, party, sent)
            except Problem as problem:
                return Answer(problem.status, {"detail": problem.detail})
            except FrameRefused as refused:
                return Answer(409, refused.to_json())
        ack = {"type": "ack", "client_msg_id": sent.client_msg_id, "seq": stored.seq}
        return Answer(200, {**ack, "duplicate": stored.duplicate})

    def frames(self, voucher_id: str) -> list[dict[str, Any]]:
        """Every frame of the case of ``voucher_id`` (the operator's view, all pages)."""
        items: list[dict[str, Any]] = []
        since = 0
        while True:
            path = f"/api/v1/cases/{voucher_id}/frames?since={since}&limit=200"
            page = self.call("GET", path, self.admin_key)
            if page.status != 200:
                raise RuntimeError(f"the hub refused a case's frames: {page.status} {page.body}")
            items.extend(page.body["items"])
            if not page.body.get("next_cursor"):
                return items
            since = int(page.body["next_cursor"])

    def records(self) -> list[dict[str, Any]]:
        """Every voucher record the hub holds (the operator's view, all pages)."""
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            path = "/api/v1/records?limit=200" + (f"&cursor={cursor}" if cursor else "")
            page = self.call("GET", path, self.admin_key)
            if page.status != 200:
                raise RuntimeError(f"the hub refused its records: {page.status} {page.body}")
            items.extend(page.body["items"])
            cursor = page.body.get("next_cursor") or ""
            if not cursor:
                return items

    def incentive_states(self) -> dict[str, str]:
        """Service voucher id → the state of its incentive, read by the operator through the
        API, for every incentive the hub issued."""
        states = {}
        for voucher_id, incentive in self.mailbox.incentives.items():
            answer = self.call("GET", f"/api/v1/incentives/{incentive.id}", self.admin_key)
            if answer.status != 200:
                raise RuntimeError(f"the hub refused an incentive: {answer.status} {answer.body}")
            states[voucher_id] = str(answer.body["state"])
        return states

    def claims(self) -> dict[str, list[tuple[str, int]]]:
        """Service voucher id → its claims' (status, paid in minor units), read by the operator
        through the API, in filing order."""
        found: dict[str, list[tuple[str, int]]] = {}
        for claim_id, voucher_id in self.mailbox.claims.items():
            answer = self.call("GET", f"/api/v1/claims/{claim_id}", self.admin_key)
            if answer.status != 200:
                raise RuntimeError(f"the hub refused a claim: {answer.status} {answer.body}")
            paid = to_minor(Decimal(answer.body["paid"]), str(answer.body["currency"]))
            found.setdefault(voucher_id, []).append((str(answer.body["status"]), paid))
        return found

    def lapse_due(self) -> int:
        """The worker's scheduled work: lapse the incentives due now; how many."""
        with self.session() as session:
            return lapse_due(session, self.clock())

    def ledger(self) -> str:
        """``balanced`` when every currency's debits equal its credits over all accounts (and
        the hub has entries), ``unbalanced`` otherwise, ``empty`` when nothing was posted."""
        totals: dict[str, int] = {}
        with self.session() as session:
            names = ledger.account_names(session)
            for name in names:
                for currency, amount in ledger.balances(session, name).items():
                    totals[currency] = totals.get(currency, 0) + amount
        if not names:
            return "empty"
        return "balanced" if not any(totals.values()) else "unbalanced"

    def close(self) -> None:
        self.database.dispose()
