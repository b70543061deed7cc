"""HTTP to subscribers through the SSRF guard: every connection pinned to a checked address.

The ``requests`` adapter below resolves the URL's host with the guard's policy
(:meth:`center.webhooks.guard.Policy.address_for`) each time it picks a connection and hands
urllib3 the checked address itself as the host to connect to; the ``Host`` header, TLS SNI and
certificate check keep the original name. This is the technique of Saleor's
``requests-hardened`` (considered: its allow-list is a single loopback switch and its filter is
"private or multicast" rather than "not global", while the issue asks for an explicit network
allow-list, so the policy is ours and the adapter is twenty lines over ``HTTPAdapter``).
Sessions ignore proxy variables (a proxy would connect for us, unchecked), never follow
redirects, use short timeouts, and read at most ``cap`` bytes of an answer, which is dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from center.webhooks.guard import Policy, UnsafeUrl


class GuardRefused(requests.RequestException):
    """The guard refused the address (not a ``ValueError``: requests would call it a bad URL)."""


class GuardedAdapter(HTTPAdapter):
    """An adapter that connects only to addresses its policy admits, pinned per connection."""

    def __init__(self, policy: Policy, pool_maxsize: int = 16) -> None:
        super().__init__(pool_maxsize=pool_maxsize, max_retries=0)
        self.policy = policy

    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        found = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params: dict[str, Any] = dict(found[0])
        pool_kwargs: dict[str, Any] = dict(found[1])
        host, port = host_params["host"], host_params["port"]
        request.headers = CaseInsensitiveDict(request.headers or {})
        shown = f"[{host}]" if ":" in host else host
        request.headers["Host"] = f"{shown}:{port}" if port else shown
        if host_params["scheme"] == "https":
            pool_kwargs["assert_hostname"] = host
            pool_kwargs["server_hostname"] = host
        scheme_port = port or (443 if host_params["scheme"] == "https" else 80)
        try:
            host_params["host"] = self.policy.address_for(host, scheme_port)
        except UnsafeUrl as exc:
            raise GuardRefused(str(exc), request=request) from None
        return host_params, pool_kwargs


def guarded_session(policy: Policy, pool_maxsize: int = 16) -> requests.Session:
    """A session for subscriber URLs: guarded adapters for both schemes, no proxies."""
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(policy, pool_maxsize)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Reply:
    """What one POST came to: a status (``None``: no answer), a reason, how long it took."""

    status: int | None
    reason: str
    seconds: float


def post(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    cap: int = 4096,
) -> Reply:
    """POST ``body`` once; never raises for network trouble, never keeps the answer's body."""
    started = time.monotonic()
    try:
        with session.post(
            url,
            data=body,
            headers=headers,
            timeout=(min(timeout, 3.05), timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            for _ in response.iter_content(cap):
                break  # read at most ``cap`` bytes so the connection can be reused or closed
            return Reply(response.status_code, f"HTTP {response.status_code}", elapsed(started))
    except GuardRefused as exc:
        return Reply(None, f"refused by the SSRF guard: {exc}", elapsed(started))
    except requests.Timeout:
        return Reply(None, f"timed out after {timeout:g} s", elapsed(started))
    except requests.RequestException as exc:
        return Reply(None, f"cannot connect: {type(exc).__name__}", elapsed(started))


def elapsed(started: float) -> float:
    return time.monotonic() - started
