"""A real third-party plugin: a distribution with an ``ascc`` entry point, built and installed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.emulation import LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from adapters.store.app import create_app
from ascc_plugin.host import channel_factories, get_plugin_manager
from simulator.services import ascc, run_command
from tests.common.settings import SECRET, store_settings

PLUGIN = '''
import json, os
from pathlib import Path
import click
from ascc_plugin import hookimpl
from ascc_plugin.programs import Program
from ascc_plugin.settings import Section

class HelloSection(Section):
    file: Path = Path("hello-deliveries.jsonl")

class HelloChannel:
    def __init__(self, settings):
        self.file = settings.section(HelloSection).file

    @hookimpl
    def ascc_deliver_voucher(self, voucher, customer):
        with open(self.file, "a") as out:
            out.write(json.dumps({"id": voucher.id, "secret": bool(voucher.holder_secret)}) + "\\n")

@hookimpl
def ascc_register_settings(register):
    register("hello", HelloSection)

@hookimpl
def ascc_register_channels(register):
    register("hello", HelloChannel)

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
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    installed = run_command([*pip, "--target", str(target), str(source)])
    assert installed.returncode == 0, installed.stderr
    assert (target / "ascc_hello").is_dir()
    return target


def _ascc(site: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return ascc(*args, env={"PYTHONPATH": str(site), "HELLO_LOG": str(tmp_path / "log"), **env})


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


@pytest.fixture
def plugin_on_path(installed_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The installed distribution importable in this process (its entry point found)."""
    monkeypatch.syspath_prepend(str(installed_plugin))
    monkeypatch.setenv("HELLO_LOG", str(installed_plugin.parent / "hello.log"))
    yield
    sys.modules.pop("ascc_hello", None)


def test_a_third_party_channel_named_in_delivery_receives_the_vouchers(
    plugin_on_path: None, tmp_path: Path, key_dir: Path
) -> None:
    settings = store_settings(
        tmp_path,
        store={"mode": "gsp"},
        keys={"dir": str(key_dir)},
        delivery={"channels": ["hello"]},
        hello={"file": "out/hello.jsonl"},
    )
    (tmp_path / "out").mkdir()
    pm = get_plugin_manager()
    assert "hello" in channel_factories(pm)
    client = create_app(settings, pm=pm).test_client()
    placed = datetime.now(UTC) - timedelta(days=1)  # within term: delivered, not expired
    order = OrderSpec(
        id=4401,
        lines=(LineSpec(id=1, title="Kettle", quantity=2, price="60.00"),),
        created_at=placed,
        updated_at=placed,
    ).evolve(paid=True)
    request = ShopifyEmulator(SECRET).order_request("orders/paid", order)
    answer = client.post(request.path, data=request.body, headers=request.headers)
    # 2 units × 3 programs: the store's two and the plugin's own hello-care
    assert answer.status_code == 200 and answer.json["vouchers"] == 6
    assert answer.json["programs"] == {"repair-12m": 2, "support-24m": 2, "hello-care": 2}
    lines = [json.loads(line) for line in (tmp_path / "out/hello.jsonl").read_text().splitlines()]
    assert len(lines) == 6 and all(line["secret"] for line in lines)
    assert len({line["id"] for line in lines}) == 6


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
