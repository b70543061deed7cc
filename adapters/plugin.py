"""The adapters' entry point in the ``ascc`` group: adds ``ascc store serve``."""

from __future__ import annotations

import click

from ascc_plugin.cli import ensure_group
from ascc_plugin.hooks import hookimpl


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from adapters.store.cli import serve  # loaded when the CLI is built, not with the host

    group = ensure_group(cli, "store", "The store service: storefront webhooks → vouchers.")
    group.add_command(serve)
