"""``ascc channel tail CASE``: print a case's frames live, for operators and debugging.

A built-in plugin (:data:`ascc_plugin.host.BUILTIN_PLUGINS`); the client library is imported
when the command runs.
"""

from __future__ import annotations

import json

import click

from ascc_plugin.hooks import hookimpl


@click.group("channel")
def channel() -> None:
    """A case's channel between a voucher's holder and its provider."""


@channel.command("tail")
@click.argument("case")
@click.option(
    "--url",
    envvar="ASCC_CENTER_URL",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="The hub (or a gsp-mode store); env ASCC_CENTER_URL.",
)
@click.option(
    "--key",
    envvar="ASCC_KEY",
    required=True,
    help="The operator's or provider's key, or the holder secret; env ASCC_KEY.",
)
@click.option(
    "--since",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Print frames after this seq.",
)
@click.option(
    "--follow/--no-follow",
    default=True,
    show_default=True,
    help="Keep printing new frames (reconnecting as needed).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tail(case: str, url: str, key: str, since: int, follow: bool, as_json: bool) -> None:
    """Print the frames of CASE (a voucher id) after --since, then live ones."""
    from ascc_plugin.channel.client import CaseChannel, ChannelError

    stream = CaseChannel(url, case, key, since=since)
    try:
        hello = stream.connect()
        click.echo(
            f"# case {case}: head {hello.get('head')}, you are {hello.get('role')}", err=True
        )
        head = int(hello.get("head", 0))
        while follow or stream.last_seq < head:
            frame = stream.next_frame(timeout=3600 if follow else 5.0)
            if frame is not None:
                click.echo(
                    json.dumps(frame.__dict__, ensure_ascii=False) if as_json else line(frame)
                )
            elif not follow:
                return
    except ChannelError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        pass
    finally:
        stream.close()


def line(frame: object) -> str:
    from ascc_plugin.channel.client import Frame

    assert isinstance(frame, Frame)
    text = frame.body.get("text") or frame.body.get("event") or json.dumps(frame.body)
    return f"{frame.seq:>5}  {frame.at}  {frame.sender:<8} {frame.type:<8} {text}"


@hookimpl
def ascc_register_commands(cli: click.Group) -> None:
    cli.add_command(channel)
