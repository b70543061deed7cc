"""The after-sales case of one voucher: activation to reward (a process per case).

A case starts when the product fails (or at purchase, for ``trigger = "purchase"`` kinds) plus
the customer's activation delay. The customer chooses a provider by the ``[choice]`` policy,
customer and provider exchange ``[channel] frames`` over their links (through the center's
relay), the customer queues at the provider (a ``simpy.Resource``; with ``patience_hours``
they may abandon), is served (travel + service), gives a score (:mod:`simulator.satisfaction`),
and the incentive and insurance rules (:mod:`simulator.ledger`) apply.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simulator.distributions import Sampler
from simulator.scenario_sections import Product
from simulator.world import ProviderUnit, VoucherRec

if TYPE_CHECKING:
    from simulator.engine import Replication

HOURS_PER_YEAR = 365.25 * 24


Failure = tuple[Sampler, float]


def failure_model(product: Product) -> Failure:
    """(time-to-failure sampler in days, accident rate per hour) of a product type."""
    return product.time_to_failure_days.sampler(), product.accident_rate_per_year / HOURS_PER_YEAR


def unit_failure_hours(failure: Failure, rng: random.Random) -> float:
    """Hours from purchase to the first malfunction or accident of one unit."""
    days, accident_rate = failure
    hours = days(rng) * 24
    if accident_rate > 0:
        hours = min(hours, rng.expovariate(accident_rate))
    return hours


def choose(
    rep: Replication, units: list[ProviderUnit], rng: random.Random, place: tuple[float, float]
) -> ProviderUnit:
    """The provider a customer picks, by the scenario's choice policy."""
    policy = rep.scenario.choice.policy
    if len(units) == 1:
        return units[0]
    if policy == "rating_weighted":
        return rng.choices(units, [unit.rating_sum / unit.rating_n for unit in units])[0]
    if policy == "shortest_queue":
        return min(units, key=_load)
    if policy == "nearest":
        return min(units, key=lambda unit: math.dist(place, (unit.x, unit.y)))
    return units[rng.randrange(len(units))]


def _load(unit: ProviderUnit) -> float:
    resource = unit.resource
    return (len(resource.queue) + resource.count) / resource.capacity


def case_flow(
    env: simpy.Environment, rep: Replication, rec: VoucherRec
) -> Generator[Any, Any, None]:
    """Process: activation, choice, channel, queue, service, assessment, reward, claim."""
    c, rng = rep.counters, rep.rng_cases
    if rec.voided:
        c.claims_on_voided += 1
        return
    if env.now > rec.valid_until:
        c.claims_on_expired += 1
        return
    c.activations += 1
    units = rep.candidates[(rec.program.kind, rec.region)]
    area = rep.scenario.choice.area_km
    place = (rng.uniform(0, area), rng.uniform(0, area)) if area else (0.0, 0.0)
    unit = choose(rep, units, rng, place)
    if rep.observer is not None:
        rep.observer.case_started(rec, unit)
    yield from channel(env, rep, rec, unit)
    served = yield from queue_and_serve(env, rep, rec, unit, place)
    if served is None:
        return
    assess(env, rep, rec, unit, *served)


def assess(
    env: simpy.Environment,
    rep: Replication,
    rec: VoucherRec,
    unit: ProviderUnit,
    wait: float,
    duration: float,
) -> None:
    """The customer scores the service; the reward and insurance rules apply."""
    c, rng = rep.counters, rep.rng_cases
    score = rep.scorer(wait, duration, unit.quality, rng)
    unit.rating_sum += score
    unit.rating_n += 1
    c.score_sum += score
    c.score_count += 1
    rec.served = True
    if rep.observer is not None:
        rep.observer.served(rec, unit, score)
    reward(env, rep, rec, unit, score)
    claim(rep, rec, unit, rng)
    if rep.records is not None:
        identity = rep.identities.get(rec.customer)
        program = rec.program.program.id
        rep.records(
            [
                rep.index,
                round(env.now, 6),
                rec.id,
                program,
                unit.name,
                identity.name,
                identity.email,
                round(wait, 6),
                round(duration, 6),
                score,
            ]
        )


def channel(
    env: simpy.Environment, rep: Replication, rec: VoucherRec, unit: ProviderUnit
) -> Generator[Any, Any, None]:
    """Frames alternate customer → provider and back, each through the center's relay."""
    links, net = rep.links, rep.net
    customer, provider = links.customer_cell(rec.customer), links.provider_cell(unit.uid)
    for frame in range(rep.scenario.channel.frames):
        if rep.observer is not None:
            rep.observer.frame_sent(rec, unit, frame)
        if frame % 2 == 0:
            yield from net.transmit(customer, True, links.center, *links.frame)
            yield from net.transmit(provider, False, links.providers, *links.frame)
        else:
            yield from net.transmit(provider, True, links.center, *links.frame)
            yield from net.transmit(customer, False, links.customers, *links.frame)


