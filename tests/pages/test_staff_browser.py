"""The console and the dashboard in Debian's chromium (desktop viewport): sign-in through the
form, the session cookie's flags as the browser keeps them, the live conversation, a tampered
token stopped in the page, redeem and complete, the dashboard's charts and a claim decision;
axe-core (no serious or critical violation) on every page, a screenshot at each step."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from ascc_plugin.channel.client import CaseChannel
from tests.common.hub import LiveHub
from tests.common.rewards import completed
from tests.pages.browser import Shots, assert_accessible
from tests.pages.staff import assigned, state_of

pytestmark = pytest.mark.slow


def sign_in(page: Page, live: LiveHub, area: str, key: str) -> None:
    page.goto(live.url(f"/{area}/"))
    expect(page).to_have_url(live.url(f"/{area}/signin"))
    page.get_by_label("Your key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live.url(f"/{area}/"))


def tampered(token: str) -> str:
    """``token`` with one claim changed and the signature kept (what a forger would send)."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 86400 * 365
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{head}.{forged}.{signature}"


def test_the_console_in_a_real_browser(
    browser_hub: LiveHub, desktop: BrowserContext, shots: Shots
) -> None:
    live = browser_hub
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = assigned(live, gsp, provider)
    page = desktop.new_page()
    page.goto(live.url("/provider/signin"))
    assert_accessible(page, "console sign-in")
    shots.take(page, "console sign-in")
    page.get_by_label("Your key").fill("prv_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    shots.take(page, "console wrong key")
    sign_in(page, live, "provider", provider.key)
    cookie = next(c for c in desktop.cookies() if c["name"] == "ascc_staff")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert provider.key not in cookie["value"]
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    assert_accessible(page, "console home")
    shots.take(page, "console home")

    page.get_by_role("link", name=voucher["id"]).click()
    expect(page.locator("#live")).to_have_text("Live: connected.")
    holder = CaseChannel(live.base_url, voucher["id"], voucher["holder_secret"])
    holder.connect()
    try:
        holder.wait_ack(holder.message("Hello, my screen flickers"))
        expect(page.locator("#conversation")).to_contain_text("Hello, my screen flickers")
        page.get_by_label("Message to the customer").fill("Bring it Monday")
        page.get_by_role("button", name="Send", exact=True).click()
        said = holder.frames_until(lambda f: f.type == "message" and f.sender == "provider")
        assert said[-1].body["text"] == "Bring it Monday"
        holder.wait_ack(holder.present_voucher(voucher["token"]))
    finally:
        holder.drop()
    expect(page.get_by_role("button", name="Use the presented voucher")).to_be_visible()
    assert_accessible(page, "console case")
    shots.take(page, "console case with the conversation")

    page.get_by_label("Voucher token").fill(tampered(voucher["token"]))
    page.get_by_role("button", name="Check and redeem").click()
    expect(page.locator("#token-check")).to_contain_text("signature does not match")
    assert state_of(live, voucher) == "assigned"  # never sent
    shots.take(page, "console tampered token refused in the page")
    page.get_by_role("button", name="Use the presented voucher").click()
    page.get_by_role("button", name="Check and redeem").click()
    expect(page.get_by_role("status").filter(has_text="Redeemed")).to_be_visible()
    assert state_of(live, voucher) == "in_service"
    shots.take(page, "console redeemed")
    page.get_by_label("What was done").fill("Replaced the panel")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.locator("#state")).to_have_text("completed")
    assert_accessible(page, "console completed case")
    shots.take(page, "console completed")
    page.goto(live.url("/provider/profile"))
    assert_accessible(page, "console profile")
    shots.take(page, "console profile")


def test_the_console_reads_without_javascript(browser_hub: LiveHub, browser: object) -> None:
    live = browser_hub
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = assigned(live, gsp, provider)
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        sign_in(page, live, "provider", provider.key)
        page.get_by_role("link", name=voucher["id"]).click()
        expect(page.locator("#conversation")).to_contain_text("assigned")
        expect(page.locator("#send-message")).to_be_hidden()
    finally:
        context.close()


def test_the_dashboard_in_a_real_browser(
    browser_hub: LiveHub, desktop: BrowserContext, shots: Shots
) -> None:
    live = browser_hub
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = completed(live, gsp, provider)
    claim = live.call(
        "POST",
        f"/api/v1/vouchers/{voucher['id']}/claims",
        provider.key,
        json={"amount": "150.00", "description": "a new panel"},
    ).json()
    assert claim["status"] == "pending"
    page = desktop.new_page()
    page.goto(live.url("/admin/signin"))
    assert_accessible(page, "dashboard sign-in")
    sign_in(page, live, "admin", live.admin_key)
    expect(page.locator("img.chart")).to_have_count(4)
    loaded = "() => [...document.querySelectorAll('img.chart')].every(i => i.naturalWidth > 0)"
    page.wait_for_function(loaded, timeout=20_000)  # the four PNGs the hub rendered, decoded
    assert_accessible(page, "dashboard")
    shots.take(page, "dashboard")
    page.get_by_role("button", name=f"Approve {claim['id']}").click()
    expect(page.get_by_role("status").filter(has_text="approved")).to_be_visible()
    answer = live.call("GET", f"/api/v1/claims/{claim['id']}", live.admin_key)
    assert answer.json()["status"] == "approved"
    assert_accessible(page, "dashboard after a decision")
    shots.take(page, "dashboard claim approved")


def test_the_console_and_the_dashboard_on_a_phone(
    browser_hub: LiveHub, phone: BrowserContext, shots: Shots
) -> None:
    live = browser_hub
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = assigned(live, gsp, provider)
    completed(live, gsp, provider)
    page = phone.new_page()
    sign_in(page, live, "provider", provider.key)
    assert_accessible(page, "console home on a phone")
    shots.take(page, "console home on a phone")
    page.get_by_role("link", name=voucher["id"]).click()
    assert_accessible(page, "console case on a phone")
    shots.take(page, "console case on a phone")
    operator = phone.new_page()
    sign_in(operator, live, "admin", live.admin_key)
    assert_accessible(operator, "dashboard on a phone")
    shots.take(operator, "dashboard on a phone")
    wide = operator.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"the dashboard is {wide} px wide on a 360 px phone"


def test_the_console_by_keyboard_alone(browser_hub: LiveHub, desktop: BrowserContext) -> None:
    live = browser_hub
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = assigned(live, gsp, provider)
    page = desktop.new_page()
    page.goto(live.url("/provider/signin"))

    def tab_to(check: str, most: int = 30) -> None:
        for _ in range(most):
            page.keyboard.press("Tab")
            if page.evaluate(check):
                return
        raise AssertionError(f"Tab never reached {check}")

    tab_to("() => document.activeElement.id === 'key'")
    page.keyboard.type(provider.key)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live.url("/provider/"))
    tab_to(f"() => document.activeElement.textContent === '{voucher['id']}'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live.url(f"/provider/cases/{voucher['id']}"))
    tab_to("() => document.activeElement.id === 'token'")
    page.keyboard.type(voucher["token"])
    tab_to("() => document.activeElement.textContent === 'Check and redeem'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Redeemed")).to_be_visible()
    assert state_of(live, voucher) == "in_service"
