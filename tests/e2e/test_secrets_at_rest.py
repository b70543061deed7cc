"""No secret at rest in plain text, and every file private (real processes, ``center`` mode).

A hub and a store on SQLite issue and deliver 100 vouchers. The store delivers by e-mail to an
SMTP server in this test (aiosmtpd), a channel that writes nothing to the store's folder, and
gets both its signing secrets from the environment (none in its ``ascc.toml``). Then the raw
bytes of every file under the hub's and the store's folders — databases, their WAL and shared
memory files, logs, keys, the outbox — hold no holder secret (taken from the e-mails) and no
signing secret, while the processes run and after they stopped; and every file is mode 0600.
"""

from __future__ import annotations

import email
import email.policy
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.settings import write_settings_file
from simulator.services import Service, free_port, store_service
from simulator.stack import PROGRAMS, outbox_status, prepare_center

pytestmark = pytest.mark.slow

ORDERS = 25  # one line of two units at 129.00: repair + installation each → 4 vouchers
VOUCHERS = 100
WEBHOOK_SECRET = "shpss_at-rest-storefront-secret"
HOLDER = re.compile(rb"hld_[A-Za-z0-9_-]{20,}")


class Mailbox:
    """Keeps every message the SMTP server accepts (in memory only)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(bytes(envelope.content))
        return "250 OK"

    def secrets(self) -> set[bytes]:
        """The holder secrets of the messages' text parts (decoded: lines may be folded)."""
        found: set[bytes] = set()
        for raw in self.messages:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            body = message.get_body(("plain",))
            assert isinstance(body, EmailMessage)
            found.update(HOLDER.findall(body.get_content().encode()))
        return found


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def store_in(folder: Path, center: Service, shop: str, smtp_port: int) -> Path:
    """A center-mode store whose file holds no secret (they come from the environment)."""
    return write_settings_file(
        folder / "ascc.toml",
        {
            "store": {"platform": "shopify", "shop": shop, "mode": "center"},
            "center": {"url": center.url, "retry_base_seconds": 0.05, "retry_cap_seconds": 0.5},
            "delivery": {
                "channels": ["email"],
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp_port,
                "smtp_from": "shop@example.com",
            },
            "programs": list(PROGRAMS),
        },
    )


def order(n: int) -> OrderSpec:
    line = LineSpec(id=8_000_000 + n, title=f"TV {n}", quantity=2, price="129.00")
    customer = CustomerSpec(id=500 + n, email=f"buyer{n}@example.com", first_name="Buyer")
    placed = datetime.now(UTC) - timedelta(days=1)  # within the programs' terms
    spec = OrderSpec(id=9_000_000 + n, lines=(line,), customer=customer, created_at=placed)
    return spec.evolve(paid=True, updated_at=placed)


def files_under(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def leaks(files: list[Path], secrets: set[bytes]) -> list[str]:
    found = []
    for path in files:
        data = path.read_bytes()
        found += [f"{path.name}: {secret[:12]!r}…" for secret in secrets if secret in data]
    return found


def test_no_secret_lies_in_plain_text_and_every_file_is_private(
    tmp_path: Path, mailbox: tuple[Mailbox, int], kit: Any
) -> None:
    box, smtp_port = mailbox
    center, registration = prepare_center(tmp_path / "center")
    store_folder = tmp_path / "store"
    store_folder.mkdir()
    store = store_service(store_in(store_folder, center, registration.shop, smtp_port))
    store.env = {
        "ASCC_CENTER_SIGNING_SECRET": registration.signing_secret,
        "ASCC_STORE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    try:
        center.start()
        store.start()
        emulator = ShopifyEmulator(WEBHOOK_SECRET, registration.shop)
        sent = [
            emulator.order_request("orders/paid", order(n)).send(store.url) for n in range(ORDERS)
        ]
        assert {answer.status_code for answer in sent} == {200}
        kit.wait_for(lambda: len(box.messages) >= VOUCHERS, 60, "100 vouchers e-mailed")
        config = store_folder / "ascc.toml"
        kit.wait_for(
            lambda: outbox_status(config)["counts"]["sent"] == ORDERS, 30, "every event sent"
        )
        holder_secrets = box.secrets()
        assert len(holder_secrets) == VOUCHERS
        signing = registration.signing_secret.encode()
        secrets = holder_secrets | {signing, signing.removeprefix(b"whsec_")}
        secrets.add(WEBHOOK_SECRET.encode())
        running = files_under(center.log.parent, store_folder)
        assert any(path.name.endswith("-wal") for path in running)  # WAL files are grepped too
        assert leaks(running, secrets) == []
    finally:
        store.stop()
        center.stop()
    stopped = files_under(center.log.parent, store_folder)
    assert leaks(stopped, secrets) == []
    modes = {str(path.relative_to(tmp_path)): stat.S_IMODE(path.stat().st_mode) for path in stopped}
    assert {name: oct(mode) for name, mode in modes.items() if mode != 0o600} == {}
