"""The simulator's plugin: ``ascc demo`` (DESIGN §7) and ``ascc simulate run|sweep``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ascc_plugin import hookimpl
from ascc_plugin.cli import echo_json
from simulator.cli import register as register_simulate
from simulator.demo import STEPS, Outcome, StepResult, run_demo


@contextmanager
def demo_folder(folder: Path | None) -> Iterator[Path]:
    """``folder`` (made if needed, refused unless empty) or a temporary folder removed after."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="ascc-demo-") as temporary:
            yield Path(temporary)
        return
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"{folder} is not empty: give a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder.resolve()


def step_line(result: StepResult) -> str:
    mark = "✓" if result.ok else "✗"
    return f"{mark} {result.name:<38} {result.detail}"


def summary_lines(outcome: Outcome) -> list[str]:
    where = (
        str(outcome.folder) if outcome.kept else f"{outcome.folder} (removed; keep it with --dir)"
    )
    lines = ["", f"files: {where}"]
    lines += [f"  {name:<12} {url} (stopped)" for name, url in outcome.urls.items()]
    if outcome.ok:
        lines.append(f"all {len(STEPS)} steps held; {len(outcome.vouchers)} vouchers at the center")
        return lines
    failed = next(step for step in outcome.steps if not step.ok)
    lines.append(f"FAILED at '{failed.name}': {failed.detail}")
    for name, tail in outcome.logs.items():
        lines += [f"--- {name} log (last lines) ---", tail]
    return lines


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "steps": [step.to_json() for step in outcome.steps],
        "vouchers": outcome.vouchers,
        "services": outcome.urls,
        "folder": str(outcome.folder) if outcome.kept else None,
        "logs": outcome.logs,
    }


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document for machines.")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the databases, configs and logs in this new or empty folder (default: a temp dir).",
)
@click.option(
    "--center-port", type=click.IntRange(1, 65535), default=None, help="Default: any free port."
)
def demo(as_json: bool, folder: Path | None, center_port: int | None) -> None:
    """Run a center and two stores on loopback and walk a voucher through its life.

    Exits 0 only if every step held; otherwise names the step that failed and why.
    """
    printer = None if as_json else lambda result: click.echo(step_line(result))
    with demo_folder(folder) as where:
        outcome = run_demo(
            where,
            kept=folder is not None,
            center_port=center_port,
            on_step=printer or (lambda result: None),
        )
    if as_json:
        echo_json(outcome_json(outcome))
    else:
        click.echo("\n".join(summary_lines(outcome)))
    sys.exit(0 if outcome.ok else 1)


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    cli.add_command(demo)
    register_simulate(cli)
