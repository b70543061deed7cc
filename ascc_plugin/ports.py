"""Is a listening address free? Asked before a server prints its banner or forks its workers.

gunicorn finds a busy port only after the banner, and then retries for five seconds before it
gives up with a traceback-like log. ``ascc center serve`` and ``ascc store serve`` ask first,
so a busy port is one clear line and a non-zero exit, before anything else is printed.
"""

from __future__ import annotations

import errno
import socket


class PortBusy(Exception):
    """The address cannot be listened on; the message says which and why."""


def check_bindable(host: str, port: int) -> None:
    """Raise :class:`PortBusy` unless a server could listen on ``host:port`` right now.

    ``SO_REUSEADDR`` is set as gunicorn sets it, so connections of a previous run still in
    ``TIME_WAIT`` do not count as busy; a listening socket does. Port 0 (any free port) passes.
    """
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortBusy(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise PortBusy(f"cannot listen on {host}:{port}: {reason}") from None
