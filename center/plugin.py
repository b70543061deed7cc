"""The center's plugin module (entry point ``center``): ``ascc center …``, the ``[hub]`` and
``[gsp]`` settings sections, and the ``gsp`` handler (a store issuing with the hub's service
layer). Everything heavy is imported when asked for, not when the plugin manager is built."""

from __future__ import annotations

from collections.abc import Callable

import click

from ascc_plugin import hookimpl
from ascc_plugin.settings import Section, Settings
from center.settings import GspSection, HubSettings


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    from center.cli import center
    from center.demo import demo_seed
    from center.operate import COMMANDS as OPERATE
    from center.rewards_cli import COMMANDS as REWARDS
    from center.serve import serve
    from center.worker.command import worker

    for command in (serve, demo_seed, worker, *OPERATE, *REWARDS):
        center.add_command(command)
    cli.add_command(center)


@hookimpl
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    register("hub", HubSettings)
    register("gsp", GspSection)


@hookimpl
def ascc_register_handlers(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    register("gsp", gsp_handler)


def gsp_handler(settings: Settings) -> object:
    from center.gsp import GspHandler

    return GspHandler(settings)
