"""A real third-party plugin: a distribution with an ``ascc`` entry point, built and installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = '''
import json, os
import click
from ascc_plugin import hookimpl
from ascc_plugin.programs import Program

@hookimpl
def ascc_programs_for_order(order):
    return [Program(id="hello-care", kind="support", term_months=3)]

@hookimpl
def ascc_order_event(event):
    with open(os.environ["HELLO_LOG"], "a") as log:
        log.write(json.dumps({"seen": event.event_id}) + "\\n")

@hookimpl
def ascc_register_commands(cli):
    @cli.command()
    def hello():
        """Say hello from a plugin."""
        click.echo("hello from ascc-hello")
'''

PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
[project]
name = "ascc-hello"
version = "1.0"
[project.entry-points.ascc]
hello = "ascc_hello"
"""


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the plugin distribution from source and install it into a private target folder."""
    root = tmp_path_factory.mktemp("plugin")
    source = root / "src"
    (source / "ascc_hello").mkdir(parents=True)
    (source / "ascc_hello" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (source / "pyproject.toml").write_text(PYPROJECT)
    target = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    assert (target / "ascc_hello").is_dir()
    return target


def _ascc(site: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(site), "HELLO_LOG": str(tmp_path / "log"), **env}
    ascc = Path(sys.executable).with_name("ascc")
    return subprocess.run(
        [str(ascc), *args], env=environment, capture_output=True, text=True, check=False
    )


def test_the_host_loads_the_plugin_and_calls_its_hooks(
    installed_plugin: Path, tmp_path: Path, store_toml: Path
) -> None:
    assert _ascc(installed_plugin, tmp_path, "hello").stdout == "hello from ascc-hello\n"
    event = Path(__file__).resolve().parents[2] / "ascc_plugin" / "samples" / "order-paid.json"
    result = _ascc(
        installed_plugin,
        tmp_path,
        "vouchers",
        "preview",
        "--json",
        "--event",
        str(event),
        "--config",
        str(store_toml),
    )
    assert result.returncode == 0, result.stderr
    programs = [v["program"] for v in json.loads(result.stdout)["vouchers"]]
    assert programs.count("hello-care") == 3  # one per unit of the sample order
    assert json.loads((tmp_path / "log").read_text()) == {"seen": "sample-0001"}


def test_the_deny_list_and_the_allow_list_keep_the_plugin_out(
    installed_plugin: Path, tmp_path: Path
) -> None:
    denied = _ascc(installed_plugin, tmp_path, "hello", ASCC_DISABLE_PLUGINS="hello")
    assert denied.returncode == 2 and "No such command 'hello'" in denied.stderr
    not_allowed = _ascc(installed_plugin, tmp_path, "hello", ASCC_PLUGINS="something-else")
    assert not_allowed.returncode == 2
    allowed = _ascc(installed_plugin, tmp_path, "hello", ASCC_PLUGINS="hello")
    assert allowed.stdout == "hello from ascc-hello\n"


def test_a_broken_plugin_is_named_with_the_way_out(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "ascc_broken-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ascc-broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[ascc]\nbroken = ascc_broken_missing\n")
    result = _ascc(site, tmp_path, "--help")
    assert result.returncode == 1
    assert "plugin 'broken'" in result.stderr and "ASCC_DISABLE_PLUGINS=broken" in result.stderr
    assert "Traceback" not in result.stderr
