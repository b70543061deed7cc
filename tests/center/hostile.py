"""Hostile inputs for the hub, and a pair of hubs (SQLite, PostgreSQL) that get each one alike.

:class:`HubPair` runs two live hubs on one key folder (so voucher ids and tokens are the same on
both) with the same store and a provider each; :meth:`HubPair.send` puts one :class:`Probe` to
both and returns both statuses. The strategies build bodies the way an attacker of a voucher
system would: a valid event or body with one value swapped for something hostile (over-long,
NUL, the wrong type, out of range, deeply nested), or JSON of any shape.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import update

from ascc_plugin.signatures import standard_headers
from center.parties.keys import digest
from center.vouchers.models import Voucher
from tests.common.hub import PROGRAMS, LiveHub, Party, order_event, serve_hub
from tests.common.postgres import fresh_database, require_postgres

SHOP = "hostile.example"
DEEP = 400


def nested_list(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def nested_object(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


HOSTILE_VALUES: list[Any] = [
    "",
    "x" * 201,
    "x" * 256,
    "x" * 321,
    "é" * 300,
    "x" * 5000,
    "a\u0000b",
    "\ud7ff" * 10,
    True,
    False,
    None,
    1.5,
    -1,
    0,
    10**7,
    2**63,
    10**400,
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "2026-01-01T00:00:00",
    "not a time",
    "-1.00",
    "1e999",
    "1E+2",
    "NaN",
    "1" + "0" * 30,
    "0." + "0" * 40 + "1",
    [],
    {},
    ["x"] * 2000,
    nested_list(DEEP),
    nested_object(DEEP),
]
hostile = st.sampled_from(HOSTILE_VALUES) | st.text(max_size=300) | st.integers()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON document (containers included, the root excluded)."""
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` swapped for ``value``."""
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def mutated(template: Any) -> st.SearchStrategy[Any]:
    """``template`` with one of its values (or containers) swapped for a hostile one."""
    return st.tuples(st.sampled_from(list(paths(template))), hostile).map(
        lambda pair: replaced(template, *pair)
    )


def event_template() -> dict[str, Any]:
    party = Party("gsp", "key", shop=SHOP)
    return {"event": order_event(party, order_id="o-hostile", quantity=1), "programs": PROGRAMS}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


@dataclass(frozen=True)
class Probe:
    """One request: ``key`` names whose key goes in ``Authorization`` (or is the key itself)."""

    method: str
    path: str
    body: bytes = b""
    key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    signed: bool = False


@dataclass
class Side:
    """One hub of the pair and its parties."""

    hub: LiveHub
    gsp: Party
    provider: Party


class HubPair:
    """Two hubs, one on SQLite and one on PostgreSQL, asked the same things."""

    def __init__(self, sides: list[Side], voucher: dict[str, Any]) -> None:
        self.sides, self.voucher = sides, voucher

    def send(self, probe: Probe) -> list[int]:
        """The statuses of ``probe`` on each hub (the same webhook id and timestamp)."""
        webhook_id = f"msg_{secrets.token_hex(8)}"
        stamp = int(time.time())
        return [self._send(side, probe, webhook_id, stamp) for side in self.sides]

    def _send(self, side: Side, probe: Probe, webhook_id: str, stamp: int) -> int:
        keys = {
            "holder": self.voucher["holder_secret"],
            "provider": side.provider.key,
            "gsp": side.gsp.key,
        }
        body = probe.body.replace(b"{provider}", side.provider.id.encode())
        headers = dict(probe.headers)
        if probe.key is not None:
            headers["Authorization"] = f"Bearer {keys.get(probe.key, probe.key)}"
        if probe.signed:
            signed = standard_headers(side.gsp.secret, webhook_id, stamp, body)
            headers = {"ASCC-Domain": SHOP, "Content-Type": "application/json", **signed, **headers}
        answer = side.hub.http.request(
            probe.method, side.hub.url(probe.path), data=body, headers=headers, timeout=60
        )
        return answer.status_code


@contextmanager
def hub_pair(folder: Path) -> Iterator[HubPair]:
    """Both hubs (one key folder), the store on each, a provider each, one issued voucher."""
    require_postgres()
    with ExitStack() as stack:
        pg_url = stack.enter_context(fresh_database("ascc_hostile"))
        urls = {"sqlite": f"sqlite:///{folder / 'hub.sqlite'}", "postgres": pg_url}
        sides = []
        for backend, url in urls.items():
            hub = stack.enter_context(
                serve_hub(folder / backend, url, backend, keys_dir=folder / "keys")
            )
            sides.append(Side(hub, hub.new_gsp(SHOP), hub.new_provider()))
        body = encode(event_template())
        issued = [side.hub.post_event(side.gsp, body, webhook_id="msg_first") for side in sides]
        assert [answer.status_code for answer in issued] == [200, 200]
        first = [answer.json()["vouchers"] for answer in issued]
        assert [v["id"] for v in first[0]] == [v["id"] for v in first[1]]
        voucher = next(v for v in first[0] if v["program"] == "support-24m")
        for side in sides:  # one holder secret on both
            set_holder_secret(side.hub, voucher["id"], voucher["holder_secret"])
        yield HubPair(sides, voucher)


def set_holder_secret(hub: LiveHub, voucher_id: str, secret: str) -> None:
    with hub.database.transaction() as session:
        session.execute(
            update(Voucher).where(Voucher.id == voucher_id).values(holder_digest=digest(secret))
        )
