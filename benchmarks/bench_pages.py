"""Server-side rendering stays cheap: the customer page ``/v/<id>``, the provider console
(``/provider/`` and a case page) and the operator dashboard beside the hub's ``/healthz`` in
the same run, through a real ``ascc center serve`` (gunicorn) on loopback, driven by wrk.

Each page is measured with the cookie of a signed-in session (the console's and the
dashboard's) sent as a header (wrk keeps no cookies); the marketplace holds a few seeded vouchers
so the pages have something to render. Printed per page: requests/s, the ratio to the
``/healthz`` floor of the same run (goal >= 0.5) and the server time per page — wrk's p50 and
p99 latency with one connection (loopback adds well under a millisecond; goal < 100 ms).

    .venv/bin/python benchmarks/bench_pages.py [--seconds 5] [--connections 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_center import cli, free_port, signed_event, wait_up  # noqa: E402

ASCC = str(Path(sys.executable).parent / "ascc")
SEEDED = 20  # vouchers, all assigned to the console's provider
GOAL_RATIO = 0.5
GOAL_MS = 100.0
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def wrk_get(url: str, seconds: int, connections: int, cookie: str | None) -> dict[str, Any]:
    """wrk on one GET (with ``cookie``), parsed from its --latency report."""
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections)]
    command += ["-d", f"{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    percent = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            percent[parts[0]] = milliseconds(parts[1])
    rate = float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])
    errors = next((int(x.split()[-1]) for x in out.splitlines() if "Non-2xx" in x), 0)
    return {
        "per_second": rate,
        "p50_ms": percent["50%"],
        "p99_ms": percent["99%"],
        "errors": errors,
    }


def milliseconds(value: str) -> float:
    number = float(value.rstrip("usm"))
    if value.endswith("us"):
        return number / 1000
    return number if value.endswith("ms") else number * 1000


def seed(base: str, gsp: dict[str, str], shop: str, provider: dict[str, str]) -> list[str]:
    """:data:`SEEDED` vouchers, activated and assigned to ``provider``; their ids."""
    ids = []
    for n in range(SEEDED):
        headers, body = signed_event(gsp, shop, f"bench-{n}")
        answer = requests.post(base + "/api/v1/events", data=body, headers=headers, timeout=30)
        answer.raise_for_status()
        voucher = answer.json()["vouchers"][0]
        path, holder = f"{base}/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
        auth = {"Authorization": f"Bearer {holder}"}
        requests.post(path + "/activate", headers=auth, timeout=30).raise_for_status()
        chosen = {"provider_id": provider["provider_id"]}
        requests.post(path + "/assign", json=chosen, headers=auth, timeout=30).raise_for_status()
        ids.append(voucher["id"])
    return ids


def signed_in_cookie(base: str, area: str, key: str) -> str:
    """``ascc_staff=…`` of a fresh session (the cookie is Secure: carried by hand over http)."""
    page = requests.get(f"{base}/{area}/signin", timeout=30)
    before = page.cookies.get("ascc_staff") or cookie_value(page)
    token = CSRF_FIELD.search(page.text)
    assert token is not None, f"no sign-in form on /{area}/signin"
    answer = requests.post(
        f"{base}/{area}/signin",
        data={"csrf_token": token.group(1), "key": key},
        headers={"Cookie": f"ascc_staff={before}"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 303:
        raise SystemExit(f"/{area}/signin answered {answer.status_code}")
    return f"ascc_staff={cookie_value(answer)}"


def cookie_value(answer: requests.Response) -> str:
    header = answer.headers.get("Set-Cookie", "")
    found = re.search(r"ascc_staff=([^;]*)", header)
    assert found is not None, "no session cookie set"
    return found.group(1)


def measure(base: str, pages: dict[str, tuple[str, str | None]], args: Any) -> dict[str, Any]:
    wrk_get(base + "/healthz", 1, args.connections, None)  # warm-up
    results: dict[str, Any] = {"/healthz": wrk_get(base + "/healthz", args.seconds,
                                                   args.connections, None)}  # fmt: skip
    for name, (path, cookie) in pages.items():
        wrk_get(base + path, 1, args.connections, cookie)  # warm-up
        shown = wrk_get(base + path, args.seconds, args.connections, cookie)
        alone = wrk_get(base + path, max(2, args.seconds // 2), 1, cookie)
        shown["server_p50_ms"], shown["server_p99_ms"] = alone["p50_ms"], alone["p99_ms"]
        results[name] = shown
    return results


def report(results: dict[str, Any], args: Any) -> None:
    floor = results["/healthz"]["per_second"]
    print(f"wrk {args.connections} connections, {args.seconds} s per page, gunicorn "
          f"{args.workers} workers, SQLite, {SEEDED} assigned vouchers")  # fmt: skip
    print(f"{'page':<28}{'req/s':>10}{'ratio':>8}{'p50 ms':>9}{'server p50':>12}{'p99':>8}")
    for name, row in results.items():
        ratio = row["per_second"] / floor
        server = row.get("server_p50_ms", row["p50_ms"])
        server99 = row.get("server_p99_ms", row["p99_ms"])
        marks = "" if name == "/healthz" else ("" if ratio >= GOAL_RATIO else "  < goal")
        errors = f"  ({row['errors']} non-2xx)" if row["errors"] else ""
        print(f"{name:<28}{row['per_second']:>10.0f}{ratio:>8.2f}{row['p50_ms']:>9.2f}"
              f"{server:>12.2f}{server99:>8.2f}{marks}{errors}")  # fmt: skip
    slowest = max(r.get("server_p99_ms", 0.0) for r in results.values())
    print(f"goal: ratio >= {GOAL_RATIO} of /healthz; slowest server p99 {slowest:.2f} ms "
          f"(goal < {GOAL_MS:.0f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = Path(tmp)
        admin_key = "adm_" + os.urandom(24).hex()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "ASCC_DATABASE_URL": f"sqlite:///{folder / 'hub.sqlite'}",
            "ASCC_KEYS_DIR": str(folder / "keys"),
            "ASCC_ADMIN_KEY": admin_key,
            "ASCC_PUBLIC_URL": base,
            "ASCC_HUB_RATE_LIMITS": "false",
        }
        env.pop("ASCC_CONFIG", None)
        cli(env, "init-db")
        shop = "bench.example"
        gsp = cli(env, "add-gsp", "--name", "Bench", "--platform", "shopify", "--shop", shop)
        provider = cli(env, "add-provider", "--name", "Fixit", "--categories", "repair",
                       "--capacity", "100000")  # fmt: skip
        command = [ASCC, "center", "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_up(base + "/healthz")
            ids = seed(base, gsp, shop, provider)
            console = signed_in_cookie(base, "provider", provider["api_key"])
            operator = signed_in_cookie(base, "admin", admin_key)
            pages = {
                "/v/<id> (customer)": (f"/v/{ids[0]}", None),
                "/provider/ (console)": ("/provider/", console),
                "/provider/cases/<id>": (f"/provider/cases/{ids[0]}", console),
                "/admin/ (dashboard)": ("/admin/", operator),
            }
            started = time.monotonic()
            results = measure(base, pages, args)
            report(results, args)
            print(f"measured in {time.monotonic() - started:.0f} s")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
