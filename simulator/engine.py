"""One replication of a marketplace scenario in SimPy (the model).

Covers: stores emit orders (Poisson with a daily profile); each order event crosses the store's
link to the center, which issues vouchers with :func:`ascc_plugin.issuing.entitled_vouchers` —
the same programs, the same ids as the real system, keyed by ``[run] id_key`` — and delivers
each voucher over the customer's link; premiums are booked; products fail (Weibull malfunction
or accident) and customers activate; the after-sales case (:mod:`simulator.cases`) chooses a
provider, exchanges channel frames, queues, is served, assessed, rewarded and insured; orders
are cancelled or refunded and the center voids what is no longer entitled.

Time is in hours. Processes are generators taking ``env`` first; every random draw comes from a
named stream (:mod:`simulator.streams`). Counts are streamed into counters, histograms and
time-series rows — no per-order record is kept after its voucher is out of play.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from ascc_plugin.backoff import Backoff
from ascc_plugin.issuing import entitled_vouchers
from ascc_plugin.models import Order, Refund, RefundLine
from simulator.cases import case_flow, failure_model, unit_failure_hours
from simulator.deferred import Deferred
from simulator.identities import IdentityPool
from simulator.ledger import Ledger
from simulator.links import Links
from simulator.observer import Observer
from simulator.recording import Stats
from simulator.satisfaction import scorer
from simulator.scenario import Scenario
from simulator.streams import Streams
from simulator.world import (
    EPOCH,
    ProgramModel,
    StoreModel,
    VoucherRec,
    build_providers,
    candidates,
)

Progress = Callable[[float], None]


class Replication:
    """The state of one replication: environment, world, links, ledger, statistics."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        replication: int,
        env: simpy.Environment | None = None,
    ) -> None:
        """``env``: the SimPy environment (default a new one; the e2e ``--live`` mode gives a
        real-time one)."""
        self.scenario, self.seed, self.index = scenario, seed, replication
        self.env = env = env if env is not None else simpy.Environment()
        self.streams = streams = Streams(seed, replication)
        self.rng_orders, self.rng_cases = streams["orders"], streams["cases"]
        self.id_key = scenario.run.id_key.encode()
        self._market(scenario, env, streams)
        self._services(scenario, env, streams)
        self._behaviour(scenario, streams)
        self.identities = IdentityPool(scenario.customers.identity_pool, seed * 1000 + replication)
        self.records: Callable[[list[Any]], None] | None = None
        self.observer: Observer | None = None  # the e2e mode's bridge (None: model mode)
        self.end = scenario.warmup_hours + scenario.horizon_hours
        self.pending_deliveries = 0

    def _market(self, scenario: Scenario, env: simpy.Environment, streams: Streams) -> None:
        """Programs, stores, products and providers, compiled for the hot path."""
        self.programs = [ProgramModel(i, p, scenario) for i, p in enumerate(scenario.programs)]
        self.by_id = {model.program.id: model for model in self.programs}
        products = {p.product_type: i for i, p in enumerate(scenario.products)}
        self.failures = [failure_model(product) for product in scenario.products]
        programs = list(scenario.programs)
        self.stores = [StoreModel(i, s, products, programs) for i, s in enumerate(scenario.stores)]
        self.provider_classes = build_providers(env, scenario, streams["places"])
        self.regions = list(scenario.customers.regions)
        self.region_weights = list(scenario.customers.regions.values())
        self.region_ids = list(range(len(self.regions)))
        self.candidates = {
            (kind, r): candidates(self.provider_classes, kind, region)
            for kind in {p.kind for p in programs}
            for r, region in enumerate(self.regions)
        }

    def _services(self, scenario: Scenario, env: simpy.Environment, streams: Streams) -> None:
        """Statistics, wireless links and the hub's ledger."""
        self.stats = Stats(scenario, self.provider_classes)
        self.counters = self.stats.counters
        self.links = Links(env, scenario, streams, self.stats.links)
        wireless = scenario.wireless
        backoff = Backoff(wireless.backoff_base_seconds, wireless.backoff_cap_seconds)
        self.net = self.links.network(backoff)
        caps = [scenario.incentives.program_caps.get(p.id) for p in scenario.programs]
        self.ledger = Ledger(
            self.counters,
            scenario.incentives.pair_limit,
            scenario.incentives.pair_window_days * 24,
            [None if cap is None else int(cap * 100) for cap in caps],
        )
        self.deferred = Deferred(env)

    def _behaviour(self, scenario: Scenario, streams: Streams) -> None:
        """The samplers and streams of customers' and providers' behaviour."""
        self.rng_service, self.rng_rewards = streams["service"], streams["rewards"]
        self.rng_patience = streams["patience"]
        customers = scenario.customers
        self.activation_delay = customers.activation_delay_hours.sampler()
        self.patience = customers.patience_hours.sampler() if customers.patience_hours else None
        self.release_delay = customers.release_delay_hours.sampler()
        self.redeem_delay = scenario.incentives.redeem_delay_hours.sampler()
        self.refund_delay = scenario.refunds.delay_days.sampler()
        self.scorer = scorer(scenario.satisfaction)

    def run(self, on_progress: Progress | None = None, chunks: int = 20) -> None:
        """Simulate the warm-up and the horizon, calling ``on_progress(share)`` per chunk."""
        env = self.env
        for store in self.stores:
            env.process(order_source(env, self, store))
        self.stats.start(env, self)
        for chunk in range(1, chunks + 1):
            env.run(until=self.end * chunk / chunks)
            if on_progress is not None:
                on_progress(1 / chunks)
        self.stats.finish(env.now)


