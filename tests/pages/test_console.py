"""The provider console over the hub's real app: a provider's own cases only (another's case
page is the same 404 as an unknown id), redeem with the presented token, complete, a cost
claim, incentives received, the profile, and the WebSocket ticket asked with the session."""

from __future__ import annotations

from tests.common.hub import LiveHub
from tests.common.rewards import assess
from tests.pages.staff import Browser, assigned, state_of


def signed_in(live: LiveHub, key: str) -> Browser:
    browser = Browser(live)
    assert browser.sign_in("provider", key).status_code == 303
    return browser


def test_the_home_page_lists_the_providers_own_open_cases(staff_hub: LiveHub) -> None:
    gsp, mine, theirs = staff_hub.new_gsp(), staff_hub.new_provider(), staff_hub.new_provider()
    own, other = assigned(staff_hub, gsp, mine), assigned(staff_hub, gsp, theirs)
    page = signed_in(staff_hub, mine.key).get("/provider/").get_data(as_text=True)
    assert own["id"] in page and other["id"] not in page
    assert f'href="/provider/cases/{own["id"]}"' in page


def test_another_providers_case_is_the_same_404_as_an_unknown_id(staff_hub: LiveHub) -> None:
    gsp, mine, theirs = staff_hub.new_gsp(), staff_hub.new_provider(), staff_hub.new_provider()
    other = assigned(staff_hub, gsp, theirs)
    browser = signed_in(staff_hub, mine.key)
    foreign = browser.get(f"/provider/cases/{other['id']}")
    unknown = browser.get("/provider/cases/AAAA-AAAA-AAAA-AAAA-A")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.mimetype == "text/html"
    assert foreign.get_data() == unknown.get_data() and other["id"] not in foreign.get_data(
        as_text=True
    )
    token = browser.csrf("/provider/")
    for action in ("redeem", "complete", "claims", "ticket"):
        answer = browser.post(
            f"/provider/cases/{other['id']}/{action}",
            {"csrf_token": token, "token": other["token"], "amount": "5", "description": "x"},
            **{"X-CSRFToken": token},
        )
        assert answer.status_code == 404, action
    assert state_of(staff_hub, other) == "assigned"


def test_redeem_complete_and_claim_through_the_case_page(staff_hub: LiveHub) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    voucher = assigned(staff_hub, gsp, provider)
    browser = signed_in(staff_hub, provider.key)
    case = f"/provider/cases/{voucher['id']}"
    page = browser.get(case).get_data(as_text=True)
    assert "Check and redeem" in page and voucher["token"] not in page  # the holder's to show
    other = assigned(staff_hub, gsp, provider)
    refused = browser.submit(case, case + "/redeem", token=other["token"])
    assert refused.status_code == 422 and "another voucher" in refused.get_data(as_text=True)
    assert state_of(staff_hub, voucher) == "assigned"
    done = browser.submit(case, case + "/redeem", token=voucher["token"])
    assert done.status_code == 303 and state_of(staff_hub, voucher) == "in_service"
    assert "Redeemed" in browser.get(case).get_data(as_text=True)
    again = browser.submit(case, case + "/redeem", token=voucher["token"])
    assert again.status_code == 409 and 'role="alert"' in again.get_data(as_text=True)  # once
    assert browser.submit(case, case + "/complete", notes="new screen").status_code == 303
    assert state_of(staff_hub, voucher) == "completed"
    bad = browser.submit(case, case + "/claims", amount="-3", description="parts")
    assert bad.status_code == 422 and state_of(staff_hub, voucher) == "completed"
    filed = browser.submit(case, case + "/claims", amount="40.00", description="parts")
    assert filed.status_code == 303
    page = browser.get(case).get_data(as_text=True)
    assert "Claim filed." in page and "40.00 EUR" in page and "approved" in page


