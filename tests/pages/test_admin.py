"""The operator dashboard over the hub's real app: counts, CSAT, incentives, premiums, the
claims waiting for a decision with their approve/deny forms, flags, providers, stores, and the
report's charts as PNGs rendered by the hub."""

from __future__ import annotations

from tests.common.hub import LiveHub
from tests.common.rewards import assess, completed
from tests.pages.staff import Browser

PNG = b"\x89PNG\r\n\x1a\n"


def operator(live: LiveHub) -> Browser:
    browser = Browser(live)
    assert browser.sign_in("admin", live.admin_key).status_code == 303
    return browser


def pending_claim(live: LiveHub, amount: str = "150.00") -> tuple[str, str]:
    """A claim over the coverage's limit (pending); its id and the provider's key."""
    gsp, provider = live.new_gsp(), live.new_provider()
    voucher = completed(live, gsp, provider)
    answer = live.call(
        "POST",
        f"/api/v1/vouchers/{voucher['id']}/claims",
        provider.key,
        json={"amount": amount, "description": "a new panel"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "pending", answer.text
    return answer.json()["id"], provider.key


def test_the_dashboard_shows_the_marketplace(staff_hub: LiveHub) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    voucher = completed(staff_hub, gsp, provider)
    assert assess(staff_hub, voucher, 5).status_code == 200
    page = operator(staff_hub).get("/admin/").get_data(as_text=True)
    expected = ["Vouchers by state", "CSAT", "Incentives by state", "Premiums earned"]
    expected += [gsp.shop, provider.id, "Claims waiting for a decision", "Flagged pairs"]
    for shown in expected:
        assert shown in page, shown
    assert "signing_secret" not in page and gsp.secret not in page and gsp.key not in page


def test_a_pending_claim_is_approved_or_denied_from_the_dashboard(staff_hub: LiveHub) -> None:
    approve_id, provider_key = pending_claim(staff_hub)
    deny_id, _ = pending_claim(staff_hub)
    browser = operator(staff_hub)
    page = browser.get("/admin/").get_data(as_text=True)
    assert approve_id in page and deny_id in page
    answer = browser.submit(
        "/admin/", f"/admin/claims/{approve_id}/decision", decision="approve", note="ok"
    )
    assert answer.status_code == 303
    page = browser.get("/admin/").get_data(as_text=True)
    waiting = page.split("Claims waiting for a decision")[1].split("Flagged pairs")[0]
    assert f"Claim {approve_id} approved." in page
    assert approve_id not in waiting and deny_id in waiting
    denied = browser.submit("/admin/", f"/admin/claims/{deny_id}/decision", decision="deny")
    assert denied.status_code == 303
    for claim_id, status in ((approve_id, "approved"), (deny_id, "rejected")):
        by_operator = staff_hub.call("GET", f"/api/v1/claims/{claim_id}", staff_hub.admin_key)
        assert by_operator.json()["status"] == status
        assert by_operator.json()["decided_by"] == "operator"
    assert (
        staff_hub.call("GET", f"/api/v1/claims/{approve_id}", provider_key).json()["paid"]
        == "100.00"
    )
    twice = browser.submit("/admin/", f"/admin/claims/{deny_id}/decision", decision="approve")
    assert twice.status_code == 409
    assert f'class="error" role="alert">Claim {deny_id}:' in twice.get_data(as_text=True)
    by_operator = staff_hub.call("GET", f"/api/v1/claims/{deny_id}", staff_hub.admin_key)
    assert by_operator.json()["status"] == "rejected"


def test_a_decision_needs_the_operator_and_the_csrf_token(staff_hub: LiveHub) -> None:
    claim_id, provider_key = pending_claim(staff_hub)
    provider = Browser(staff_hub)
    provider.sign_in("provider", provider_key)
    token = provider.csrf("/provider/")
    form = {"csrf_token": token, "decision": "approve"}
    answer = provider.post(f"/admin/claims/{claim_id}/decision", form)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/admin/signin")
    browser = operator(staff_hub)
    assert (
        browser.post(f"/admin/claims/{claim_id}/decision", {"decision": "approve"}).status_code
        == 400
    )
    bad = browser.submit("/admin/", f"/admin/claims/{claim_id}/decision", decision="maybe")
    assert bad.status_code == 422 and "approve or deny" in bad.get_data(as_text=True)
    by_operator = staff_hub.call("GET", f"/api/v1/claims/{claim_id}", staff_hub.admin_key)
    assert by_operator.json()["status"] == "pending"


def test_the_charts_are_pngs_for_the_operator_only(staff_hub: LiveHub) -> None:
    browser = operator(staff_hub)
    for name in ("satisfaction", "incentives", "insurance", "service-times"):
        answer = browser.get(f"/admin/charts/{name}.png")
        assert answer.status_code == 200 and answer.mimetype == "image/png"
        assert answer.get_data().startswith(PNG)
    assert browser.get("/admin/charts/secrets.png").status_code == 404
    assert Browser(staff_hub).get("/admin/charts/satisfaction.png").status_code == 303
