"""The ``ascc`` command line: a click group that every package extends through a hook."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import pluggy

from ascc_plugin.host import get_plugin_manager
from ascc_plugin.registry import PluginError
from ascc_plugin.settings import Settings, SettingsError, load_settings

config_option = click.option(
    "--config",
    "config_file",
    default="ascc.toml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The store's ascc.toml.",
)
"""The ``--config ascc.toml`` option of every store command (passed as ``config_file``)."""


def settings_of(path: Path) -> Settings:
    """The settings of a store command's ``--config`` file; errors become CLI errors."""
    try:
        return load_settings(path, plugin_manager())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def build_cli(pm: pluggy.PluginManager) -> click.Group:
    """The root ``ascc`` group with every plugin's commands; ``pm`` is reachable as ``ctx.obj``."""

    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="ascc")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """ASCC: after-sales-service and customer-care vouchers for online purchases."""
        ctx.obj = pm

    pm.hook.ascc_register_commands(cli=cli)
    return cli


def plugin_manager() -> pluggy.PluginManager:
    """The plugin manager of the running command (for command implementations)."""
    pm = click.get_current_context().find_root().obj
    assert isinstance(pm, pluggy.PluginManager)
    return pm


def ensure_group(cli: click.Group, name: str, help_text: str) -> click.Group:
    """The sub-group ``name`` of ``cli``, made if no plugin has made it yet.

    Lets several plugins add commands to one group (``ascc store serve`` from the adapters,
    ``ascc store outbox`` from the center client) in whatever order they register.
    """
    existing = cli.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    cli.add_command(group)
    return group


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


PRIVATE_UMASK = 0o077
"""Every file an ``ascc`` command or service makes (databases and their WAL, logs, keys, the
outbox) is readable by its owner only: 0600, folders 0700."""


def main() -> None:
    os.umask(PRIVATE_UMASK)
    try:
        pm = get_plugin_manager()
    except PluginError as exc:
        click.echo(f"ascc: {exc}", err=True)
        sys.exit(1)
    build_cli(pm)(prog_name="ascc")
