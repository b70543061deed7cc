"""No silent loss in ``center`` mode: a voucher a delivery channel refuses is kept (sealed, in
the outbox file) and given again until the channel takes it — across a restart too — and
``ascc store outbox`` says what waits and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ascc_plugin.cli import build_cli
from ascc_plugin.client.handler import CenterHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.host import configure, get_plugin_manager, process_event
from ascc_plugin.models import Customer, OrderEvent
from ascc_plugin.settings import load_settings
from ascc_plugin.vouchers import Voucher
from tests.common.clock import FakeClock
from tests.common.receiver import Receiver
from tests.common.settings import center_store_config


class Flaky:
    """A channel that refuses its first ``failures`` vouchers, then takes every one."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.taken: list[tuple[str, str | None]] = []

    def deliver(self, voucher: Voucher, customer: Customer | None) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the SMS gateway is down")
        self.taken.append((voucher.id, voucher.holder_secret))


class OffersFlaky:
    def __init__(self, channel: Flaky) -> None:
        self.channel = channel

    @hookimpl
    def ascc_register_channels(self, register: Any) -> None:
        register("sms", lambda _settings: self.channel)


def store(path: Path, channel: Flaky, clock: FakeClock) -> CenterHandler:
    pm = get_plugin_manager(entrypoints=False)
    pm.register(OffersFlaky(channel))
    handler = configure(pm, load_settings(path, env={}))
    assert isinstance(handler, CenterHandler)
    handler.courier.clock = handler.outbox.clock = clock
    return handler


def test_a_refused_voucher_waits_sealed_and_is_given_again_until_taken(
    tmp_path: Path, receiver: Receiver, secret: str, sample_event: OrderEvent
) -> None:
    path = center_store_config(tmp_path, receiver.url, secret, channels=("sms",))
    clock, channel = FakeClock(), Flaky(failures=10)
    handler = store(path, channel, clock)
    process_event(handler.pm, sample_event)  # type: ignore[arg-type]
    assert handler.flush().count("sent") == 1
    waiting = handler.outbox.parcels_waiting()
    assert len(waiting) == 7 and channel.taken == []
    assert {p["last_error"] for p in waiting} == {"ConnectionError: the SMS gateway is down"}
    outbox_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("outbox.sqlite*"))
    assert b"hld_" not in outbox_bytes  # the secrets wait sealed
    handler.close()

    channel.failures = 3  # the gateway is back, mostly
    restarted = store(path, channel, clock)
    for _ in range(4):
        clock.sleep(3600)  # the longest wait between tries
        restarted.courier.drain()
    assert len(channel.taken) == 7 and restarted.outbox.parcels_waiting() == []
    assert len({voucher_id for voucher_id, _ in channel.taken}) == 7
    assert all(secret_ and secret_.startswith("hld_") for _, secret_ in channel.taken)
    restarted.close()


def test_the_outbox_command_lists_what_waits_for_a_channel(
    tmp_path: Path, receiver: Receiver, secret: str, sample_event: OrderEvent
) -> None:
    path = center_store_config(tmp_path, receiver.url, secret, channels=("sms",))
    handler = store(path, Flaky(failures=100), FakeClock())
    process_event(handler.pm, sample_event)  # type: ignore[arg-type]
    handler.flush()
    handler.close()
    pm = get_plugin_manager()
    pm.register(OffersFlaky(Flaky(0)))
    result = CliRunner().invoke(
        build_cli(pm), ["store", "outbox", "--json", "--config", str(path)], obj=pm
    )
    assert result.exit_code == 0, result.output
    parcels = json.loads(result.stdout)["parcels"]
    assert len(parcels) == 7 and {p["channel"] for p in parcels} == {"sms"}
    assert all(p["attempts"] == 1 for p in parcels)


def test_two_serving_processes_never_hand_the_same_voucher(
    tmp_path: Path, receiver: Receiver, secret: str, sample_event: OrderEvent
) -> None:
    """Each serving process runs a courier over the one outbox file: a claimed parcel is leased,
    so a second courier draining at the same moment takes only the others."""
    path = center_store_config(tmp_path, receiver.url, secret, channels=("sms",))
    clock = FakeClock()
    first = store(path, Flaky(failures=100), clock)
    process_event(first.pm, sample_event)  # type: ignore[arg-type]
    first.flush()  # sent; the seven parcels refused once and due again after their backoff
    clock.sleep(3600)
    one, other = Flaky(0), Flaky(0)
    a, b = store(path, one, clock), store(path, other, clock)
    claimed = a.outbox.claim_parcels(limit=4)  # a's courier is in the middle of these four
    b.courier.drain()  # meanwhile b drains: it gets the three a did not claim
    assert len(claimed) == 4 and len(other.taken) == 3
    assert {p.voucher_id for p in claimed}.isdisjoint(v for v, _ in other.taken)
    clock.sleep(a.outbox.lease_seconds)  # a died holding them: its lease runs out
    b.courier.drain()
    assert len(other.taken) == 7 and b.outbox.parcels_waiting() == []
    for handler in (first, a, b):
        handler.close()
