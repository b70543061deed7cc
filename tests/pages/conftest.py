"""Fixtures of the page tests: one chromium per module, a live hub on loopback, contexts
for a phone and a desktop, and an artefacts folder for each test's screenshots.

The hub is the real app served by a threaded werkzeug server on loopback
(:func:`tests.common.hub.serve_hub`, SQLite, rate limits off), the same app ``ascc center
serve`` runs. Screenshots go to ``$ASCC_TEST_ARTEFACTS/<test>/`` when that is set (CI keeps
them), else under the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.common.hub import LiveHub
from tests.pages.browser import Shots, chromium_path, desktop_context, launch, phone_context
from tests.pages.live import serve_pages_hub
from tests.pages.staff import browser_hub, staff_hub  # noqa: F401 (the staff pages' hubs)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver for one module (its event loop never outlives the page tests)."""
    if chromium_path() is None:
        missing = "chromium is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def page_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A live hub on SQLite for the page tests (its own database and key folder), whose
    ``public_url`` is its own loopback address (the channel's socket checks ``Origin``) and
    whose incentives are redeemable at once (no 72-hour hold to wait out)."""
    folder = tmp_path_factory.mktemp("pages-hub")
    with serve_pages_hub(folder) as hub:
        yield hub


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = phone_context(browser)
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = desktop_context(browser)
    yield context
    context.close()


@pytest.fixture
def artefacts(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """This test's artefacts folder (screenshots)."""
    root = os.environ.get("ASCC_TEST_ARTEFACTS")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    return Path(root) / name if root else tmp_path / "artefacts"


@pytest.fixture
def shots(artefacts: Path) -> Shots:
    return Shots(artefacts)
