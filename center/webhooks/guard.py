"""The SSRF guard on subscriber URLs (OWASP API7): which addresses the hub may call.

A subscriber names a URL; the hub would call it from inside its own network. So: ``https``
only (``http`` when a development setting allows it), no credentials in the URL, and the host
is resolved and *every* address must be global — loopback, RFC 1918, link-local (the cloud
metadata address 169.254.169.254), CGNAT 100.64/10, multicast, reserved, IPv4-mapped and NAT64
IPv6 spellings are refused. Decimal, octal and hexadecimal IPv4 spellings (``2130706433``,
``0177.0.0.1``) resolve to the address they mean and are judged as that address. An explicit
allow-list of networks (``[hub] webhook_allow_networks``) admits what tests and private
deployments need (loopback, say) and nothing else.

:func:`check_url` runs when a subscription is made; :class:`center.webhooks.transport` checks
again at every connection and pins the connection to the address it checked, so a DNS answer
that changes in between (rebinding) cannot redirect a delivery.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_URL = 2000


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why (never what a response contained)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the C library also parses numeric spellings)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"the host {host!r} does not resolve") from None
    return [str(info[4][0]) for info in found]


def embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 spelling carries (mapped ``::ffff:a.b.c.d``, NAT64), else it."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@dataclass(frozen=True)
class Policy:
    """What may be called: ``http`` or only ``https``, and the networks allowed beyond global."""

    allow_http: bool = False
    allowed: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def of(
        cls, allow_http: bool, networks: Iterable[str], resolver: Resolver | None = None
    ) -> Policy:
        allowed = tuple(ipaddress.ip_network(net, strict=False) for net in networks)
        return cls(allow_http, allowed, resolver or system_resolver)

    def admits(self, text: str) -> bool:
        """Whether the address ``text`` may be connected to."""
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if any(address in net for net in self.allowed):
            return True
        inner = embedded_ipv4(address)
        if any(inner in net for net in self.allowed):
            return True
        return address.is_global and inner.is_global and not inner.is_multicast

    def address_for(self, host: str, port: int) -> str:
        """The address to connect to for ``host``: every resolved one must be admitted."""
        found = self.resolver(host, port)
        if not found:
            raise UnsafeUrl(f"the host {host!r} does not resolve")
        refused = [address for address in found if not self.admits(address)]
        if refused:
            raise UnsafeUrl(f"the host {host!r} resolves to a non-public address")
        return found[0]


def check_url(url: str, policy: Policy) -> str:
    """``url`` if it may be subscribed (resolved now); :class:`UnsafeUrl` says why not."""
    if len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeUrl("not a URL this hub calls")
    parts = urlsplit(url)
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl(f"the URL must start with {' or '.join(s + '://' for s in schemes)}")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials in the URL are not accepted")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number from 1 to 65535") from None
    if not host:
        raise UnsafeUrl("the URL names no host")
    policy.address_for(host, port or (443 if parts.scheme == "https" else 80))
    return url
