"""The customer's voucher page in a real chromium on a 360 px phone, through every state.

The customer acts in the page only; the provider's side (its messages and proposals, redeeming
the presented token, completing, redeeming the incentive) goes through the API and the Python
channel client, as a provider's tools would (the console-driven flow is part B's). At every
state the page is checked with axe-core and a screenshot is written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from ascc_plugin.channel.client import CaseChannel
from tests.common.hub import LiveHub, Party
from tests.pages.browser import Shots, assert_accessible
from tests.pages.live import issue_voucher, server_log

WAIT_MS = 15_000


def state_of(page: Page, state: str) -> None:
    expect(page.locator("#state")).to_have_attribute("data-state", state, timeout=WAIT_MS)


def checked(page: Page, shots: Shots, step: str) -> None:
    assert_accessible(page, step)
    shots.take(page, step)


def qr_text(page: Page, folder: Path) -> str:
    """What a scanner reads from the QR code as the page shows it."""
    path = folder / "qr.png"
    folder.mkdir(parents=True, exist_ok=True)
    page.locator("#qr svg").screenshot(path=str(path))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert found, "no QR code could be read from the page"
    return str(found[0].text)


def test_the_customer_walks_every_state_on_a_phone(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots, artefacts: Path, tmp_path: Path
) -> None:
    provider = page_hub.new_provider(categories=("repair",))
    other = page_hub.new_provider(categories=("repair",))
    voucher = issue_voucher(page_hub)
    secret, link = voucher["holder_secret"], voucher["holder_url"]
    with server_log(tmp_path / "server.log") as log:
        page = phone.new_page()
        page.goto(link)
        state_of(page, "issued")
        expect(page.locator("#program")).to_have_text("repair-12m")
        qr_box = page.locator("#qr svg").bounding_box()
        assert qr_box is not None and qr_box["width"] >= 160 and qr_box["height"] >= 160
        assert qr_text(page, artefacts) == voucher["token"]
        checked(page, shots, "issued")

        page.get_by_role("button", name="Activate voucher").click()
        state_of(page, "activated")
        expect(page.locator("#directory li")).to_have_count(2, timeout=WAIT_MS)
        expect(page.locator("#directory")).to_contain_text("reviews")
        expect(page.locator("#directory")).to_contain_text("Berlin")
        checked(page, shots, "activated-directory")

        page.locator(f"input[value='{provider.id}']").check()
        page.get_by_role("button", name="Choose this provider").click()
        state_of(page, "assigned")
        expect(page.locator("#provider-name")).to_contain_text("Fixit")
        expect(page.locator("#connection")).to_have_text("Connected.", timeout=WAIT_MS)
        expect(page.locator("#messages li[data-type=system]")).to_have_count(1, timeout=WAIT_MS)

        side = CaseChannel(page_hub.base_url, voucher["id"], provider.key, timeout=10)
        side.connect()
        side.wait_ack(side.message("Hello, when can you bring it?"))
        start = datetime.now(UTC) + timedelta(days=1)
        proposal = side.wait_ack(
            side.propose(start.isoformat(), (start + timedelta(hours=2)).isoformat(), "Main St 1")
        )
        expect(page.locator("#messages")).to_contain_text("when can you bring it", timeout=WAIT_MS)
        accept = page.get_by_role("button", name="Accept appointment")
        expect(accept).to_be_visible(timeout=WAIT_MS)
        checked(page, shots, "assigned-proposal")
        accept.click()
        answer = side.frames_until(lambda f: f.type == "accept")[-1]
        assert answer.body["proposal"] == proposal and answer.sender == "holder"
        expect(accept).to_have_count(0, timeout=WAIT_MS)

        page.get_by_label("Your message").fill("Tomorrow works, thanks!")
        page.get_by_role("button", name="Send message").click()
        said = side.frames_until(lambda f: f.type == "message" and f.sender == "holder")[-1]
        assert said.body["text"] == "Tomorrow works, thanks!"

        page.get_by_role("button", name="Send my voucher").click()
        presented = side.frames_until(lambda f: f.type == "voucher")[-1]
        assert presented.body["token"] == voucher["token"]
        assert side.redeem(presented.body["token"]).status_code == 200
        state_of(page, "in_service")
        checked(page, shots, "in-service")

        path = f"/api/v1/vouchers/{voucher['id']}"
        done = page_hub.call("POST", path + "/complete", provider.key, json={"notes": "Fixed"})
        assert done.status_code == 200, done.text
        state_of(page, "completed")
        checked(page, shots, "completed-assess")

        page.get_by_label("5", exact=True).check()
        page.get_by_label("Comment (optional)").fill("<b>Great</b> service")
        page.get_by_role("button", name="Send assessment").click()
        state_of(page, "assessed")
        expect(page.locator("#incentive-state")).to_have_attribute("data-state", "issued")
        expect(page.locator("#incentive-amount")).to_have_text("10.00 EUR")
        checked(page, shots, "assessed-incentive")

        page.get_by_role("button", name="Release to the provider").click()
        expect(page.locator("#incentive-state")).to_have_attribute(
            "data-state", "released", timeout=WAIT_MS
        )
        expect(page.get_by_role("button", name="Release to the provider")).to_be_hidden()
        seen = provider_incentive(page_hub, provider, secret, voucher["id"])
        assert seen["state"] == "released" and seen["token"] is None
        redeemed = page_hub.call(
            "POST",
            f"/api/v1/incentives/{seen['id']}/redeem",
            provider.key,
            json={"token": holder_incentive_token(page_hub, secret, seen["id"])},
        )
        assert redeemed.status_code == 200, redeemed.text
        state_of(page, "rewarded")
        checked(page, shots, "rewarded")
        assert other.id not in page.locator("#provider-name").inner_text()
        side.close()
        page.close()
    text = Path(log).read_text()
    assert f"/v/{voucher['id']}" in text  # the log did record the page's requests
    assert secret not in text and secret.removeprefix("hld_") not in text
    assert len(shots.taken) == 7


def provider_incentive(
    hub: LiveHub, provider: Party, secret: str, voucher_id: str
) -> dict[str, Any]:
    """The incentive as the provider who served sees it (found through the holder's view)."""
    state = hub.call("GET", f"/v/{voucher_id}/state", secret).json()
    incentive_id = state["incentive"]["id"]
    answer = hub.call("GET", f"/api/v1/incentives/{incentive_id}", provider.key)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def holder_incentive_token(hub: LiveHub, secret: str, incentive_id: str) -> str:
    answer = hub.call("GET", f"/api/v1/incentives/{incentive_id}", secret)
    return str(answer.json()["token"])
