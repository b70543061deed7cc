"""``ascc simulate run`` and ``ascc simulate sweep``: a thin layer over the library.

Imports nothing heavy at module level (the plugin loads this for every ``ascc`` command);
SimPy, the model and matplotlib are imported when a command runs. Bad input — an invalid
scenario, a malformed ``--param``, an unreachable scheduler — is a message on stderr and exit
status 1 (2 for usage errors), never a traceback. Ctrl-C leaves partial outputs marked
``"complete": false`` and exits 130.

The progress bar is tqdm's: a small pure-Python package with no dependencies of its own,
maintained for a decade, writing to stderr, and switching itself off when stderr is not a
terminal (``disable=None``); rich would bring a console framework for one bar.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

SCENARIO_HELP = "A scenario TOML file, or a bundled name (small, black_friday, rural_wireless)."


@contextmanager
def progress_bar(total: float, quiet: bool) -> Iterator[Any]:
    """A tqdm bar on stderr (None when quiet or stderr is not a terminal)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(
        total=total,
        unit="rep",
        file=sys.stderr,
        leave=False,
        bar_format="{l_bar}{bar}| {n:.1f}/{total} rep [{elapsed}<{remaining}]",
    ) as bar:
        yield bar


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the library's input errors into click errors (message, exit 1)."""
    from simulator.executors import ExecutorError
    from simulator.scenario import ScenarioError
    from simulator.services import ServiceError

    try:
        yield
    except (ScenarioError, ExecutorError) as exc:
        raise click.ClickException(str(exc)) from None
    except ServiceError as exc:
        raise click.ClickException(f"a service did not start: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the outputs: {exc}") from None


def load(spec: str) -> Any:
    from simulator.scenario import Scenario

    return Scenario.load(spec)


common = [
    click.option("--scenario", "scenario_spec", required=True, help=SCENARIO_HELP),
    click.option("--seed", type=int, default=1, show_default=True, help="Base seed."),
    click.option("--replications", type=click.IntRange(1), default=1, show_default=True),
    click.option(
        "--jobs",
        type=click.IntRange(1),
        default=1,
        show_default=True,
        help="Local worker processes.",
    ),
    click.option(
        "--scheduler",
        default=None,
        help="A Dask scheduler address (tcp://host:8786); needs the sweep extra.",
    ),
    click.option("--quiet", is_flag=True, help="No progress bar and no table."),
]


def with_common(function: Any) -> Any:
    for option in reversed(common):
        function = option(function)
    return function


@click.command("run")
@with_common
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sim-out"),
    show_default=True,
    help="Output folder (created; its outputs are replaced).",
)
@click.option(
    "--records", is_flag=True, help="Also write records/services-NNN.csv per replication."
)
@click.option(
    "--mode",
    type=click.Choice(["model", "e2e"]),
    default="model",
    show_default=True,
    help="model: the SimPy model alone; e2e: drive the real store service and hub too.",
)
@click.option(
    "--database",
    "database_url",
    default=None,
    help="e2e: the hub's database URL (default: SQLite in a temporary folder).",
)
@click.option(
    "--live",
    is_flag=True,
    help="e2e: real `ascc center serve` and `ascc store serve` processes over loopback, in "
    "wall-clock time scaled by --speed, through a loss/delay proxy.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=1.0, min_open=False),
    default=3600.0,
    show_default=True,
    help="--live: simulated seconds per wall-clock second.",
)
def run_command(
    scenario_spec: str,
    seed: int,
    replications: int,
    jobs: int,
    scheduler: str | None,
    quiet: bool,
    out: Path,
    records: bool,
    mode: str,
    database_url: str | None,
    live: bool,
    speed: float,
) -> None:
    """Simulate a scenario: summary.json, timeseries.csv, plots and a table."""
    from simulator.report import console_table
    from simulator.runner import run

    if mode == "e2e":
        if replications != 1 or jobs != 1 or scheduler or records:
            raise click.UsageError(
                "--mode e2e runs one replication here: no --replications, "
                "--jobs, --scheduler or --records"
            )
        e2e_command(scenario_spec, seed, out, database_url, quiet, speed if live else None)
        return
    if live:
        raise click.UsageError("--live runs the e2e mode: add --mode e2e")
    with friendly_errors():
        scenario = load(scenario_spec)
        if records and scheduler:
            raise click.UsageError("--records writes local files: not with --scheduler")
        with progress_bar(replications, quiet) as bar:
            step = bar.update if bar is not None else None
            try:
                result = run(
                    scenario,
                    seed=seed,
                    replications=replications,
                    jobs=jobs,
                    scheduler=scheduler,
                    out=out,
                    records=records,
                    on_progress=step,
                )
            except KeyboardInterrupt:
                click.echo(f"interrupted: partial outputs in {out} (complete: false)", err=True)
                sys.exit(130)
    if not quiet:
        click.echo(console_table(result.summary))
    click.echo(f"outputs: {out}")


