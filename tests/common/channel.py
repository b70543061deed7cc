"""Cases for channel tests: a voucher issued, activated and assigned on a live hub, and a
Redis server of the test's own (never the shared one) that a test may kill and restart."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ascc_plugin.channel.client import CaseChannel
from simulator.services import free_port, poll_until
from tests.common.hub import LiveHub, Party


@dataclass
class OpenCase:
    """A case: its voucher (with the holder secret) and its provider."""

    voucher: dict[str, Any]
    provider: Party
    gsp: Party

    @property
    def id(self) -> str:
        return str(self.voucher["id"])

    @property
    def holder_key(self) -> str:
        return str(self.voucher["holder_secret"])

    def holder(self, urls: Any, **options: Any) -> CaseChannel:
        return CaseChannel(urls, self.id, self.holder_key, **options)

    def provider_side(self, urls: Any, **options: Any) -> CaseChannel:
        return CaseChannel(urls, self.id, self.provider.key, **options)


def open_case(hub: LiveHub, provider: Party | None = None) -> OpenCase:
    """A fresh voucher, activated and assigned to ``provider`` (made if not given)."""
    gsp = hub.new_gsp()
    provider = provider or hub.new_provider()
    voucher = hub.issue(gsp)[0]
    secret = voucher["holder_secret"]
    path = f"/api/v1/vouchers/{voucher['id']}"
    assert hub.call("POST", path + "/activate", secret).status_code == 200
    assigned = hub.call("POST", path + "/assign", secret, json={"provider_id": provider.id})
    assert assigned.status_code == 200, assigned.text
    return OpenCase(voucher, provider, gsp)


class RedisServer:
    """``redis-server`` on a free loopback port, without persistence, owned by one test."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        poll_until(self.answers, f"redis-server on {self.port}", 10)
        return self

    def answers(self) -> bool | None:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping() or None
        except redis.RedisError:
            return None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def prefix() -> str:
    """A Redis channel prefix unique to one test run (parallel runs never collide)."""
    return f"ascc-test-{secrets.token_hex(4)}:"
