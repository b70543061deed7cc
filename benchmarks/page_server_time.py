"""Server time of the customer page's requests beside ``/healthz``, in one run.

The hub's own app on SQLite, called through Flask's test client (no network, no client cost):
the public shell ``/v/<id>``, the holder's ``/v/<id>/state`` (voucher, history, incentive,
provider and the QR code's SVG) and ``/healthz``, each ``--requests`` times after a warm-up;
prints the median and p95 in milliseconds and each median's ratio to ``/healthz``'s. The
requests-per-second comparison over real HTTP is ``bench_pages.py``'s (the console's issue).

    .venv/bin/python benchmarks/page_server_time.py [--requests 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pages.live import issue_voucher, serve_pages_hub

WARM_UP = 20


def timings(client: Any, path: str, headers: dict[str, str], count: int) -> list[float]:
    """Milliseconds per request (whole body read), after :data:`WARM_UP` untimed ones."""
    found = []
    for n in range(WARM_UP + count):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        response.get_data()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if n >= WARM_UP:
            found.append(elapsed)
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder, serve_pages_hub(Path(folder)) as hub:
        voucher = issue_voucher(hub)
        client = hub.app.test_client()
        holder = {"Authorization": f"Bearer {voucher['holder_secret']}"}
        rows = [
            ("/healthz", timings(client, "/healthz", {}, count)),
            ("/v/<id> (shell)", timings(client, f"/v/{voucher['id']}", {}, count)),
            ("/v/<id>/state", timings(client, f"/v/{voucher['id']}/state", holder, count)),
        ]
    floor = statistics.median(rows[0][1])
    print(f"{'request':20} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10}")
    for name, found in rows:
        median = statistics.median(found)
        p95 = found[int(len(found) * 0.95)]
        print(f"{name:20} {median:10.2f} {p95:8.2f} {median / floor:10.1f}")


if __name__ == "__main__":
    main()
