"""The deployment recipes name real commands: every ``ascc`` service of ``deploy/compose.yaml``,
the ``CMD`` of ``deploy/Containerfile`` and every ``ExecStart`` of the systemd units parse as
``ascc`` commands with valid options (``--help`` after them exits 0; an unknown command or
option exits 2). Docker is not available here, so the image itself is not built in CI."""

from __future__ import annotations

import configparser
import json
import shlex
from functools import cache
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from ascc_plugin.cli import build_cli
from ascc_plugin.host import get_plugin_manager

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose() -> dict[str, dict[str, object]]:
    services: dict[str, dict[str, object]] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())[
        "services"
    ]
    return services


def ascc_services() -> dict[str, list[str]]:
    """The services run from our image, with their command (the image's entry point is ascc)."""
    return {
        name: [str(arg) for arg in service["command"]]  # type: ignore[union-attr]
        for name, service in compose().items()
        if "build" in service
    }


@cache
def cli() -> click.Group:
    """The real ``ascc`` command line, every plugin's commands included."""
    return build_cli(get_plugin_manager())


def runs(args: list[str]) -> Result:
    return CliRunner().invoke(cli(), [*args, "--help"])


def test_compose_runs_the_hub_the_worker_postgres_and_redis() -> None:
    services = compose()
    assert {"hub", "worker", "postgres", "redis"} <= set(services)
    assert ascc_services()["worker"] == ["center", "worker"]
    assert ascc_services()["hub"][:2] == ["center", "serve"]


@pytest.mark.parametrize("name", sorted(ascc_services()))
def test_every_compose_command_is_a_real_ascc_command(name: str) -> None:
    done = runs(ascc_services()[name])
    assert done.exit_code == 0, done.output


def test_the_check_refuses_a_command_that_does_not_exist() -> None:
    assert runs(["center", "sevre"]).exit_code == 2
    assert runs(["center", "serve", "--no-such-option", "1"]).exit_code == 2


def test_the_container_recipe_runs_ascc() -> None:
    lines = (DEPLOY / "Containerfile").read_text().splitlines()
    entry = next(line for line in lines if line.startswith("ENTRYPOINT"))
    command = next(line for line in lines if line.startswith("CMD"))
    assert json.loads(entry.removeprefix("ENTRYPOINT")) == ["ascc"]
    assert runs(json.loads(command.removeprefix("CMD"))).exit_code == 0


@pytest.mark.parametrize("unit", ["ascc-center.service", "ascc-center-worker.service"])
def test_every_systemd_unit_starts_a_real_ascc_command(unit: str) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / unit)
    program, *args = shlex.split(parser["Service"]["ExecStart"])
    assert program.endswith("/ascc")
    done = runs(args)
    assert done.exit_code == 0, done.output
