"""The customer's whole journey in the page, on any live site (the hub in a thread, ``ascc
center serve``, a store in gsp mode): the customer acts in chromium only; the provider's side
goes through the API and the Python channel client, as a provider's tools would.

Every state is checked with axe-core and photographed; the QR code is read back from the
screen with zxing-cpp and must be the voucher's signed token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from ascc_plugin.channel.client import CaseChannel
from tests.pages.browser import Shots, assert_accessible

WAIT_MS = 15_000
STEPS = 7  # screenshots of one journey


@dataclass(frozen=True)
class Site:
    """Where the customer and the provider go, and the provider who will be chosen."""

    url: str
    provider_id: str
    provider_key: str

    def call(self, method: str, path: str, key: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {key}"}
        return requests.request(method, self.url + path, headers=headers, timeout=15, **kwargs)


def state_of(page: Page, state: str) -> None:
    expect(page.locator("#state")).to_have_attribute("data-state", state, timeout=WAIT_MS)


def checked(page: Page, shots: Shots, step: str) -> None:
    assert_accessible(page, step)
    shots.take(page, step)


def qr_text(page: Page, folder: Path) -> str:
    """What a scanner reads from the QR code as the page shows it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qr.png"
    page.locator("#qr svg").screenshot(path=str(path))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert found, "no QR code could be read from the page"
    return str(found[0].text)


def walk(page: Page, site: Site, voucher: dict[str, Any], shots: Shots) -> None:
    """Open the link, then issued → activated → assigned → in_service → completed → assessed
    → rewarded, the customer acting in ``page`` only."""
    page.goto(voucher["holder_url"])
    opened(page, voucher, shots)
    chosen(page, site, shots)
    side = CaseChannel(site.url, voucher["id"], site.provider_key, timeout=10)
    side.connect()
    try:
        talked(page, side, shots)
        served(page, site, side, voucher, shots)
    finally:
        side.close()
    rewarded(page, site, voucher, shots)


def opened(page: Page, voucher: dict[str, Any], shots: Shots) -> None:
    state_of(page, "issued")
    expect(page.locator("#program")).to_have_text(voucher["program"])
    box = page.locator("#qr svg").bounding_box()
    assert box is not None and box["width"] >= 160 and box["height"] >= 160
    assert qr_text(page, shots.folder) == voucher["token"]
    checked(page, shots, "issued")


def chosen(page: Page, site: Site, shots: Shots) -> None:
    page.get_by_role("button", name="Activate voucher").click()
    state_of(page, "activated")
    choice = page.locator(f"input[value='{site.provider_id}']")
    expect(choice).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#directory")).to_contain_text("reviews")
    checked(page, shots, "activated-directory")
    choice.check()
    page.get_by_role("button", name="Choose this provider").click()
    state_of(page, "assigned")
    expect(page.locator("#connection")).to_have_text("Connected.", timeout=WAIT_MS)
    expect(page.locator("#messages li[data-type=system]")).to_have_count(1, timeout=WAIT_MS)


def talked(page: Page, side: CaseChannel, shots: Shots) -> None:
    """Messages both ways and an appointment the customer accepts."""
    side.wait_ack(side.message("Hello, when can you bring it?"))
    start = datetime.now(UTC) + timedelta(days=1)
    window = (start.isoformat(), (start + timedelta(hours=2)).isoformat())
    proposal = side.wait_ack(side.propose(*window, place="Main St 1"))
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


def served(
    page: Page, site: Site, side: CaseChannel, voucher: dict[str, Any], shots: Shots
) -> None:
    """The customer sends the voucher; the provider redeems the presented token, completes."""
    page.get_by_role("button", name="Send my voucher").click()
    presented = side.frames_until(lambda f: f.type == "voucher")[-1]
    assert presented.body["token"] == voucher["token"]
    assert side.redeem(presented.body["token"]).status_code == 200
    state_of(page, "in_service")
    expect(page.get_by_role("button", name="Send my voucher")).to_be_hidden()
    checked(page, shots, "in-service")
    path = f"/api/v1/vouchers/{voucher['id']}/complete"
    done = site.call("POST", path, site.provider_key, json={"notes": "Fixed"})
    assert done.status_code == 200, done.text
    state_of(page, "completed")
    checked(page, shots, "completed-assess")


def rewarded(page: Page, site: Site, voucher: dict[str, Any], shots: Shots) -> None:
    """Assess with 5, release the incentive, the provider sees it and redeems it."""
    page.get_by_label("5", exact=True).check()
    page.get_by_label("Comment (optional)").fill("<b>Great</b> service")
    page.get_by_role("button", name="Send assessment").click()
    state_of(page, "assessed")
    expect(page.locator("#incentive-state")).to_have_attribute("data-state", "issued")
    checked(page, shots, "assessed-incentive")
    page.get_by_role("button", name="Release to the provider").click()
    expect(page.locator("#incentive-state")).to_have_attribute(
        "data-state", "released", timeout=WAIT_MS
    )
    expect(page.get_by_role("button", name="Release to the provider")).to_be_hidden()
    mine = site.call("GET", f"/v/{voucher['id']}/state", voucher["holder_secret"]).json()
    incentive = mine["incentive"]
    seen = site.call("GET", f"/api/v1/incentives/{incentive['id']}", site.provider_key).json()
    assert seen["state"] == "released" and seen["token"] is None  # the token is the customer's
    path = f"/api/v1/incentives/{incentive['id']}/redeem"
    redeemed = site.call("POST", path, site.provider_key, json={"token": incentive["token"]})
    assert redeemed.status_code == 200, redeemed.text
    state_of(page, "rewarded")
    checked(page, shots, "rewarded")
