"""The observer that turns the model's decisions into real traffic (see :mod:`simulator.observer`).

Orders and their changes become signed storefront webhooks posted to the store service at the
model's moment; activations and services become the parties' steps (:mod:`simulator.e2e.parties`).
It records, per voucher the model issued, the model's events in order (``activate``, ``void``,
``serve``, and once its incentive is redeemed ``reward``) and its incentive's (``issue``,
``release``, ``redeem``, ``lapse``): :mod:`simulator.e2e.crosscheck` replays them through the
hub's transition rules to say which states the hub must show. With ``rewards`` (the in-process
hub) the incentive's release and redeem are the parties' steps; without, they stay modelled and
are not recorded. It draws nothing from the model's random streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.emulation import OrderSpec, ProductSpec
from ascc_plugin.models import Order
from simulator.e2e.hub import Answer, Registered
from simulator.e2e.orders import Storefront, changed_spec, line_id, order_spec
from simulator.e2e.parties import FRAME, Parties, Step
from simulator.e2e.store import UnitKey
from simulator.e2e.transport import Link
from simulator.world import ProviderUnit, VoucherRec

INCENTIVE = "incentive"
"""A step's target: the voucher's incentive (:class:`simulator.e2e.parties.Step`)."""


@dataclass
class Expected:
    """One voucher the model issued: its store and the model's events for it, in order."""

    store: int
    events: list[str] = field(default_factory=list)
    incentive: list[str] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)
    """What the policy pays on each of the provider's claims (minor units), in order."""
    frames: list[str] = field(default_factory=list)
    """The ``client_msg_id`` of each frame of the case's conversation, in order."""


@dataclass
class Tallies:
    """What the model asked of the real side (whole run, warm-up included)."""

    orders: int = 0
    changes: int = 0
    activations: int = 0
    services: int = 0
    voided: int = 0
    releases: int = 0
    rewards: int = 0
    claims: int = 0
    decisions: int = 0
    frames: int = 0


