"""The pages' foundation: security headers on every page response, the assets served by the
app, the HTML 404, and the shell in a real chromium (axe-clean, no inline script runs)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import BrowserContext
from werkzeug.test import TestResponse

from ascc_plugin.identity import format_id
from center.pages.headers import CSP
from tests.common.hub import LiveHub
from tests.pages.browser import Shots, assert_accessible

SHELL = f"/v/{format_id(123_456_789)}"  # a well-formed voucher id nobody holds
PAGE_PATHS = [SHELL, "/assets/pages.css", "/assets/pages.js", "/v/not%20an%20id", "/v/sw.js"]


@pytest.fixture
def client(page_hub: LiveHub) -> FlaskClient:
    made: FlaskClient = page_hub.app.test_client()
    return made


def fetch(client: FlaskClient, path: str) -> TestResponse:
    """The whole answer, read and closed (static files are streamed from an open file)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_page_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = fetch(client, path)
    assert response.status_code in (200, 404)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_api_keeps_its_own_headers(client: FlaskClient) -> None:
    """Page headers are the pages' own: JSON answers of the API are unchanged."""
    response = client.get("/api/v1/vouchers/vch_nothing")
    assert "Content-Security-Policy" not in response.headers


def test_assets_are_served_by_the_app(client: FlaskClient) -> None:
    css, js = fetch(client, "/assets/pages.css"), fetch(client, "/assets/pages.js")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert js.status_code == 200 and "javascript" in (js.mimetype or "")
    assert b"window.ascc" in js.data


def test_html_pages_are_not_cached(client: FlaskClient) -> None:
    response = client.get(SHELL)
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_malformed_id_is_an_html_404(client: FlaskClient) -> None:
    response = client.get("/v/not%20an%20id")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"Not found" in response.data


def test_the_base_layout_has_a_skip_link_and_landmarks(client: FlaskClient) -> None:
    html = client.get(SHELL).get_data(as_text=True)
    assert '<html lang="en">' in html and 'href="#main"' in html
    for landmark in ('role="banner"', '<main id="main"', 'role="contentinfo"'):
        assert landmark in html
    assert 'name="viewport"' in html and "<script>" not in html and "style=" not in html


def test_the_shell_in_chromium_is_accessible_and_runs_no_inline_script(
    page_hub: LiveHub, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    response = page.goto(page_hub.url(SHELL))
    assert response is not None and response.status == 200
    page.evaluate(
        "() => { window.__inline = false; const s = document.createElement('script');"
        " s.textContent = 'window.__inline = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__inline") is False
    assert any("Content Security Policy" in text for text in violations)
    assert_accessible(page, "the customer shell")
    assert shots.take(page, "shell").exists()
