"""The customer page when things go wrong or are missing: offline after one visit (the voucher,
its QR code and the conversation stay readable; the conversation resumes on reconnect), no
JavaScript (the page says what the link is), and a Content-Security-Policy that lets no inline
script run."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from ascc_plugin.channel.client import CaseChannel
from tests.common.hub import LiveHub, Party, event_body
from tests.pages.browser import Shots, assert_accessible, phone_context
from tests.pages.live import PROGRAMS, issue_voucher

WAIT_MS = 15_000


def assigned_voucher(hub: LiveHub, provider: Party) -> dict[str, Any]:
    """A voucher activated and assigned to ``provider`` through the API."""
    voucher = issue_voucher(hub)
    path, secret = f"/api/v1/vouchers/{voucher['id']}", voucher["holder_secret"]
    assert hub.call("POST", path + "/activate", secret).status_code == 200
    chosen = hub.call("POST", path + "/assign", secret, json={"provider_id": provider.id})
    assert chosen.status_code == 200, chosen.text
    return voucher


def seqs(page: Page) -> list[int]:
    shown = page.locator("#messages li").evaluate_all(
        "items => items.map(item => Number(item.dataset.seq))"
    )
    return [int(seq) for seq in shown]


def test_the_page_reads_offline_after_one_visit_and_resumes_the_conversation(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots
) -> None:
    provider = page_hub.new_provider(categories=("repair",))
    voucher = assigned_voucher(page_hub, provider)
    side = CaseChannel(page_hub.base_url, voucher["id"], provider.key, timeout=10)
    side.connect()
    side.wait_ack(side.message("Bring it on Monday"))

    page = phone.new_page()
    page.goto(voucher["holder_url"])
    expect(page.locator("#state")).to_have_attribute("data-state", "assigned", timeout=WAIT_MS)
    expect(page.locator("#messages")).to_contain_text("Bring it on Monday", timeout=WAIT_MS)
    expect(page.locator("#voucher-app")).to_have_attribute(
        "data-offline-ready", "true", timeout=WAIT_MS
    )
    expect(page.locator("#connection")).to_have_text("Connected.", timeout=WAIT_MS)

    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    phone.set_offline(True)
    page.reload()
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")  # served by it
    expect(page.locator("#state")).to_have_attribute("data-state", "assigned", timeout=WAIT_MS)
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("offline", timeout=WAIT_MS)
    expect(page.locator("#messages")).to_contain_text("Bring it on Monday")
    assert_accessible(page, "offline")
    shots.take(page, "offline")

    side.wait_ack(side.message("Are you still there?"))  # said while the phone is offline
    phone.set_offline(False)
    expect(page.locator("#messages")).to_contain_text("Are you still there?", timeout=WAIT_MS)
    expect(page.locator("#status")).to_be_hidden(timeout=WAIT_MS)
    shown = seqs(page)
    assert shown == list(range(1, len(shown) + 1))  # in order, once each, no gap
    shots.take(page, "back-online")
    side.close()


def test_without_javascript_the_page_says_what_the_link_is(
    browser: Browser, page_hub: LiveHub, shots: Shots
) -> None:
    voucher = issue_voucher(page_hub)
    context = phone_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        response = page.goto(voucher["holder_url"])
        assert response is not None and response.status == 200
        expect(page.get_by_role("heading", name="How to use this link")).to_be_visible()
        expect(page.locator("#voucher-id")).to_have_text(voucher["id"])
        expect(page.locator("#summary")).to_be_hidden()
        shots.take(page, "no-javascript")
    finally:
        context.close()


def test_no_inline_script_runs_on_the_live_page(page_hub: LiveHub, phone: BrowserContext) -> None:
    voucher = issue_voucher(page_hub)
    page = phone.new_page()
    response = page.goto(voucher["holder_url"])
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    expect(page.locator("#state")).to_have_attribute("data-state", "issued", timeout=WAIT_MS)
    page.evaluate(
        """() => {
            window.__ran = [];
            window.__blocked = [];
            document.addEventListener('securitypolicyviolation',
                event => window.__blocked.push(event.violatedDirective));
            const script = document.createElement('script');
            script.textContent = "window.__ran.push('inline')";
            document.body.appendChild(script);
            const button = document.createElement('button');
            button.id = 'evil';
            button.textContent = 'evil';
            button.setAttribute('onclick', "window.__ran.push('handler')");
            document.body.appendChild(button);
        }"""
    )
    page.locator("#evil").click()
    page.wait_for_function("() => window.__blocked.length >= 2", timeout=WAIT_MS)
    assert page.evaluate("() => window.__ran") == []
    blocked = page.evaluate("() => window.__blocked")
    assert all(directive.startswith("script-src") for directive in blocked)


def test_an_unknown_voucher_or_a_wrong_secret_reads_as_not_found(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots
) -> None:
    voucher = issue_voucher(page_hub)
    page = phone.new_page()
    page.goto(voucher["holder_url"])  # kept on this device: state and QR code
    expect(page.locator("#state")).to_have_attribute("data-state", "issued", timeout=WAIT_MS)
    page.goto("about:blank")
    page.goto(f"{page_hub.base_url}/v/{voucher['id']}#hld_{'x' * 27}")
    expect(page.locator("#problem")).to_contain_text("not found", timeout=WAIT_MS)
    expect(page.locator("#summary")).to_be_hidden()  # nothing kept is shown to a wrong secret
    expect(page.locator("#qr-card")).to_be_hidden()
    assert page.evaluate("() => Object.keys(localStorage).length") == 0
    assert_accessible(page, "not found")
    shots.take(page, "not-found")
    page.goto(f"{page_hub.base_url}/v/{voucher['id']}")  # the secret part left out
    expect(page.locator("#problem")).to_contain_text("incomplete", timeout=WAIT_MS)
    assert_accessible(page, "incomplete link")


def test_a_voided_voucher_shows_no_code_and_no_action(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots
) -> None:
    gsp = page_hub.new_gsp()
    voucher = issue_voucher(page_hub, gsp)
    refund = event_body(
        gsp, programs=PROGRAMS, order_id=voucher["order_id"], price="129.00", refunded=1
    )
    assert page_hub.post_event(gsp, refund).status_code == 200
    page = phone.new_page()
    page.goto(voucher["holder_url"])
    expect(page.locator("#state")).to_have_attribute("data-state", "voided", timeout=WAIT_MS)
    for hidden in ("#qr-card", "#activate-card", "#directory-card", "#conversation-card"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("#timeline li").last).to_contain_text("Voided")
    assert_accessible(page, "voided")
    shots.take(page, "voided")
