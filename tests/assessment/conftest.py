"""Browser fixtures for the grid: Debian's Chromium at the common school laptop size."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import PASSWORD, World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAPTOP = {"width": 1366, "height": 768}
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
    reason="Debian's Chromium is not installed (make test installs it)",
)


@pytest.fixture
def laptop_browser(live_server, monkeypatch) -> Iterator[object]:
    """A headless Chromium; `new_page(javascript=True)` opens a 1366x768 page."""
    # As in tests/test_browser.py: Playwright's sync API runs an event loop in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # Close the connection the ORM used under Playwright's loop, or PostgreSQL cannot
        # drop the test database.
        connections.close_all()


def open_page(browser, *, javascript: bool = True):
    context = browser.new_context(viewport=LAPTOP, java_script_enabled=javascript)
    return context.new_page()


def login(page, live_server, world: World, role: str = "teacher") -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users[role].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOTS names a folder (to look at the page as users do)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
