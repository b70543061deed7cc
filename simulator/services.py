"""Real ASCC services as child processes on loopback: ``ascc center serve``, ``ascc store serve``.

Used by ``ascc demo``, the end-to-end tests and the benchmarks, so that each drives the very
commands a center operator or a store owner runs; one-shot commands run through
:func:`run_command` / :func:`ascc`, long-running ones as a :class:`Service` or :func:`spawn`.
Readiness is waited for on ``/healthz`` with a deadline; stopping is SIGTERM (graceful), or
SIGKILL to simulate a crash.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import requests

ASCC = str(Path(sys.executable).with_name("ascc"))
READY_SECONDS = 30.0


T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """:func:`poll_until` gave up; the message names what was awaited and the last answer."""


def poll_until(probe: Callable[[], T | None], what: str, seconds: float, every: float = 0.05) -> T:
    """The first answer of ``probe`` that is not ``None``, polling every ``every`` seconds.

    For what another process does (a log line, a database row, a listening port): there is no
    event to wait on across processes, so poll — always against a deadline.
    """
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    last: T | None = None
    while True:
        last = probe()
        if last is not None:
            return last
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"{what}: not within {seconds:.0f} s")
        pause.wait(every)


class ServiceError(RuntimeError):
    """A service did not become ready in time or exited early; the message holds its log tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` (a bind succeeds)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


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
        self.launch()
        self.wait_ready(ready_seconds)
        return self

    def launch(self) -> Service:
        """Start the process without waiting (then :meth:`wait_ready`: several start at once).

        A port someone else listens on is refused here: probing ``/healthz`` there would ask
        that other server, not ours.
        """
        if not port_is_free(self.port):
            raise ServiceError(f"{self.name}: 127.0.0.1:{self.port} is already in use")
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as log:
            self.process = subprocess.Popen(
                [ASCC, *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        return self

    def wait_ready(self, seconds: float) -> None:
        with requests.Session() as session:
            try:
                poll_until(lambda: self._healthy(session), f"{self.name} /healthz", seconds)
            except WaitTimeout:
                raise ServiceError(
                    f"{self.name} not ready after {seconds:.0f} s:\n{self.log_tail()}"
                ) from None

    def _healthy(self, session: requests.Session) -> bool | None:
        """``True`` once ``/healthz`` answers 200; ServiceError if the process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
            )
        try:
            return (
                True if session.get(f"{self.url}/healthz", timeout=1).status_code == 200 else None
            )
        except (requests.ConnectionError, requests.Timeout):
            return None

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


def run_command(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    timeout: float = 120.0,
    cwd: Path | None = None,
    inherit: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a program to its end with ``env`` added to ours (``inherit=False``: ``env`` only);
    its exit code and text output. The one way the project starts a one-shot process (a
    non-zero exit is the caller's to judge)."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        cwd=cwd,
        env={**(os.environ if inherit else {}), **(env or {})},
    )


def ascc(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120.0, inherit: bool = True
) -> subprocess.CompletedProcess[str]:
    """``ascc ARGS…`` run to its end (see :func:`run_command`)."""
    return run_command([ASCC, *args], env, timeout=timeout, inherit=inherit)


def spawn(argv: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start a program whose standard output the caller reads line by line (text)."""
    return subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )


def run_ascc(args: Sequence[str], env: Mapping[str, str]) -> str:
    """Run a one-shot ``ascc`` command (``center init-db``, ``center add-gsp`` …); its stdout."""
    done = ascc(*args, env=env)
    if done.returncode != 0:
        raise ServiceError(f"ascc {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def ascc_json(args: Sequence[str], env: Mapping[str, str]) -> dict[str, object]:
    """Run a one-shot ``ascc`` command that prints a JSON object."""
    answer: dict[str, object] = json.loads(run_ascc(args, env))
    return answer
