"""``make run PORT=…``: the port reaches both the demo seed and the server (read with make -n)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def planned(*args: str) -> list[str]:
    done = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [line for line in done.stdout.splitlines() if "ascc center " in line]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_port_to_demo_seed_and_serve() -> None:
    seed, serve = planned("PORT=5055")
    assert "center demo-seed --dir .demo --port 5055" in seed
    assert serve.startswith("ASCC_CONFIG=.demo/ascc.toml ")
    assert serve.endswith("center serve --port 5055")
    assert [line.rsplit(" ", 1)[-1] for line in planned()] == ["5000", "5000"]