def e2e_command(
    scenario_spec: str,
    seed: int,
    out: Path,
    database_url: str | None,
    quiet: bool,
    live: float | None,
) -> None:
    """One e2e replication: ``out/summary.json``; exit 1 when the cross-check fails."""
    import json

    from simulator.e2e.run import run_e2e

    with friendly_errors():
        scenario = load(scenario_spec)
        result = run_e2e(scenario, seed=seed, database_url=database_url, live=live)
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result.summary, indent=2, sort_keys=True)
        (out / "summary.json").write_text(text + "\n", encoding="utf-8")
    if not quiet:
        click.echo(e2e_table(result.summary))
    click.echo(f"outputs: {out}")
    if not result.ok:
        click.echo(result.check.diff(), err=True)
        raise SystemExit(1)


def e2e_table(summary: dict[str, Any]) -> str:
    """The key figures of an e2e run, one a line."""
    model, check = summary["model"], summary["cross_check"]
    lines = [
        f"mode e2e, scenario {summary['scenario']}, seed {summary['seed']}",
        f"features: real {', '.join(summary['features']['exercised'])}; "
        f"modelled {', '.join(summary['features']['modelled']) or '-'}",
        "model: " + ", ".join(f"{key} {value}" for key, value in model.items()),
        f"hub: {summary['hub']['vouchers']} vouchers {summary['hub']['states']}",
        f"lost {summary['lost']}, duplicated {summary['duplicated']}, "
        f"mismatched {check['mismatched']}, ledger {check['ledger']}",
        f"cross-check: {'ok' if check['ok'] else 'FAILED'}",
    ]
    return "\n".join(lines)


@click.command("sweep")
@with_common
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    help="KEY=V1,V2,… (repeat for a grid), e.g. providers=3,5,8.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sweep-out"),
    show_default=True,
    help="Output folder.",
)
def sweep_command(
    scenario_spec: str,
    seed: int,
    replications: int,
    jobs: int,
    scheduler: str | None,
    quiet: bool,
    params: tuple[str, ...],
    out: Path,
) -> None:
    """Run a grid of scenario variants: runs.csv (one row per run), points.json, plots."""
    from simulator.sweep import parse_param, sweep

    try:
        grid = [parse_param(text) for text in params]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from None
    with friendly_errors():
        scenario = load(scenario_spec)
        size = replications
        for _, values in grid:
            size *= len(values)
        with progress_bar(size, quiet) as bar:
            step = bar.update if bar is not None else None
            try:
                result = sweep(
                    scenario,
                    grid,
                    seed=seed,
                    replications=replications,
                    jobs=jobs,
                    scheduler=scheduler,
                    out=out,
                    on_progress=step,
                )
            except KeyboardInterrupt:
                click.echo("interrupted: the sweep wrote nothing", err=True)
                sys.exit(130)
    if not quiet:
        for point in result.points:
            wait = point["metrics"].get("wait_hours_mean", {}).get("mean")
            click.echo(f"point {point['point']}: {point['params']}  wait_hours_mean={wait}")
    click.echo(f"outputs: {out}")


def register(cli: click.Group) -> None:
    """Add ``ascc simulate run|sweep`` to the root group."""
    from ascc_plugin.cli import ensure_group

    group = ensure_group(cli, "simulate", "Simulate a marketplace (SimPy model).")
    group.add_command(run_command)
    group.add_command(sweep_command)
