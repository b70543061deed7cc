"""The whole human flow in two browser contexts, on any live site: a customer on a 360 px
phone in the customer page (:mod:`tests.pages.journey`'s steps) and a provider on a desktop in
the console — open the link, activate, choose, talk, send the voucher, the provider redeems and
completes in the console, the customer assesses and releases the incentive, the provider sees
it. axe-core on every page at every step, a screenshot of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.pages import journey
from tests.pages.browser import Shots, assert_accessible
from tests.pages.journey import WAIT_MS, Site


def checked(page: Page, shots: Shots, step: str) -> None:
    assert_accessible(page, step)
    shots.take(page, step)


def signed_in_console(desktop: BrowserContext, site: Site, shots: Shots) -> Page:
    page = desktop.new_page()
    page.goto(site.url + "/provider/")
    expect(page).to_have_url(site.url + "/provider/signin")
    checked(page, shots, "provider sign-in")
    page.get_by_label("Your key").fill(site.provider_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url + "/provider/")
    return page


def walk(
    phone: BrowserContext, desktop: BrowserContext, site: Site, voucher: dict[str, Any],
    shots: Shots,
) -> None:  # fmt: skip
    customer = phone.new_page()
    customer.goto(voucher["holder_url"])
    journey.opened(customer, voucher, shots)
    journey.chosen(customer, site, shots)
    console = signed_in_console(desktop, site, shots)
    expect(console.get_by_role("link", name=voucher["id"])).to_be_visible()
    checked(console, shots, "provider sees the new case")
    console.get_by_role("link", name=voucher["id"]).click()
    expect(console.locator("#live")).to_have_text("Live: connected.", timeout=WAIT_MS)
    talk(customer, console, shots)
    serve(customer, console, shots)
    reward(customer, console, site, voucher, shots)


def talk(customer: Page, console: Page, shots: Shots) -> None:
    console.get_by_label("Message to the customer").fill("Hello, when can you bring it?")
    console.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("#messages")).to_contain_text("when can you bring it", timeout=WAIT_MS)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    console.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    console.get_by_label("Until").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    console.get_by_label("Place (empty: remote)").fill("Main St 1")
    console.get_by_role("button", name="Propose").click()
    accept = customer.get_by_role("button", name="Accept appointment")
    expect(accept).to_be_visible(timeout=WAIT_MS)
    checked(customer, shots, "customer sees the proposal")
    accept.click()
    expect(console.locator("#conversation")).to_contain_text("Accepted proposal", timeout=WAIT_MS)
    customer.get_by_label("Your message").fill("Tomorrow works, thanks!")
    customer.get_by_role("button", name="Send message").click()
    expect(console.locator("#conversation")).to_contain_text("Tomorrow works", timeout=WAIT_MS)
    checked(console, shots, "provider console conversation")


def serve(customer: Page, console: Page, shots: Shots) -> None:
    customer.get_by_role("button", name="Send my voucher").click()
    use = console.get_by_role("button", name="Use the presented voucher")
    expect(use).to_be_visible(timeout=WAIT_MS)
    use.click()
    console.get_by_role("button", name="Check and redeem").click()
    expect(console.get_by_role("status").filter(has_text="Redeemed")).to_be_visible()
    journey.state_of(customer, "in_service")
    checked(console, shots, "provider redeemed in the console")
    console.get_by_label("What was done").fill("Replaced the panel")
    console.get_by_role("button", name="Mark completed").click()
    expect(console.locator("#state")).to_have_text("completed")
    checked(console, shots, "provider completed in the console")
    journey.state_of(customer, "completed")
    checked(customer, shots, "customer asked to assess")


def reward(
    customer: Page, console: Page, site: Site, voucher: dict[str, Any], shots: Shots
) -> None:
    customer.get_by_label("5", exact=True).check()
    customer.get_by_role("button", name="Send assessment").click()
    journey.state_of(customer, "assessed")
    customer.get_by_role("button", name="Release to the provider").click()
    expect(customer.locator("#incentive-state")).to_have_attribute(
        "data-state", "released", timeout=WAIT_MS
    )
    checked(customer, shots, "customer released the incentive")
    mine = site.call("GET", f"/v/{voucher['id']}/state", voucher["holder_secret"]).json()
    incentive = mine["incentive"]
    console.goto(site.url + "/provider/")
    row = console.get_by_role("row").filter(has_text=incentive["id"])
    expect(row).to_contain_text("released")
    expect(row).to_contain_text(incentive["currency"])
    checked(console, shots, "provider sees the incentive")
