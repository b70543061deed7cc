"""``ascc center backup | restore | hub-delivery``: the operator's maintenance commands."""

from __future__ import annotations

from pathlib import Path

import click

from ascc_plugin.cli import echo_json
from center.api.hub import current_hub
from center.cli import hub_app, hub_settings, in_transaction
from center.handover.services import set_hub_delivery
from center.ops.backup import PG_HELP, BackupError
from center.ops.backup import backup as make_backup
from center.ops.backup import restore as restore_backup


@click.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def backup(out: Path, force: bool) -> None:
    """Copy the hub's SQLite database while it runs (online backup)."""
    try:
        made = make_backup(hub_settings().database_url, out, force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {made}")


@click.command("restore")
@click.option("--from", "source", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore over a database that holds data.")
def restore(source: Path, force: bool) -> None:
    """Restore a backup into the hub's (new or empty) SQLite database."""
    try:
        made = restore_backup(hub_settings().database_url, source, force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database restored: {made}")


@click.command("hub-delivery")
@click.option("--gsp", "gsp_id", required=True, help="The store's id.")
@click.option("--on/--off", "enabled", required=True, help="Deliver its vouchers from the hub.")
def hub_delivery(gsp_id: str, enabled: bool) -> None:
    """Have the hub deliver a store's new vouchers to its customers ([hub] delivery_channels)."""
    with hub_app():
        now = current_hub().clock()
        echo_json(in_transaction(lambda s: set_hub_delivery(s, gsp_id, enabled, now)))


COMMANDS = (backup, restore, hub_delivery)
__all__ = ["COMMANDS", "PG_HELP"]
