"""The customer's voucher page in a real chromium on a 360 px phone, through every state, on a
live hub (the real app on loopback): axe-core at every state, a screenshot per step, the QR
code read back from the screen, and the holder secret in no server log line."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from tests.common.hub import LiveHub
from tests.pages.browser import Shots
from tests.pages.journey import STEPS, Site, walk
from tests.pages.live import issue_voucher, server_log


def test_the_customer_walks_every_state_on_a_phone(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots, tmp_path: Path
) -> None:
    provider = page_hub.new_provider(categories=("repair",))
    page_hub.new_provider(categories=("repair",))  # a second choice in the directory
    voucher = issue_voucher(page_hub)
    site = Site(page_hub.base_url, provider.id, provider.key)
    with server_log(tmp_path / "server.log") as log:
        page = phone.new_page()
        walk(page, site, voucher, shots)
        expect(page.locator("#provider-name")).to_contain_text("Fixit (Berlin)")
        timeline = page.locator("#timeline li")
        expect(timeline.first).to_contain_text("Issued")
        expect(page.locator("#timeline")).to_contain_text("Appointment agreed")
        expect(timeline.last).to_contain_text("Rewarded")
        expect(page.locator("#messages")).to_contain_text("Thank-you: Redeemed by the provider")
        page.close()
    text = log.read_text()
    assert f"/v/{voucher['id']}" in text and "/ws/cases/" in text  # the log saw the journey
    secret = voucher["holder_secret"]
    assert secret not in text and secret.removeprefix("hld_") not in text
    assert len(shots.taken) == STEPS and all(shot.stat().st_size for shot in shots.taken)
