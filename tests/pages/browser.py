"""Pages in a real browser: Debian's chromium driven by Playwright, screenshots, axe-core.

Never ``playwright install`` (it downloads a browser): :func:`launch` starts
``/usr/bin/chromium`` (the ``chromium`` Debian package; ``.ci/run`` installs it) with the
arguments of NOTES "pages in a real browser". :class:`Shots` writes one numbered PNG per step
under the test's artefacts folder; :func:`assert_accessible` runs axe-core
(axe-playwright-python) in the page and fails on any serious or critical violation.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 360, "height": 740}  # the main target: a small phone, portrait
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
BLOCKING = ("serious", "critical")


def chromium_path() -> str | None:
    """Debian's chromium if installed (``/usr/bin/chromium``), else ``None``."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def launch(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, with no network of its own beyond what pages ask."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("chromium is not installed: apt-get install chromium")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def phone_context(browser: Browser, **options: Any) -> BrowserContext:
    """A customer's phone: 360 px wide, touch, a mobile user agent's scale."""
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )


def desktop_context(browser: Browser, **options: Any) -> BrowserContext:
    """A provider's or operator's desktop."""
    return browser.new_context(viewport=DESKTOP, **options)


@dataclass
class Shots:
    """Numbered full-page screenshots of one test's steps, under ``folder``."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, step: str) -> Path:
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        self.taken.append(path)
        return path


def violations(page: Page, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe-core's violations of ``impacts`` on the page as it stands (WCAG 2.x A/AA rules
    and axe's best practices)."""
    results = Axe().run(page)
    found: list[dict[str, Any]] = results.response["violations"]
    return [v for v in found if v.get("impact") in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = [node.get("target") for node in violation.get("nodes", [])][:5]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str = "") -> None:
    """No serious or critical axe-core violation on the page as it stands now."""
    found = violations(page)
    assert not found, f"axe-core on {where or page.url}:\n{describe(found)}"
