"""``make run PORT=…``: the port reaches both the demo seed and the server (read with make -n)."""

from __future__ import annotations

from pathlib import Path

from simulator.services import run_command

ROOT = Path(__file__).resolve().parents[2]


def planned(*args: str) -> list[str]:
    done = run_command(["make", "-n", "run", *args], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if "ascc center " in line]


def test_make_run_passes_port_to_demo_seed_and_serve() -> None:
    seed, serve = planned("PORT=5055")
    assert "center demo-seed --dir .demo --port 5055" in seed
    assert "center --config .demo/ascc.toml serve --port 5055" in serve
    assert [line.rsplit(" ", 1)[-1] for line in planned()] == ["5000", "5000"]
