"""The SSRF guard (OWASP API7): the address matrix, numeric spellings, hostnames resolving
to loopback, redirects to private addresses, DNS rebinding between check and connection, and
the allow-list that admits loopback only where configured."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from center.webhooks.guard import Policy, UnsafeUrl, check_url
from center.webhooks.transport import guarded_session, post
from tests.common.hub import LiveHub
from tests.common.ops import subscribe
from tests.common.subscriber import Subscriber

REFUSED = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "[::1]",
    "10.0.0.1",  # RFC 1918
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata
    "[fe80::1]",
    "100.64.0.1",  # CGNAT 100.64/10
    "100.127.255.254",
    "0.0.0.0",  # noqa: S104 (a refused target, not a binding)
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:169.254.169.254]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[fc00::1]",  # unique local
    "2130706433",  # decimal 127.0.0.1
    "0177.0.0.1",  # octal 127.0.0.1
    "0x7f.0.0.1",  # hexadecimal
    "017700000001",  # octal, whole
    "0xA9FEA9FE",  # hexadecimal 169.254.169.254
]


def resolving(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    return lambda host, port: table[host]


@pytest.mark.parametrize("host", REFUSED)
def test_non_global_addresses_are_refused_in_every_spelling(host: str) -> None:
    with pytest.raises(UnsafeUrl, match="non-public address"):
        check_url(f"https://{host}/hook", Policy())


def test_a_public_address_is_admitted() -> None:
    assert check_url("https://93.184.215.14/hook", Policy())
    assert check_url("https://[2606:4700::1111]/x", Policy())


def test_a_hostname_resolving_to_loopback_is_refused_without_the_allow_list() -> None:
    with pytest.raises(UnsafeUrl, match="non-public"):
        check_url("https://localhost:8443/hook", Policy())
    names = resolving({"hooks.example": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(UnsafeUrl, match="non-public"):  # one private answer is enough
        check_url("https://hooks.example/x", Policy(resolver=names))


@pytest.mark.parametrize(
    "url,reason",
    [
        ("http://93.184.215.14/hook", "must start with https://"),
        ("ftp://93.184.215.14/x", "must start with https://"),
        ("https://user:pw@93.184.215.14/x", "credentials"),
        ("https:///nohost", "names no host"),
        ("https://93.184.215.14:99999/x", "port"),
        ("https://93.184.215.14/a b", "not a URL"),
        ("https://no-such-host.invalid/x", "does not resolve"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        check_url(url, Policy())


def test_the_allow_list_admits_loopback_only_where_configured() -> None:
    loopback = Policy.of(True, ["127.0.0.0/8"])
    assert check_url("http://127.0.0.1:8080/hook", loopback)
    assert check_url("http://localhost:8080/hook", Policy.of(True, ["127.0.0.0/8", "::1/128"]))
    assert check_url("http://[::ffff:127.0.0.1]/hook", loopback)
    for other in ("10.0.0.1", "169.254.169.254", "192.168.0.1", "100.64.0.1"):
        with pytest.raises(UnsafeUrl):
            check_url(f"http://{other}/hook", loopback)
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:8080/hook", Policy.of(True, []))


def test_the_connection_is_pinned_to_the_checked_address(subscriber: Subscriber) -> None:
    """A name that resolved to a public address at subscription and to loopback now
    (DNS rebinding) is refused at connection time: the guard resolves and checks again."""
    answers = {"hooks.example": ["127.0.0.1"]}
    session = guarded_session(Policy(allow_http=True, resolver=resolving(answers)))
    reply = post(session, f"http://hooks.example:{subscriber.port}/hook", b"{}", {}, 2.0)
    assert reply.status is None and "SSRF guard" in reply.reason
    assert subscriber.got == []
    allowed = Policy.of(True, ["127.0.0.0/8"], resolving(answers))
    reply = post(
        guarded_session(allowed), f"http://hooks.example:{subscriber.port}/hook", b"{}", {}, 2.0
    )
    assert reply.status == 200  # connected to the checked address, the name kept as Host


def test_redirects_are_not_followed_and_bodies_not_echoed(subscriber: Subscriber) -> None:
    subscriber.answer = "redirect"
    session = guarded_session(Policy.of(True, ["127.0.0.0/8"]))
    reply = post(session, subscriber.url, b'{"type":"x","data":{}}', {}, 2.0)
    assert reply.status == 302 and reply.reason == "HTTP 302"
    assert len(subscriber.got) == 1  # nothing followed to 169.254.169.254


def test_proxy_variables_cannot_route_around_the_guard(
    subscriber: Subscriber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    reply = post(guarded_session(Policy.of(True, ["127.0.0.0/8"])), subscriber.url, b"{}", {}, 2.0)
    assert reply.status == 200


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.5/hook", "http://169.254.169.254/x", "https://[::ffff:10.0.0.1]/x", "ftp://x/"],
)
def test_the_api_refuses_unsafe_subscriber_urls(ops_hub: LiveHub, target: str) -> None:
    store = ops_hub.new_gsp()  # this ops_hub allow-lists loopback only
    answer = ops_hub.call(
        "POST", "/api/v1/webhooks", store.key, json={"url": target, "event_types": ["*"]}
    )
    assert answer.status_code == 422 and answer.json()["detail"].startswith("url:")
    assert ops_hub.call("GET", "/api/v1/webhooks", store.key).json()["items"] == []


def test_the_api_admits_an_allow_listed_loopback_url(
    ops_hub: LiveHub, subscriber: Subscriber
) -> None:
    made = subscribe(ops_hub, ops_hub.new_gsp(), subscriber)
    assert made["secret"].startswith("whsec_") and made["status"] == "active"
