"""Built-in commands: ``ascc keys``, ``ascc vouchers``, ``ascc tokens``, ``ascc config``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ascc_plugin.cli import config_option, echo_json, plugin_manager, settings_of
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import configure, process_event
from ascc_plugin.issuing import unique_programs
from ascc_plugin.keys import KeyFolderError, generate_key
from ascc_plugin.preview_input import InputError, enrich, read_event
from ascc_plugin.preview_report import explain, render
from ascc_plugin.registry import PluginError
from ascc_plugin.settings import SettingsError, load_settings, shown
from ascc_plugin.settings import config_file as settings_file
from ascc_plugin.tokens import TokenError, Verifier, load_jwks


@click.group()
def keys() -> None:
    """Signing keys for voucher tokens."""


@keys.command("generate")
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Key folder: made if missing; an existing one gets a new active key (rotation).",
)
def keys_generate(folder: Path) -> None:
    """Make a new Ed25519 signing key, make it active and rewrite DIR/jwks.json; print its kid."""
    try:
        kid = generate_key(folder)
    except OSError as exc:
        raise click.ClickException(f"cannot write keys to {folder}: {exc.strerror}") from None
    click.echo(kid)


@click.group()
def vouchers() -> None:
    """Vouchers an order entitles."""


@vouchers.command("preview")
@click.option(
    "--event",
    "event_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A canonical order event (JSON, README "Canonical order events").',
)
@click.option(
    "--shopify",
    "shopify_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A Shopify order as its webhook delivers it (or the Admin API\'s {"order": …}).',
)
@click.option(
    "--woocommerce",
    "woocommerce_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A WooCommerce order as its webhook (REST API v3) delivers it.",
)
@click.option("--topic", default=None, help="The webhook topic of the payload (optional).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@config_option
def vouchers_preview(
    event_file: Path | None,
    shopify_file: Path | None,
    woocommerce_file: Path | None,
    topic: str | None,
    as_json: bool,
    config_file: Path,
) -> None:
    """Show the vouchers one order entitles under ascc.toml's programs, line by line, and why.

    Give exactly one of --event, --shopify, --woocommerce. Lines are completed from the store's
    product catalog (its state database) when it has one.
    """
    given = {"event": event_file, "shopify": shopify_file, "woocommerce": woocommerce_file}
    chosen = [(source, path) for source, path in given.items() if path is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --event, --shopify, --woocommerce")
    [(source, path)] = chosen
    pm = plugin_manager()
    config = settings_of(config_file)
    try:
        event = enrich(pm, config, read_event(pm, source, path, config, topic))
        configure(pm, config, mode="preview")
    except (SettingsError, KeyFolderError, InputError, PluginError) as exc:
        raise click.ClickException(str(exc)) from None
    answer = process_event(pm, event)
    offered = pm.hook.ascc_programs_for_order(order=event.order)
    programs = unique_programs([config.programs, *offered])  # non-matching ones explained too
    report = explain(event, programs, list(answer.vouchers), config.store.issue_on)
    echo_json(report) if as_json else click.echo(render(report))


@click.group()
def tokens() -> None:
    """Signed voucher tokens."""


@tokens.command("verify")
@click.argument("token")
@click.option(
    "--jwks", "source", required=True, help="The issuer's JWKS: a file or an http(s) URL."
)
def tokens_verify(token: str, source: str) -> None:
    """Verify TOKEN offline: print its claims (exit 0) or why it is refused (exit 1)."""
    try:
        verifier = Verifier(load_jwks(source))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        claims = verifier.verify(token.strip())
    except TokenError as exc:
        raise click.ClickException(f"token refused: {exc}") from None
    click.echo(json.dumps(claims, indent=2))


@click.group("config")
def config_group() -> None:
    """The settings every package reads (one file, ASCC_* overrides)."""


@config_group.command("show")
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: $ASCC_CONFIG, else ./ascc.toml if present).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def config_show(config_path: Path | None, as_json: bool) -> None:
    """Print the effective settings, where each value came from, secrets masked."""
    try:
        settings = load_settings(settings_file(config_path), plugin_manager())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    table = shown(settings)
    if as_json:
        echo_json({"file": str(settings.path) if settings.path else None, "settings": table})
        return
    click.echo(f"# {settings.path or 'no settings file'}")
    for name, values in table.items():
        click.echo(f"[{name}]")
        for key, entry in values.items():
            click.echo(f"  {key} = {json.dumps(entry['value'])}  ({entry['source']})")


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    for group in (keys, vouchers, tokens, config_group):
        cli.add_command(group)
