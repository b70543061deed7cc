"""What the hardening costs, and what a hostile event costs the hub, measured in one run.

In-process (Flask's test client, a SQLite hub in a temporary folder):

* signed events per second: a normal one-unit event (issued), beside hostile ones the hub now
  refuses before any work — 10⁷ units on a line (once 1.7 GB of a worker), a 241-character name,
  a year-9999 order — so the ratio shows a hostile event costs no more than a normal one;
* a holder's ``GET /api/v1/vouchers/{id}`` with the authentication-failure rate limits on and
  off (the limits' cost on every request);
* opening a store's sealed signing secret (Fernet) beside the HMAC check it enables.

    .venv/bin/python benchmarks/bench_hardening.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ascc_plugin.sealing import Seal  # noqa: E402
from ascc_plugin.signatures import sign_standard, standard_headers  # noqa: E402
from center import create_app, migrate  # noqa: E402
from center.api.hub import current_hub  # noqa: E402
from center.infra.db import get_database  # noqa: E402
from center.infra.secrets import open_text, seal_text  # noqa: E402
from center.parties import services as parties  # noqa: E402
from center.settings import HubSettings  # noqa: E402
from tests.common.hub import Party, event_body  # noqa: E402


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (best of three rounds)."""
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while time.perf_counter() < start + seconds / 3:
            fn()
            count += 1
        best = max(best, count / (time.perf_counter() - start))
    return best


def hub(folder: Path, limits: bool) -> tuple[Any, Party]:
    url = f"sqlite:///{folder / 'hub.sqlite'}"
    app = create_app(HubSettings(database_url=url, keys_dir=folder / "keys", rate_limits=limits))
    migrate.upgrade(get_database(app))
    with app.app_context(), get_database(app).transaction() as session:
        made = parties.add_gsp(
            session, name="B", platform="shopify", shop="bench.example", now=current_hub().clock()
        )
    return app, Party(made["gsp_id"], made["api_key"], made["signing_secret"], "bench.example")


def poster(client: Any, gsp: Party, body: bytes, status: int) -> Callable[[], None]:
    counter = iter(range(10**9))

    def post() -> None:
        webhook_id = f"msg_{next(counter)}"
        headers = {"ASCC-Domain": gsp.shop, "Content-Type": "application/json"}
        headers |= standard_headers(gsp.secret, webhook_id, int(time.time()), body)
        answer = client.post("/api/v1/events", data=body, headers=headers)
        assert answer.status_code == status, answer.get_data()[:300]

    return post


def holder_view(app: Any, gsp: Party) -> Callable[[], object]:
    """A holder reading a voucher just issued by ``app``."""
    client = app.test_client()
    body = event_body(gsp, order_id="o-view")
    headers = {"ASCC-Domain": gsp.shop, "Content-Type": "application/json"}
    headers |= standard_headers(gsp.secret, "msg_view", int(time.time()), body)
    first = client.post("/api/v1/events", data=body, headers=headers).get_json()["vouchers"][0]
    auth = {"Authorization": f"Bearer {first['holder_secret']}"}
    path = f"/api/v1/vouchers/{first['id']}"
    return lambda: client.get(path, headers=auth)


def hostile(gsp: Party, change: Callable[[dict[str, Any]], None]) -> bytes:
    document = json.loads(event_body(gsp, order_id="o-hostile"))
    change(document["event"]["order"])
    return json.dumps(document).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    seconds = parser.parse_args().seconds
    with tempfile.TemporaryDirectory() as tmp:
        app, gsp = hub(Path(tmp) / "on", limits=True)
        client = app.test_client()
        normal = rate(poster(client, gsp, event_body(gsp, order_id="o-bench"), 200), seconds)
        print(f"normal one-unit event (replayed order)   {normal:8.0f} events/s")
        cases = {
            "10⁷ units on a line": lambda o: o["lines"][0].update(quantity=10**7),
            "241-character name": lambda o: o["customer"].update(name="N" * 241),
            "placed in year 9999": lambda o: o.update(placed_at="9999-12-31T00:00:00+00:00"),
        }
        for name, change in cases.items():
            refused = rate(poster(client, gsp, hostile(gsp, change), 422), seconds)
            print(f"hostile: {name:<31} {refused:8.0f} events/s  ({refused / normal:.2f}× normal)")
        print()
        for label, limits in (("on", True), ("off", False)):
            view_app, view_gsp = hub(Path(tmp) / f"view-{label}", limits)
            reads = rate(holder_view(view_app, view_gsp), seconds)
            print(f"holder GET voucher, rate limits {label:<4}      {reads:8.0f} requests/s")
        print()
        seal = Seal.for_file(Path(tmp) / "secrets.key")
        sealed = seal_text(seal, gsp.secret)
        opened = rate(lambda: open_text(seal, sealed), seconds)
        body = event_body(gsp, order_id="o-bench")
        hmac = rate(lambda: sign_standard(gsp.secret, "msg_1", 1, body), seconds)
        print(f"open a sealed signing secret (Fernet)    {opened:8.0f} /s")
        print(f"HMAC-SHA256 of one event (what it signs) {hmac:8.0f} /s  ({hmac / opened:.1f}×)")


if __name__ == "__main__":
    main()
