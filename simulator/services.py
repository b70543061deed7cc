"""Real ASCC services as child processes on loopback: ``ascc center serve``, ``ascc store serve``.

Used by ``ascc demo``, the end-to-end tests and the benchmarks, so that each drives the very
commands a center operator or a store owner runs. Readiness is waited for on ``/healthz`` with a
deadline; stopping is SIGTERM (graceful), or SIGKILL to simulate a crash.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

ASCC = str(Path(sys.executable).with_name("ascc"))
READY_SECONDS = 30.0


class ServiceError(RuntimeError):
    """A service did not become ready in time or exited early; the message holds its log tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Service:
    """One ``ascc`` server process, with its log file and its base URL."""

    name: str
    args: Sequence[str]
    port: int
    log: Path
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_seconds: float = READY_SECONDS) -> Service:
        """Start the process and return once ``/healthz`` answers 200."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [ASCC, *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        self.wait_ready(ready_seconds)
        return self

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with requests.Session() as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise ServiceError(
                        f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    if session.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                        return
                except requests.ConnectionError:
                    pass
                time.sleep(0.05)  # the next probe; bounded by the deadline above
        raise ServiceError(f"{self.name} not ready after {seconds:.0f} s:\n{self.log_tail()}")

    def stop(self, kill: bool = False, seconds: float = 15.0) -> None:
        """SIGTERM (graceful) or SIGKILL (a crash) to the whole process group; wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(seconds)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def center_env(folder: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """The ``ASCC_*`` settings of a hub kept in ``folder`` (SQLite there unless a URL is given)."""
    return {
        "ASCC_DATABASE_URL": database_url or f"sqlite:///{folder / 'center.sqlite'}",
        "ASCC_KEYS_DIR": str(folder / "keys"),
        "ASCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }


def center_service(
    folder: Path, port: int | None = None, *, workers: int = 2, database_url: str | None = None
) -> Service:
    """``ascc center serve`` on ``folder`` (not started)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = ["center", "serve", "--port", str(port), "--workers", str(workers)]
    return Service(
        "center", args, port, folder / "center.log", center_env(folder, port, database_url)
    )


def store_service(config: Path, port: int | None = None, *, workers: int = 2) -> Service:
    """``ascc store serve --config CONFIG`` (not started); logs beside the config file."""
    port = port or free_port()
    args = [
        "store",
        "serve",
        "--config",
        str(config),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return Service(f"store {config.parent.name}", args, port, config.parent / "store.log")


def ascc_run(args: Sequence[str], env: Mapping[str, str]) -> str:
    """Run a one-shot ``ascc`` command (``init-db`` …) and return what it printed."""
    done = subprocess.run(
        [ASCC, *args], capture_output=True, text=True, check=False, env={**os.environ, **env}
    )
    if done.returncode != 0:
        raise ServiceError(f"ascc {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def ascc_json(args: Sequence[str], env: Mapping[str, str]) -> dict[str, object]:
    """Run a one-shot ``ascc`` command that prints JSON (``add-gsp``, ``add-provider`` …)."""
    answer: dict[str, object] = json.loads(ascc_run(args, env))
    return answer
