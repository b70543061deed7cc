"""The staff pages stay cheap to serve (issue 15): the session check and a page's reads share
one read transaction, a console page is a fixed handful of statements whatever the number of
cases (no statement per row), and the dashboard builds its 30-day report at most once a minute
per process (its counts every 5 s), says so, and reads them again after a decision — on SQLite
and PostgreSQL alike; a provider still sees only its own rows."""

from __future__ import annotations

from typing import Any

from tests.common.hub import LiveHub
from tests.common.rewards import completed
from tests.common.statements import watched
from tests.pages.staff import Browser, assigned


def reads(browser: Browser, path: str) -> tuple[dict[str, int], str]:
    with watched(browser.live.database.engine) as seen:
        answer = browser.get(path)
    assert answer.status_code == 200, path
    selects = sum(sql.lstrip().upper().startswith(("SELECT", "WITH")) for sql in seen["sql"])
    return {"selects": selects, "transactions": len(seen["begins"])}, answer.get_data(as_text=True)


def claim_on(live: LiveHub, voucher: dict[str, Any], key: str, amount: str) -> str:
    answer = live.call(
        "POST",
        f"/api/v1/vouchers/{voucher['id']}/claims",
        key,
        json={"amount": amount, "description": "parts"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def test_a_console_page_is_a_few_statements_in_one_transaction_whatever_the_cases(
    staff_hub: LiveHub,
) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    first = assigned(staff_hub, gsp, provider)
    browser = Browser(staff_hub)
    assert browser.sign_in("provider", provider.key).status_code == 303
    home_few, _ = reads(browser, "/provider/")
    case_few, _ = reads(browser, f"/provider/cases/{first['id']}")
    for _ in range(4):
        assigned(staff_hub, gsp, provider)
    done = completed(staff_hub, gsp, provider)
    claim_on(staff_hub, done, provider.key, "20.00")
    home_many, page = reads(browser, "/provider/")
    case_many, _ = reads(browser, f"/provider/cases/{done['id']}")
    assert page.count('href="/provider/cases/') == 6  # every case listed …
    assert home_many == home_few and case_many == case_few  # … by the same statements
    assert home_many == {"selects": 5, "transactions": 1}, home_many
    assert case_many["transactions"] == 1 and case_many["selects"] <= 7, case_many


def test_the_console_home_shows_no_other_providers_incentives_or_claims(
    staff_hub: LiveHub,
) -> None:
    gsp, mine, theirs = staff_hub.new_gsp(), staff_hub.new_provider(), staff_hub.new_provider()
    own, other = completed(staff_hub, gsp, mine), completed(staff_hub, gsp, theirs)
    own_claim = claim_on(staff_hub, own, mine.key, "11.00")
    other_claim = claim_on(staff_hub, other, theirs.key, "12.00")
    browser = Browser(staff_hub)
    assert browser.sign_in("provider", mine.key).status_code == 303
    page = browser.get("/provider/").get_data(as_text=True)
    assert own["id"] in page and own_claim in page and "11.00 EUR" in page
    assert other["id"] not in page and other_claim not in page and "12.00 EUR" not in page


def test_the_dashboard_reuses_its_figures_says_how_old_and_rereads_after_a_decision(
    staff_hub: LiveHub,
) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    voucher = completed(staff_hub, gsp, provider)
    pending = claim_on(staff_hub, voucher, provider.key, "150.00")  # over the limit: waits
    browser = Browser(staff_hub)
    assert browser.sign_in("admin", staff_hub.admin_key).status_code == 303
    browser.submit("/admin/", f"/admin/claims/{pending}/decision", decision="deny")  # a fresh start
    built, page = reads(browser, "/admin/")
    assert "the counts may be up to 5 s old, the 30-day figures and charts up to a minute" in page
    again, page = reads(browser, "/admin/")
    assert again == {"selects": 5, "transactions": 1}, again  # the session and four lists
    assert built["selects"] > again["selects"] and built["transactions"] == 1
    waiting = claim_on(staff_hub, completed(staff_hub, gsp, provider), provider.key, "150.00")
    fresh, page = reads(browser, "/admin/")
    assert fresh == again and waiting in page  # the claims waiting are read for every page
    decided = browser.submit("/admin/", f"/admin/claims/{waiting}/decision", decision="approve")
    assert decided.status_code == 303
    after, _ = reads(browser, "/admin/")
    assert after == built  # the decision changed the figures: read again


def test_a_page_does_not_resend_the_unchanged_cookie(staff_hub: LiveHub) -> None:
    """The session's expiry is fixed at sign-in, so the cookie is signed and sent only when its
    content changes (sign-in, the first CSRF token), not on every page."""
    browser = Browser(staff_hub)
    assert browser.sign_in("provider", staff_hub.new_provider().key).status_code == 303
    browser.get("/provider/")  # the page's CSRF token joins the cookie
    kept = browser.cookie()
    again = browser.get("/provider/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    assert browser.cookie() == kept and browser.get("/provider/profile").status_code == 200
