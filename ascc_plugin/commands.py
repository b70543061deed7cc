"""Built-in commands: ``ascc keys``, ``ascc vouchers``, ``ascc tokens``, ``ascc config``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from pydantic import ValidationError

from ascc_plugin.cli import config_option, echo_json, plugin_manager, settings_of
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import configure, process_event
from ascc_plugin.keys import KeyFolderError, generate_key
from ascc_plugin.models import OrderEvent
from ascc_plugin.settings import SettingsError, config_file, load_settings, shown
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
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A canonical order event (JSON, DESIGN §3).",
)
@config_option
def vouchers_preview(event_file: Path, config_file: Path) -> None:
    """Print, as JSON, the vouchers EVENT entitles under the programs of ascc.toml."""
    settings = settings_of(config_file)
    try:
        event = OrderEvent.model_validate_json(event_file.read_bytes())
    except ValidationError as exc:
        message = f"{event_file}: not a canonical order event:\n{_errors(exc)}"
        raise click.ClickException(message) from None
    pm = plugin_manager()
    try:
        configure(pm, settings, mode="preview")
    except (SettingsError, KeyFolderError) as exc:
        raise click.ClickException(str(exc)) from None
    echo_json([voucher.to_json() for voucher in process_event(pm, event).vouchers])


def _errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


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
        settings = load_settings(config_file(config_path), plugin_manager())
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
