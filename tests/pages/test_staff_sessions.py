"""Sign-in sessions of the console and the dashboard: cookie flags, rotation, sign-out, expiry,
a replaced key, wrong keys (a 401 page) and CSRF refusals — over the hub's real app."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import update

from center.parties import keys
from center.parties.models import Provider
from tests.common.hub import LiveHub
from tests.common.rewards import rewards_hub
from tests.pages.staff import ORIGIN, TOKEN_FIELD, Browser


def cookie_payload(value: str) -> dict[str, object]:
    """The readable part of Flask's signed session cookie."""
    data = value.split(".")[0]
    raw = base64.urlsafe_b64decode(data.lstrip(".") + "=" * (-len(data) % 4))
    loaded: dict[str, object] = json.loads(raw)
    return loaded


def test_signing_in_sets_a_secure_httponly_samesite_cookie_without_the_key(
    staff_hub: LiveHub,
) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    before = browser.csrf("/provider/signin")
    answer = browser.post("/provider/signin", {"csrf_token": before, "key": provider.key})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/provider/")
    cookie = answer.headers["Set-Cookie"]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("ascc_staff=")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
    assert any(flag.startswith("expires=") for flag in flags)
    value = browser.cookie()
    assert value is not None and provider.key not in value
    assert provider.key not in json.dumps(cookie_payload(value))
    assert set(cookie_payload(value)) == {"sid", "_permanent"}  # rotated: no CSRF token left
    home = browser.get("/provider/")
    assert home.status_code == 200 and "Open cases" in home.get_data(as_text=True)
    assert browser.csrf("/provider/") != before


def test_each_sign_in_opens_a_new_session(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    first = cookie_payload(browser.cookie() or "")["sid"]
    browser.sign_in("provider", provider.key)
    assert cookie_payload(browser.cookie() or "")["sid"] != first


def test_a_wrong_key_is_a_401_page_and_opens_nothing(staff_hub: LiveHub) -> None:
    gsp, provider = staff_hub.new_gsp(), staff_hub.new_provider()
    wrong = [
        ("provider", keys.new_key(keys.PROVIDER_PREFIX)),
        ("provider", gsp.key),
        ("provider", staff_hub.admin_key),
        ("admin", provider.key),
        ("admin", keys.new_key(keys.ADMIN)),
        ("provider", "prv_" + "\u00e9" * 50),
        ("provider", "prv_" + "x" * 5000),
    ]
    for area, key in wrong:
        browser = Browser(staff_hub)
        answer = browser.sign_in(area, key)
        assert answer.status_code == 401, (area, key[:12])
        assert answer.mimetype == "text/html"
        assert "That key was not accepted" in answer.get_data(as_text=True)
        assert "sid" not in cookie_payload(browser.cookie() or "e30")
        assert browser.get(f"/{area}/").status_code == 303


def test_pages_need_a_session_of_their_kind(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    anonymous = Browser(staff_hub)
    for path, signin in (("/provider/", "/provider/signin"), ("/admin/", "/admin/signin")):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["Location"].endswith(signin)
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    assert browser.get("/admin/").status_code == 303
    operator = Browser(staff_hub)
    assert operator.sign_in("admin", staff_hub.admin_key).status_code == 303
    assert operator.get("/admin/").status_code == 200
    assert operator.get("/provider/").status_code == 303


def test_sign_out_kills_the_session_even_for_a_copied_cookie(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    copied = browser.cookie()
    assert copied is not None
    answer = browser.submit("/provider/", "/provider/signout")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/provider/signin")
    assert browser.get("/provider/").status_code == 303
    thief = Browser(staff_hub)
    thief.client.set_cookie("ascc_staff", copied, domain="localhost")
    assert thief.get("/provider/").status_code == 303


def test_a_session_ends_when_it_expires(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    assert browser.get("/provider/").status_code == 200
    staff_hub.clock.advance(minutes=61)  # type: ignore[attr-defined]
    assert browser.get("/provider/").status_code == 303


def test_a_session_ends_when_its_key_is_replaced(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    assert browser.get("/provider/").status_code == 200
    new_digest = keys.digest(keys.new_key(keys.PROVIDER_PREFIX))
    with staff_hub.database.transaction() as session:
        session.execute(
            update(Provider).where(Provider.id == provider.id).values(key_digest=new_digest)
        )
    assert browser.get("/provider/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    staff_hub: LiveHub,
) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    refused = browser.post("/provider/signin", {"key": provider.key})
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert "CSRF" in refused.get_json()["detail"]
    assert browser.get("/provider/").status_code == 303  # no session was opened
    browser.sign_in("provider", provider.key)
    forged = browser.post("/provider/profile", {"categories": "x", "capacity": "1"})
    assert forged.status_code == 400
    wrong = browser.post("/provider/profile", {"csrf_token": "forged", "capacity": "1"})
    assert wrong.status_code == 400
    assert 'value="repair, support"' in browser.get("/provider/profile").get_data(as_text=True)
    out = browser.post("/provider/signout", {})
    assert out.status_code == 400 and browser.get("/provider/").status_code == 200


def test_a_cross_site_post_with_a_valid_token_is_refused_on_https(staff_hub: LiveHub) -> None:
    provider = staff_hub.new_provider()
    browser = Browser(staff_hub)
    browser.sign_in("provider", provider.key)
    token = browser.csrf("/provider/profile")
    form = {"csrf_token": token, "categories": "repair", "region": "Evil", "capacity": "3"}
    for referer in ("https://evil.example/provider/profile", None):
        headers = {"Referer": referer} if referer else {}
        answer = browser.client.post(
            "/provider/profile", base_url=ORIGIN, data=form, headers=headers
        )
        assert answer.status_code == 400, referer
    assert "Evil" not in browser.get("/provider/profile").get_data(as_text=True)
    answer = browser.post("/provider/profile", form)
    assert answer.status_code == 303
    assert 'value="Evil"' in browser.get("/provider/profile").get_data(as_text=True)


def test_staff_pages_keep_the_referer_same_origin(staff_hub: LiveHub) -> None:
    answer = Browser(staff_hub).get("/provider/signin")
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "unsafe-inline" not in answer.headers["Content-Security-Policy"]


def test_guessing_keys_at_the_sign_in_form_is_rate_limited(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("staff-limits")
    url = f"sqlite:///{folder / 'center.sqlite'}"
    limits = {"rate_limits": True, "auth_failures_per_address": "3/minute"}
    with rewards_hub(folder, url, "sqlite", **limits) as live:
        provider = live.new_provider()
        browser = Browser(live)
        guesses = [browser.sign_in("provider", keys.new_key(keys.PROVIDER_PREFIX)) for _ in "abc"]
        assert [a.status_code for a in guesses] == [401, 401, 401]
        token = TOKEN_FIELD.search(guesses[-1].get_data(as_text=True))
        assert token is not None
        form = {"csrf_token": token.group(1), "key": provider.key}
        right = browser.post("/provider/signin", form)
        assert right.status_code == 429 and right.headers["Retry-After"]  # even the right key
        assert browser.get("/provider/").status_code == 429
