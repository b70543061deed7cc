"""The marketplace simulator's speed and memory, beside bare SimPy.

Three figures in one run (goals of the simulator issue):

1. events/s of the model (one replication of ``--probe-orders`` orders, in this process) beside
   a bare SimPy M/M/5 (λ = 4, μ = 1) run to the same number of events — goal ≥ 0.5 of bare;
2. the wall time of ``--orders`` orders through the full lifecycle (order event, issuing with
   ascc_plugin, delivery, failures and installations, channel, queue, service, assessment,
   rewards, insurance, refunds, every message over its wireless link) as ``--jobs``
   replications of ``orders / jobs`` orders each, run with ``--jobs`` processes — goal < 120 s
   for 1 M orders with ``--jobs 2`` on this 2-core machine;
3. the peak resident set size of any one process of that run (and the sum bound) — goal
   < 1 GiB at 1 M orders;
4. the e2e mode (in process, virtual time: signed webhooks through the real store service,
   outbox, sender and hub, parties through the hub's API) on ``--e2e-orders`` orders of
   ``small`` beside the model mode on the same scenario and seed, as orders/s — goal ≥ 200
   orders/s end to end — and where the e2e time goes (cProfile: per component, then the top
   functions by own time). ``--e2e-only`` prints this part alone.

The scenario is ``small`` over a 10-day horizon with its order rate raised to give the
requested orders, providers' capacity scaled alike (so queues stay as in ``small``).

    .venv/bin/python benchmarks/bench_simulator.py [--orders 1000000] [--jobs 2]
        [--e2e-orders 300] [--e2e-only]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from collections.abc import Callable
from typing import Any

import simpy

from simulator import engine
from simulator.engine import Replication
from simulator.runner import run
from simulator.scenario import Scenario
from simulator.world import StoreModel

DAYS = 10


def scenario_for(orders: int) -> Scenario:
    """``small`` with ``orders`` orders (in expectation) in a 10-day horizon."""
    raw: dict[str, Any] = Scenario.load("small").to_mapping()
    raw["run"].update(horizon_days=DAYS, warmup_days=0, sample_hours=24)
    store = raw["stores"][0]
    scale = orders / DAYS / store["orders_per_day"]
    store["orders_per_day"] = orders / DAYS
    raw["customers"]["population"] = max(20_000, orders // 5)
    for provider in raw["providers"]:
        provider["capacity"] = max(1, round(provider["capacity"] * scale))
    raw["incentives"]["program_caps"] = {}
    return Scenario.from_mapping(raw, f"small×{scale:.0f}")


def processed(env: simpy.Environment) -> int:
    """Events SimPy processed: ids handed out minus those still queued."""
    return int(repr(env._eid)[len("count(") : -1]) - len(env._queue)


def model_rate(orders: int) -> tuple[int, float, float]:
    """(events, events/s, seconds in ascc issuing) of one replication of the model.

    The last figure is the time spent building each canonical ``Order`` (pydantic) and in
    ``ascc_plugin.issuing.entitled_vouchers`` — work the model must do per order, whatever
    the engine, measured by wrapping the two calls (this probe only).
    """
    rep = Replication(scenario_for(orders), 1, 0)
    spent = [0.0]

    def timed(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            begin = time.perf_counter()
            try:
                return function(*args)
            finally:
                spent[0] += time.perf_counter() - begin

        return wrapper

    real_issue, real_make = engine.issue, StoreModel.make_order
    engine.issue, StoreModel.make_order = timed(real_issue), timed(real_make)  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        rep.run()
        wall = time.perf_counter() - start
    finally:
        engine.issue, StoreModel.make_order = real_issue, real_make  # type: ignore[method-assign]
    return processed(rep.env), processed(rep.env) / wall, spent[0] / wall


def bare_simpy_rate(events: int) -> float:
    """events/s of a bare SimPy M/M/5 (6 events per customer) run to ``events`` events."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=5)
    arrivals, service = random.Random(1), random.Random(2)

    def customer(env: simpy.Environment) -> Any:
        with servers.request() as request:
            yield request
            yield env.timeout(service.expovariate(1.0))

    def source(env: simpy.Environment) -> Any:
        for _ in range(events // 6):
            yield env.timeout(arrivals.expovariate(4.0))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    return processed(env) / (time.perf_counter() - start)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def full_run(orders: int, jobs: int) -> tuple[float, float, float]:
    """(wall seconds, orders simulated, CPU seconds per process, on average) of the run.

    ``orders`` orders as ``jobs`` replications. The last figure is what the wall time would be
    with a core free for each process: this machine is shared, and under load the wall time
    measures the neighbours as much as the simulator.
    """
    scenario = scenario_for(orders // jobs)
    children, parent = cpu_seconds(resource.RUSAGE_CHILDREN), cpu_seconds(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = run(scenario, seed=1, replications=jobs, jobs=jobs, plots=False)
    wall = time.perf_counter() - start
    simulated = sum(r.metrics["orders"] for r in result.replications)
    if jobs > 1:
        busiest = (cpu_seconds(resource.RUSAGE_CHILDREN) - children) / jobs  # mean worker
    else:
        busiest = cpu_seconds(resource.RUSAGE_SELF) - parent
    return wall, simulated, busiest


COMPONENTS = {
    "storefront webhook → store service (verify, state, catalog, outbox commit)": (
        "adapters/shopify/views.py",
        "receive",
    ),
    "store sender → hub ingest (POST /api/v1/events, issuing)": (
        "center/api/vouchers.py",
        "post_event",
    ),
    "hub answer → store (mark sent, parcels, wallet)": ("ascc_plugin/client/sender.py", "record"),
    "parties → hub API (voucher steps, incentives, claims, frames)": (
        "simulator/e2e/parties.py",
        "perform",
    ),
    "cross-check (records, incentives, claims, frames, ledger)": (
        "simulator/e2e/simulation.py",
        "check",
    ),
}


def e2e_scenario(orders: int) -> Scenario:
    """``small`` without warm-up, long enough for ``orders`` orders (120 a day)."""
    raw: dict[str, Any] = Scenario.load("small").to_mapping()
    raw["run"].update(horizon_days=orders / 120, warmup_days=0)
    return Scenario.from_mapping(raw, f"small, {orders} orders")


def e2e_rates(orders: int) -> None:
    """Model mode and e2e mode on the same scenario and seed; where the e2e time goes."""
    import cProfile
    import pstats

    from simulator.e2e.run import run_e2e
    from simulator.runner import run_replication

    scenario = e2e_scenario(orders)
    start = time.perf_counter()
    model = run_replication(scenario, 1, 0).metrics
    model_wall = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    result = run_e2e(scenario, seed=1)
    e2e_wall, e2e_cpu = time.perf_counter() - start, time.process_time() - cpu
    placed = int(result.summary["model"]["orders"])
    model_rate = model["orders"] / model_wall
    print(
        f"model mode          {model_rate:>12,.0f} orders/s "
        f"({int(model['orders']):,} orders in {model_wall:.2f} s)"
    )
    print(
        f"e2e mode            {placed / e2e_wall:>12,.1f} orders/s ({placed:,} orders in "
        f"{e2e_wall:.1f} s; goal ≥ 200); cross-check {'ok' if result.ok else 'FAILED'}"
    )
    print(
        f"  per CPU second    {placed / e2e_cpu:>12,.1f} orders/s ({e2e_cpu:.1f} s CPU; load "
        f"average {os.getloadavg()[0]:.1f})"
    )
    print(f"ratio model / e2e   {model_rate / (placed / e2e_wall):>12,.0f}")
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(run_e2e, e2e_scenario(max(1, orders // 3)), seed=1)
    e2e_wall = time.perf_counter() - start
    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]
    print(
        f"  where the e2e time goes (a run of {max(1, orders // 3)} orders under cProfile, "
        "cumulative share):"
    )
    for label, (path, name) in COMPONENTS.items():
        spent = sum(v[3] for k, v in entries.items() if k[0].endswith(path) and k[2] == name)
        print(f"    {spent / e2e_wall:>5.0%}  {label}")
    top = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:12]
    print("  top functions by own time:")
    for (path, line, name), value in top:
        where = "/".join(path.split("/")[-2:])
        print(f"    {value[2] / e2e_wall:>5.0%}  {name} ({where}:{line})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the full run")
    parser.add_argument("--jobs", type=int, default=2, help="processes (= replications)")
    parser.add_argument("--probe-orders", type=int, default=50_000, help="orders, events/s probe")
    parser.add_argument("--e2e-orders", type=int, default=300, help="orders in the e2e run")
    parser.add_argument("--e2e-only", action="store_true", help="only the e2e comparison")
    args = parser.parse_args()
    e2e_rates(args.e2e_orders)
    if args.e2e_only:
        return
    events, model, issuing = model_rate(args.probe_orders)
    bare = bare_simpy_rate(events)
    print(f"model events/s      {model:>12,.0f}  ({events:,} events, {args.probe_orders:,} orders)")
    print(f"bare SimPy M/M/5    {bare:>12,.0f}  (same event count)")
    print(f"ratio               {model / bare:>12.2f}  (goal ≥ 0.5)")
    rest = model / (1 - issuing)
    print(
        f"  of the model's time, {issuing:.0%} builds Orders and issues (ascc_plugin + records); "
        f"without it {rest:,.0f} events/s, ratio {rest / bare:.2f}"
    )
    load = os.getloadavg()[0]
    wall, simulated, busiest = full_run(args.orders, args.jobs)
    print(
        f"full lifecycle      {wall:>12.1f} s for {simulated:,.0f} orders with --jobs "
        f"{args.jobs} ({simulated / wall:,.0f} orders/s; goal < 120 s at 1 M, --jobs 2)"
    )
    print(
        f"  CPU per process    {busiest:>12.1f} s (the wall time with a free core each; "
        f"load average {load:.1f} → {os.getloadavg()[0]:.1f} during the run)"
    )
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = max(workers, parent)
    print(
        f"peak RSS            {peak:>12,.0f} MiB per process (parent {parent:,.0f}, "
        f"largest worker {workers:,.0f}; all {args.jobs} workers ≤ {workers * args.jobs:,.0f}"
        " MiB; goal < 1 GiB)"
    )


if __name__ == "__main__":
    main()
