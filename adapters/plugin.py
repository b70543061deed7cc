"""The adapters' entry point in the ``ascc`` group: adds ``ascc store …``."""

from __future__ import annotations

import click

from ascc_plugin.hooks import hookimpl


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from adapters.store.cli import store  # loaded when the CLI is built, not with the host

    cli.add_command(store)
