"""``ascc center demo-seed --port P`` (what ``make run PORT=P`` runs): links and settings say P."""

from __future__ import annotations

import os
from pathlib import Path

from simulator.services import ascc


def test_demo_seed_uses_the_port_everywhere(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASCC_")}
    folder = tmp_path / "demo"
    done = ascc(
        "center",
        "demo-seed",
        "--dir",
        str(folder),
        "--port",
        "5055",
        env=env,
        timeout=60,
        inherit=False,
    )
    assert done.returncode == 0, done.stderr
    assert 'public_url = "http://127.0.0.1:5055"' in (folder / "ascc.toml").read_text()
    assert "http://127.0.0.1:5055/openapi.json" in done.stdout
    assert "http://127.0.0.1:5055/provider/" in done.stdout  # the pages, on the same port
    assert "http://127.0.0.1:5055/admin/" in done.stdout and "/v/" in done.stdout
    assert "127.0.0.1:5000" not in done.stdout