def queue_and_serve(
    env: simpy.Environment,
    rep: Replication,
    rec: VoucherRec,
    unit: ProviderUnit,
    place: tuple[float, float],
) -> Generator[Any, Any, tuple[float, float] | None]:
    """Queue at ``unit`` and be served: (wait, duration), or None when the customer gave up."""
    c, stats, rng = rep.counters, rep.stats, rep.rng_service
    occupancy = unit.cls.occupancy
    arrive = env.now
    counted = arrive >= stats.warmup
    c.arrivals += 1
    occupancy.change(arrive, 1, 0)
    with unit.resource.request() as request:
        if rep.patience is None:
            yield request
        else:
            outcome = yield request | env.timeout(rep.patience(rep.rng_patience))
            if request not in outcome:
                occupancy.change(env.now, -1, 0)
                c.abandoned += 1
                if counted:
                    stats.sojourn_sum += env.now - arrive
                    stats.sojourn_n += 1
                return None
        wait = env.now - arrive
        occupancy.change(env.now, -1, 1)
        duration = unit.travel(rng) + unit.service(rng)
        if place != (0.0, 0.0):
            duration += math.dist(place, (unit.x, unit.y)) / rep.scenario.choice.speed_kmh
        yield env.timeout(duration)
        occupancy.change(env.now, 0, -1)
    c.services += 1
    if counted:
        stats.record_service(wait, duration)
    return wait, duration


def reward(
    env: simpy.Environment, rep: Replication, rec: VoucherRec, unit: ProviderUnit, score: int
) -> None:
    """Issue the incentive the program's schedule gives for ``score``; plan release or lapse."""
    cents = rec.program.rewards[score]
    if not cents or not rep.ledger.issue_incentive(
        env.now, rec.program.index, rec.customer, unit.uid, cents
    ):
        return
    if rep.observer is not None:
        rep.observer.incentive_issued(rec, unit)
    rng, rules = rep.rng_rewards, rep.scenario.incentives
    delay = rep.release_delay(rng)
    if rng.random() < rep.scenario.customers.release_propensity and delay <= rules.lapse_days * 24:
        rep.deferred.call(env.now + delay, release, rep, rec, unit, cents)
    else:
        rep.deferred.call(env.now + rules.lapse_days * 24, lapse, rep, rec)


def lapse(env: simpy.Environment, rep: Replication, rec: VoucherRec) -> None:
    """An incentive not released within ``lapse_days`` lapses."""
    rep.counters.incentives_lapsed += 1
    if rep.observer is not None:
        rep.observer.incentive_lapsed(rec)


def release(
    env: simpy.Environment, rep: Replication, rec: VoucherRec, unit: ProviderUnit, cents: int
) -> None:
    """The customer releases the incentive to the provider, who redeems it after the hold."""
    rep.counters.incentives_released += 1
    if rep.observer is not None:
        rep.observer.incentive_released(rec, unit)
    rules = rep.scenario.incentives
    due = env.now + rules.hold_hours + rep.redeem_delay(rep.rng_rewards)
    rep.deferred.at(due, redeem_flow, rep, rec, unit, cents)


def redeem_flow(
    env: simpy.Environment, rep: Replication, rec: VoucherRec, unit: ProviderUnit, cents: int
) -> Generator[Any, Any, None]:
    """Process: the provider's redeem request crosses its link to the center."""
    if rep.observer is not None:
        rep.observer.incentive_redeemed(rec, unit)
    links = rep.links
    yield from rep.net.transmit(links.provider_cell(unit.uid), True, links.center, *links.redeem)
    rep.counters.incentives_redeemed += 1
    rep.counters.incentives_redeemed_cents += cents


def claim(rep: Replication, rec: VoucherRec, unit: ProviderUnit, rng: random.Random) -> None:
    """The provider's cost claim on an insured voucher, paid within deductible and limit."""
    policy = rec.program.policy
    if policy is None or rng.random() >= policy.claim_probability:
        return
    cost = round(policy.claim_cost(rng) * 100)
    paid = rep.ledger.claim(cost, policy.deductible, rec.coverage)
    rec.coverage -= paid
    if rep.observer is not None:
        rep.observer.claimed(rec, unit, cost, paid)
