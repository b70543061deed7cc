"""``ascc store serve`` on a busy port: one clear line and a non-zero exit, before any banner."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from simulator import services


def test_store_serve_refuses_a_busy_port_at_once(tmp_path: Path, kit: Any) -> None:
    config = kit.write_config(tmp_path, "shopify")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        started = time.monotonic()
        done = services.ascc(
            "store", "serve", "--config", str(config.path), "--port", str(port), timeout=60
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"Error: cannot listen on 127.0.0.1:{port}: already in use\n"
    assert time.monotonic() - started < 20  # not gunicorn's five one-second retries on top
    assert not config.store.state_db.exists()  # refused before the store was built
