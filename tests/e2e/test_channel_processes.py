"""The channel across real processes: two ``ascc center serve`` on one PostgreSQL database
with the doorbell on a Redis of the test's own; the ``websockets`` client on each side.

A conversation held across the two hubs; a Redis killed while frames flow; a hub SIGKILLed
with its clients failing over to the other — every frame arrives once, in order, on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ascc_plugin.channel.client import CaseChannel, Frame
from simulator.channel_hubs import Hubs, open_cases, start_hubs
from tests.common.channel import RedisServer, prefix
from tests.common.postgres import fresh_database, require_postgres

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def hubs(tmp_path: Path, redis_server: RedisServer) -> Iterator[Hubs]:
    require_postgres()
    settings = {"ASCC_HUB_REDIS_PREFIX": prefix(), "ASCC_HUB_CHANNEL_POLL_SECONDS": "1"}
    with fresh_database("ascc_channel") as url:
        running = start_hubs(tmp_path, url, redis_server.url, settings=settings)
        yield running
        running.stop(kill=True)


def sides(hubs: Hubs, holder_url: str | list[str], provider_url: str | list[str]) -> tuple[
    CaseChannel, CaseChannel
]:  # fmt: skip
    voucher = open_cases(hubs)[0]
    holder = CaseChannel(holder_url, voucher["id"], voucher["holder_secret"])
    provider = CaseChannel(provider_url, voucher["id"], str(hubs.provider["api_key"]))
    holder.token = voucher["token"]  # type: ignore[attr-defined]
    return holder, provider


def seqs(frames: list[Frame]) -> list[int]:
    return [frame.seq for frame in frames]


def test_two_clients_on_two_hubs_arrange_the_service_and_redeem(hubs: Hubs) -> None:
    holder, provider = sides(hubs, hubs.urls[0], hubs.urls[1])
    holder.connect()
    provider.connect()
    holder.wait_ack(holder.message("The washer leaks at the hose."))
    provider.wait_ack(provider.message("I can come on Tuesday morning."))
    proposed = provider.wait_ack(
        provider.propose("2026-12-01T08:00:00Z", "2026-12-01T10:00:00Z", place="Main St 1")
    )
    holder.wait_ack(holder.accept(proposed))
    holder.wait_ack(holder.present_voucher(holder.token))  # type: ignore[attr-defined]
    arrived = provider.frames_until(lambda f: f.type == "voucher")
    claims = provider.verify_voucher(arrived[-1], provider.verifier())  # offline from here
    assert claims["sub"] == provider.voucher_id
    assert provider.redeem(arrived[-1].body["token"]).status_code == 200
    everything = arrived + provider.frames_until(lambda f: f.body.get("event") == "redeemed")
    on_holder = holder.frames_until(lambda f: f.body.get("event") == "redeemed", timeout=10)
    assert seqs(everything) == seqs(on_holder) == list(range(1, 8))
    assert [f.type for f in on_holder] == [
        "system", "message", "message", "proposal", "accept", "voucher", "system",
    ]  # fmt: skip
    assert on_holder == everything  # the same frames, the same bodies, on both hubs
    holder.close()
    provider.close()


def test_killing_redis_while_frames_flow_loses_none(hubs: Hubs, redis_server: RedisServer) -> None:
    holder, provider = sides(hubs, hubs.urls[0], hubs.urls[1])
    holder.connect()
    provider.connect()
    for n in range(20):
        if n == 10:
            redis_server.kill()
        holder.wait_ack(holder.message(f"m{n}"))
    received = provider.frames_until(lambda f: f.seq == 21, timeout=30)  # the safety poll
    assert seqs(received) == list(range(1, 22))
    assert [f.body["text"] for f in received[1:]] == [f"m{n}" for n in range(20)]
    holder.close()
    provider.close()


def test_a_sigkilled_hub_s_clients_reconnect_to_the_other_and_miss_nothing(hubs: Hubs) -> None:
    holder, provider = sides(hubs, hubs.urls[1], hubs.urls)  # the provider starts on hub 0
    holder.connect()
    provider.connect()
    for n in range(5):
        holder.wait_ack(holder.message(f"before {n}"))
    seen = provider.frames_until(lambda f: f.seq == 6)
    hubs.services[0].stop(kill=True)
    for n in range(5):
        holder.wait_ack(holder.message(f"after {n}"))
    seen += provider.frames_until(lambda f: f.seq == 11, timeout=30)
    assert seqs(seen) == list(range(1, 12))
    assert provider.connects == 2 and provider.base_url == hubs.urls[1]
    holder.close()
    provider.close()