def test_incentives_received_show_their_hold_and_redeem_with_the_token(
    staff_hub: LiveHub,
) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    voucher = assigned(staff_hub, gsp, provider)
    for path, body in (("/redeem", {"token": voucher["token"]}), ("/complete", {})):
        answer = staff_hub.call(
            "POST", f"/api/v1/vouchers/{voucher['id']}{path}", provider.key, json=body
        )
        assert answer.status_code == 200, answer.text
    incentive = assess(staff_hub, voucher, 5).json()["incentive"]
    released = staff_hub.call(
        "POST",
        f"/api/v1/incentives/{incentive['id']}/release",
        voucher["holder_secret"],
        json={"provider_id": provider.id},
    )
    assert released.status_code == 200, released.text
    browser = signed_in(staff_hub, provider.key)
    home = browser.get("/provider/").get_data(as_text=True)
    assert incentive["id"] in home and "10.00 EUR" in home and "released" in home
    assert incentive["token"] not in home
    held = browser.submit(
        "/provider/", f"/provider/incentives/{incentive['id']}/redeem", token=incentive["token"]
    )
    assert held.status_code == 409
    assert "Incentive not redeemed: the incentive is on hold until" in held.get_data(as_text=True)
    staff_hub.clock.advance(hours=73)  # type: ignore[attr-defined]
    browser = signed_in(staff_hub, provider.key)
    done = browser.submit(
        "/provider/", f"/provider/incentives/{incentive['id']}/redeem", token=incentive["token"]
    )
    assert done.status_code == 303
    assert "Incentive redeemed" in browser.get("/provider/").get_data(as_text=True)
    assert state_of(staff_hub, voucher) == "rewarded"


def test_the_profile_form_changes_categories_region_and_capacity(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = signed_in(staff_hub, provider.key)
    saved = browser.submit(
        "/provider/profile",
        "/provider/profile",
        categories="Repair, installation",
        region="Hamburg",
        capacity="7",
    )
    assert saved.status_code == 303
    listed = staff_hub.call("GET", "/api/v1/providers?category=installation&region=Hamburg")
    mine = [p for p in listed.json()["items"] if p["id"] == provider.id]
    assert mine and mine[0]["capacity"] == 7
    assert mine[0]["categories"] == ["installation", "repair"]
    refused = [("a", "0"), (" , ", "3"), ("a", "lots"), ("x" * 65, "1"), ("a", "9" * 5000)]
    refused += [("re\x00pair", "1")]  # PostgreSQL cannot store a NUL: both databases refuse it
    for categories, capacity in refused:
        fields = {"categories": categories, "capacity": capacity}
        answer = browser.submit("/provider/profile", "/provider/profile", **fields)
        assert answer.status_code == 422, fields
        assert 'class="error"' in answer.get_data(as_text=True)
    nul_region = {"categories": "repair", "region": "Ham\x00burg", "capacity": "2"}
    assert browser.submit("/provider/profile", "/provider/profile", **nul_region).status_code == 422
    page = browser.get("/provider/profile").get_data(as_text=True)
    assert 'value="installation, repair"' in page and 'value="7"' in page


def test_the_ticket_is_asked_with_the_session_and_its_csrf_header(staff_hub: LiveHub) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    voucher = assigned(staff_hub, gsp, provider)
    browser = signed_in(staff_hub, provider.key)
    path = f"/provider/cases/{voucher['id']}/ticket"
    assert browser.post(path, {}).status_code == 400  # no CSRF header
    token = browser.csrf("/provider/")
    answer = browser.post(path, {}, **{"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["ticket"].startswith("tkt_")
    frames = staff_hub.call(
        "GET", f"/api/v1/cases/{voucher['id']}/frames", voucher["holder_secret"]
    ).json()["items"]
    page = browser.get(f"/provider/cases/{voucher['id']}").get_data(as_text=True)
    assert frames and all(f'data-seq="{frame["seq"]}"' in page for frame in frames)


def test_staff_pages_ask_for_a_same_origin_referer_and_the_customer_page_for_none(
    staff_hub: LiveHub,
) -> None:
    """The page's ``<meta name="referrer">`` overrides the header: on the staff pages both must
    say ``same-origin``, or a browser sends no Referer and the HTTPS CSRF check refuses every
    form; the customer page sends none (its URL names the voucher)."""
    browser = Browser(staff_hub)
    for path in ("/provider/signin", "/admin/signin"):
        answer = browser.get(path)
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert '<meta name="referrer" content="same-origin">' in answer.get_data(as_text=True)
    voucher = browser.get("/v/6G6S-1BEV-BPMC-S4CK-6")
    assert voucher.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in voucher.get_data(as_text=True)