def order_source(env: simpy.Environment, rep: Replication, store: StoreModel) -> Any:
    """Process: the orders of one store, for ever (the run stops at the horizon)."""
    rng = rep.rng_orders
    number = 0
    while True:
        yield env.timeout(store.next_arrival(env.now, rng) - env.now)
        number += 1
        env.process(order_flow(env, rep, store, number * len(rep.stores) + store.index))


def order_flow(
    env: simpy.Environment, rep: Replication, store: StoreModel, number: int
) -> Generator[Any, Any, None]:
    """Process: one order from the store's webhook to its vouchers in the customer's hands."""
    rng, c, links = rep.rng_orders, rep.counters, rep.links
    customer = rng.randrange(rep.scenario.customers.population)
    region = rng.choices(rep.region_ids, rep.region_weights)[0] if len(rep.regions) > 1 else 0
    order, info = store.make_order(number, env.now, customer, rng)
    c.orders += 1
    if rep.observer is not None:
        rep.observer.order_placed(store.index, order, info, customer)
    yield from rep.net.transmit(*links.store_hop(store.index), rep.links.center, *links.event)
    recs = issue(rep, store, order, info, customer, region)
    if rep.observer is not None:
        rep.observer.vouchers_issued(store.index, order, recs)
    cell = links.customer_cell(customer)
    rep.pending_deliveries += len(recs)  # issued, not yet in the customer's hands
    for rec in recs:
        yield from rep.net.transmit(cell, False, links.customers, *links.voucher)
        rep.pending_deliveries -= 1
        if rec.delivered:
            c.delivered_twice += 1
        rec.delivered = True
        c.vouchers_delivered += 1
    schedule_after_sales(env, rep, store, order, info, recs)


def issue(
    rep: Replication,
    store: StoreModel,
    order: Order,
    info: list[tuple[int, int]],
    customer: int,
    region: int,
) -> list[VoucherRec]:
    """The center issues what the order entitles, with ascc_plugin's own issuing."""
    vouchers = entitled_vouchers(store.gsp, order, store.programs, store.store.issue_on, rep.id_key)
    lines = {line.id: i for i, line in enumerate(order.lines)}
    recs = []
    for voucher in vouchers:
        program = rep.by_id[voucher.program]
        valid = (voucher.valid_until - EPOCH).total_seconds() / 3600
        line = lines[voucher.line_id]
        rec = VoucherRec(voucher.id, program, customer, region, info[line][1], valid)
        rec.line, rec.unit = line, voucher.unit
        if program.policy is not None:
            rec.premium = program.policy.premium_for(rec.price_cents)
            rep.ledger.premium(rec.premium)
        recs.append(rec)
    rep.counters.vouchers += len(recs)
    return recs


def schedule_after_sales(
    env: simpy.Environment,
    rep: Replication,
    store: StoreModel,
    order: Order,
    info: list[tuple[int, int]],
    recs: list[VoucherRec],
) -> None:
    """Failures and purchase-triggered activations become cases; refunds are planned."""
    rng, customers = rep.rng_orders, rep.scenario.customers
    placed = (order.placed_at - EPOCH).total_seconds() / 3600
    failed: set[tuple[int, int]] = set()
    for rec in recs:
        if rec.program.trigger == "purchase":
            start = placed
        elif (rec.line, rec.unit) in failed:
            continue
        else:
            failed.add((rec.line, rec.unit))
            start = placed + unit_failure_hours(rep.failures[info[rec.line][0]], rng)
            if start >= min(rep.end, rec.valid_until):
                continue
        if rng.random() < customers.claim_propensity:
            start += rep.activation_delay(rng)
            rep.deferred.at(max(start, env.now), case_flow, rep, rec)
    refunds = rep.scenario.refunds
    draw = rng.random()
    if draw < refunds.cancel_probability + refunds.refund_probability:
        cancel = draw < refunds.cancel_probability
        due = placed + rep.refund_delay(rng) * 24
        rep.deferred.at(max(due, env.now), refund_flow, rep, store, order, recs, cancel)


def refund_flow(
    env: simpy.Environment,
    rep: Replication,
    store: StoreModel,
    order: Order,
    recs: list[VoucherRec],
    cancel: bool,
) -> Generator[Any, Any, None]:
    """Process: the store's cancellation or refund event; the center voids the difference."""
    rep.counters.refund_events += 1
    if cancel:
        changed = order.model_copy(update={"cancelled": True})
    else:
        line = order.lines[rep.rng_orders.randrange(len(order.lines))]
        refund = Refund(
            id=f"r{order.id}",
            created_at=order.placed_at,
            lines=(RefundLine(line_id=line.id, quantity=1),),
        )
        changed = order.model_copy(update={"refunds": (refund,)})
    if rep.observer is not None:
        rep.observer.order_changed(store.index, order, changed, cancel)
    yield from rep.net.transmit(
        *rep.links.store_hop(store.index), rep.links.center, *rep.links.event
    )
    kept = {
        v.id
        for v in entitled_vouchers(
            store.gsp, changed, store.programs, store.store.issue_on, rep.id_key
        )
    }
    for rec in recs:
        if rec.id not in kept and not rec.voided:
            rec.voided = True
            rep.counters.vouchers_voided += 1
            if rep.observer is not None:
                rep.observer.voided(rec)
            if not rec.served and rec.premium:
                rep.ledger.reverse_premium(rec.premium)
