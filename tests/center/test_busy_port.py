"""``ascc center serve`` on a busy port: one clear line and a non-zero exit, before any banner
and before the database is touched."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from simulator import services


def test_center_serve_refuses_a_busy_port_at_once(tmp_path: Path) -> None:
    env = {**os.environ, **services.center_env(tmp_path, 5000)}
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        done = services.ascc("center", "serve", "--port", str(port), env=env, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"Error: cannot listen on 127.0.0.1:{port}: already in use\n"
    assert not (tmp_path / "center.sqlite").exists()
