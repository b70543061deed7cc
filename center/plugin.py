"""The center's plugin module (entry point ``center``): adds ``ascc center …`` to the CLI."""

from __future__ import annotations

from collections.abc import Callable

import click

from ascc_plugin import hookimpl
from ascc_plugin.cli import ensure_group


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from center.cli import center
    from center.demo import demo_seed
    from center.serve import serve

    group = ensure_group(cli, "center", center.help or "")
    for command in (*center.commands.values(), serve, demo_seed):
        group.add_command(command)


@hookimpl
def ascc_register_handlers(register: Callable[[str, Callable[..., object]], None]) -> None:
    from center.gsp import GspHandler

    register("gsp", GspHandler)