class Bridge:
    """Implements :class:`simulator.observer.Observer` for one e2e replication."""

    def __init__(
        self,
        storefronts: list[Storefront],
        parties: Parties,
        providers: dict[int, Registered],
        party_link: Callable[[str, int], Link],
        moment: Callable[[], datetime],
    ) -> None:
        self.storefronts, self.parties, self.providers = storefronts, parties, providers
        self.party_link, self.moment = party_link, moment
        self.specs: dict[tuple[int, str], OrderSpec] = {}
        self.expected: dict[UnitKey, Expected] = {}
        self.keys: dict[str, UnitKey] = {}
        self.tallies = Tallies()
        self.closed = False
        self.rewards = False
        self.insurance = False
        self.channel = False
        self.operator = ""
        """The operator's key (decides the claims the coverage rule leaves pending)."""
        self.post: Callable[[int, object], None] = lambda store, request: None

    def announce_catalog(self, store: int, products: list[ProductSpec]) -> None:
        for product in products:
            self._post(store, self.storefronts[store].product(product))

    def order_placed(
        self, store: int, order: Order, info: list[tuple[int, int]], customer: int
    ) -> None:
        if self.closed:
            return
        spec = order_spec(order, info, customer, self.moment())
        self.specs[(store, order.id)] = spec
        self.tallies.orders += 1
        self._post(store, self.storefronts[store].paid(spec))

    def vouchers_issued(self, store: int, order: Order, recs: list[VoucherRec]) -> None:
        if self.closed:
            return
        for rec in recs:
            key = (order.id, line_id(order.id, rec.line), rec.unit, rec.program.program.id)
            self.keys[rec.id] = key
            self.expected[key] = Expected(store)

    def order_changed(self, store: int, order: Order, changed: Order, cancel: bool) -> None:
        spec = self.specs.get((store, order.id))
        if self.closed or spec is None:
            return
        spec, refund = changed_spec(spec, changed, cancel, self.moment())
        self.specs[(store, order.id)] = spec
        self.tallies.changes += 1
        front = self.storefronts[store]
        self._post(store, front.cancelled(spec) if refund is None else front.refunded(spec, refund))

    def _post(self, store: int, request: object) -> None:
        self.post(store, request)

    def _event(self, rec: VoucherRec, event: str) -> UnitKey | None:
        key = self.keys.get(rec.id)
        if self.closed or key is None:
            return None
        self.expected[key].events.append(event)
        return key

    def voided(self, rec: VoucherRec) -> None:
        if self._event(rec, "void") is not None:
            self.tallies.voided += 1

    def case_started(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        key = self._event(rec, "activate")
        if key is None:
            return
        self.tallies.activations += 1
        link = self.party_link("customer", rec.customer)
        provider = self.providers[unit.uid].id
        self.parties.plan(
            key,
            Step("activate", "holder", link),
            Step("assign", "holder", link, lambda voucher: {"provider_id": provider}),
        )

    def served(self, rec: VoucherRec, unit: ProviderUnit, score: int) -> None:
        key = self._event(rec, "serve")
        if key is None:
            return
        self.tallies.services += 1
        customer = self.party_link("customer", rec.customer)
        link, api_key = self.party_link("provider", unit.uid), self.providers[unit.uid].key
        self.parties.plan(
            key,
            Step("redeem", api_key, link, lambda voucher: {"token": voucher.token}),
            Step("complete", api_key, link, lambda voucher: {"notes": "served"}),
            Step("assessment", "holder", customer, lambda voucher: {"score": score}),
        )

    def _incentive(self, rec: VoucherRec, event: str) -> UnitKey | None:
        key = self.keys.get(rec.id)
        if self.closed or key is None or not self.rewards:
            return None
        self.expected[key].incentive.append(event)
        return key

    def incentive_issued(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        self._incentive(rec, "issue")

    def incentive_released(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        key = self._incentive(rec, "release")
        if key is None:
            return
        self.tallies.releases += 1
        provider = self.providers[unit.uid].id
        link = self.party_link("customer", rec.customer)
        self.parties.plan(
            key,
            Step("release", "holder", link, lambda _: {"provider_id": provider}, INCENTIVE),
        )

    def incentive_redeemed(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        key = self._incentive(rec, "redeem")
        if key is None:
            return
        self.expected[key].events.append("reward")
        self.tallies.rewards += 1
        link, api_key = self.party_link("provider", unit.uid), self.providers[unit.uid].key
        self.parties.plan(
            key,
            Step("redeem", api_key, link, lambda incentive: {"token": incentive.token}, INCENTIVE),
        )

    def incentive_lapsed(self, rec: VoucherRec) -> None:
        self._incentive(rec, "lapse")

    def claimed(
        self, rec: VoucherRec, unit: ProviderUnit, cost_cents: int, paid_cents: int
    ) -> None:
        """The provider files the claim; one the hub leaves pending (over the coverage left) the
        operator approves at once — the model pays ``min(net, remaining)`` at filing, which the
        hub pays by the operator's approval."""
        key = self.keys.get(rec.id)
        if self.closed or key is None or not self.insurance:
            return
        claims = self.expected[key].claims
        claims.append(paid_cents)
        self.tallies.claims += 1
        link, api_key = self.party_link("provider", unit.uid), self.providers[unit.uid].key
        cents = max(cost_cents, 1)  # the hub wants a positive amount; the model pays 0 either way
        amount = f"{cents // 100}.{cents % 100:02d}"
        idempotency = ("Idempotency-Key", "claim-{}-{}-{}-{}-{}".format(*key, len(claims)))
        self.parties.plan(
            key,
            Step(
                "claims",
                api_key,
                link,
                lambda _: {"amount": amount, "description": "parts and labour"},
                headers=(idempotency,),
                then=self.decide,
            ),
        )

    def decide(self, answer: Answer) -> list[Step]:
        """After a claim's filing: the operator's approval when it is pending."""
        if not isinstance(answer.body, dict) or answer.body.get("status") != "pending":
            return []
        self.tallies.decisions += 1
        path = f"/api/v1/claims/{answer.body['id']}/decision"
        body = {"approve": True, "note": "the model pays min(net, remaining)"}
        return [Step("decision", self.operator, None, lambda _: body, path=path)]

    def frame_sent(self, rec: VoucherRec, unit: ProviderUnit, index: int) -> None:
        """The customer's frames (the first presents the voucher) and the provider's, in turn."""
        key = self.keys.get(rec.id)
        if self.closed or key is None or not self.channel:
            return
        msg_id = f"f{index}"
        if "void" not in self.expected[key].events:  # the hub refuses frames on a voided one
            self.expected[key].frames.append(msg_id)
        self.tallies.frames += 1
        if index % 2 == 0:
            who, link = "holder", self.party_link("customer", rec.customer)
        else:
            who = self.providers[unit.uid].key
            link = self.party_link("provider", unit.uid)
        self.parties.plan(key, Step("frame", who, link, lambda v: frame(v, msg_id, index), FRAME))


def frame(voucher: Any, msg_id: str, index: int) -> dict[str, Any]:
    if index == 0:
        return {"type": "voucher", "client_msg_id": msg_id, "body": {"token": voucher.token}}
    text = f"frame {index}: when can you come?" if index % 2 == 0 else f"frame {index}: tomorrow"
    return {"type": "message", "client_msg_id": msg_id, "body": {"text": text}}
