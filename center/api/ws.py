"""The socket: ``/ws/cases/<voucher_id>?ticket=…&since=N`` (flask-sock on simple-websocket).

A thin route over :class:`center.channel.session.CaseSocket`. Before the upgrade,
:func:`handshake` refuses with an ordinary problem answer: a foreign ``Origin`` (403), a process
at its socket capacity (503), a bad ``since`` (422), and a ticket that is unknown, used,
expired or for another case — all alike (401), so nothing tells whether the case exists.

flask-sock was chosen (DESIGN §9) because it runs WebSockets inside the WSGI app we already
serve — werkzeug in tests, gunicorn's threaded workers in production, the store service in
``gsp`` mode — with no second server or event loop; its ``SOCK_SERVER_OPTIONS`` set
simple-websocket's ping interval and message size limit, which default to none.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, request
from flask_sock import Sock

from center.api.hub import Hub, current_hub
from center.api.spec import Operation, Param
from center.channel import tickets
from center.channel.access import Party, still_party
from center.channel.relay import EXTENSION_KEY, Relay, relay_of
from center.channel.session import CaseSocket
from center.infra.problems import InvalidInput, Problem, Unauthorized

bp = Blueprint("ws", __name__)
sock = Sock()
LARGEST_SEQ = 2**31 - 1
REFUSED = "the ticket is unknown, used, expired or for another case: ask for a new one"


class ForeignOrigin(Problem):
    status, slug, title = 403, "foreign-origin", "Origin not allowed"


class UpgradeRequired(Problem):
    status, slug, title = 426, "upgrade-required", "WebSocket upgrade required"


class ChannelFull(Problem):
    status, slug, title = 503, "channel-full", "No room for another socket"


def install(app: Flask, hub: Hub) -> Relay:
    """Make the app's relay (subscribed to the audit feed) and set the socket options."""
    settings = hub.settings
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": settings.channel_ping_seconds,
        "max_message_size": settings.channel_max_message_bytes,
    }
    relay = Relay(hub.database, settings, hub.verifier, hub.clock)
    app.extensions[EXTENSION_KEY] = relay
    return relay


def allowed_origins(hub: Hub) -> set[str]:
    return {origin_of(url) for url in (hub.settings.public_url, *hub.settings.channel_origins)}


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


@bp.before_request
def handshake() -> None:
    """Origin, capacity, ``since`` and the ticket, checked before the upgrade."""
    hub, relay = current_hub(), relay_of(current_app.extensions)
    origin = request.headers.get("Origin")
    if origin is not None and origin_of(origin) not in allowed_origins(hub):
        raise ForeignOrigin("this origin may not open the channel")
    if relay.full():
        raise ChannelFull("every socket of this process is taken; retry shortly", retry_after=5)
    since = request.args.get("since", "0") or "0"
    if not since.isascii() or not since.isdigit() or int(since) > LARGEST_SEQ:
        raise InvalidInput("since: a whole number from 0", field="since")
    g.ascc_since = int(since)
    g.ascc_party = redeem(hub, request.view_args or {}, request.args.get("ticket", ""))


def redeem(hub: Hub, view_args: dict[str, Any], ticket: str) -> Party:
    voucher_id = str(view_args.get("voucher_id", ""))
    with hub.database.transaction() as session:
        party = tickets.redeem(session, ticket, voucher_id, hub.clock())
        if party is None or not still_party(session, voucher_id, party):
            raise Unauthorized(REFUSED)
    return party


@sock.route("/ws/cases/<voucher_id>", bp=bp)  # type: ignore[untyped-decorator]
def case_socket(ws: Any, voucher_id: str) -> None:
    relay = relay_of(current_app.extensions)
    CaseSocket(relay, ws, voucher_id, g.ascc_party, g.ascc_since).run()


@bp.get("/ws/cases/<voucher_id>")
def not_upgraded(voucher_id: str) -> dict[str, Any]:
    """A plain GET with a good ticket (the ticket is checked first, and used up): 426."""
    del voucher_id
    raise UpgradeRequired("open this URL as a WebSocket (Upgrade: websocket)")


OPERATIONS = (
    Operation(
        "get",
        "/ws/cases/{voucher_id}",
        "The case's WebSocket (upgrade with a ticket; frames: see the description and the "
        "README). Without an upgrade: 426 once the ticket is checked",
        params=(
            Param("voucher_id", "path", "the voucher id of the case"),
            Param("ticket", description="from POST /api/v1/cases/{voucher_id}/tickets"),
            Param(
                "since",
                description="the last seq seen (0: from the start)",
                schema={"type": "integer", "minimum": 0, "maximum": LARGEST_SEQ},
            ),
        ),
        errors=(401, 403, 422, 426, 503),
    ),
)
