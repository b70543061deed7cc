"""The customer page by keyboard alone: the skip link first, then activate and choose a
provider with Tab, Space and Enter (no pointer)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.common.hub import LiveHub
from tests.pages.live import issue_voucher

WAIT_MS = 15_000


def tab_to(page: Page, selector: str, presses: int = 40) -> None:
    """Press Tab until the element of ``selector`` has the focus (fails after ``presses``)."""
    target = page.locator(selector)
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable by Tab")


def test_activate_and_choose_by_keyboard(page_hub: LiveHub, phone: BrowserContext) -> None:
    provider = page_hub.new_provider(categories=("repair",))
    voucher = issue_voucher(page_hub)
    page = phone.new_page()
    page.goto(voucher["holder_url"])
    expect(page.locator("#state")).to_have_attribute("data-state", "issued", timeout=WAIT_MS)

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    tab_to(page, "#activate")
    page.keyboard.press("Enter")
    expect(page.locator("#state")).to_have_attribute("data-state", "activated", timeout=WAIT_MS)
    choice = page.locator(f"input[value='{provider.id}']")
    expect(choice).to_have_count(1, timeout=WAIT_MS)
    tab_to(page, "#directory input[type=radio]")
    page.keyboard.press("Space")
    for _ in range(60):  # radios move by arrow keys, one provider each
        if choice.is_checked():
            break
        page.keyboard.press("ArrowDown")
    assert choice.is_checked()
    tab_to(page, "#choose")
    page.keyboard.press("Enter")
    expect(page.locator("#state")).to_have_attribute("data-state", "assigned", timeout=WAIT_MS)
    expect(page.locator("#provider-name")).to_contain_text("Fixit")
