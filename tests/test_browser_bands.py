"""A leader adds a band in a real browser: the live preview shows it before anything is saved."""

import os
import shutil

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import PASSWORD, World, make_world
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.models import BandSet, StartingPoint

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
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
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()
        # Close the connection the ORM used under Playwright's loop, or PostgreSQL cannot
        # drop the test database.
        connections.close_all()


def _login(page, live_server, world: World, role: str = "leader") -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users[role].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


@pytest.mark.django_db(transaction=True)
def test_adding_a_band_updates_the_preview_then_saves(browser_page, live_server) -> None:
    world = make_world(pupils_per_class=3, objectives=4)
    create_default_bands(world.school)
    band_set = BandSet.objects.get(school=world.school, name="Attainment")
    page = browser_page
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("report-band-set", args=[band_set.pk]))
    preview = page.locator("#band-preview")
    assert "Working towards" not in preview.inner_text()

    # Typing a new band's label previews the set with it, live; nothing is saved.
    page.fill("#new-band-label", "Working towards")
    page.select_option("select[name=new-place]", "just-below")
    page.wait_for_selector("#band-preview:has-text(\"Adds 'Working towards'\")")
    rows = page.locator("#band-preview tbody th").all_inner_texts()
    assert [r.strip() for r in rows] == [
        "Greater depth",
        "On track",
        "Working towards",
        "Just below",
        "Below",
        "Well below",
    ]
    assert band_set.bands.count() == 5

    # Without JavaScript's help, "Add band" puts the row in place, still unsaved.
    with page.expect_navigation():
        page.click("button[value=add]")
    page.wait_for_selector("input[name=band-3-key][value=working-towards]", state="attached")
    assert page.locator("#new-band-label").input_value() == ""
    assert band_set.bands.count() == 5
    # Enter in a field previews: it never moves a band (the first button in the form would).
    with page.expect_navigation():
        page.press("input[name=band-0-label]", "Enter")
    keys = page.locator("input[name$='-key'][type=hidden]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert keys == [
        "well-below",
        "below",
        "just-below",
        "working-towards",
        "on-track",
        "greater-depth",
    ]
    # Ticking "Remove" on it previews its going; untick, then save.
    page.check("input[name=band-3-remove]")
    page.wait_for_function(
        "!document.querySelector('#band-preview').innerText.includes('Working towards')"
    )
    page.uncheck("input[name=band-3-remove]")
    page.wait_for_selector("#band-preview:has-text(\"Adds 'Working towards'\")")
    page.click("button[value=save]")
    page.wait_for_selector(".messages:has-text('Saved the band set')")
    assert list(band_set.bands.order_by("order").values_list("key", flat=True)) == [
        "well-below",
        "below",
        "just-below",
        "working-towards",
        "on-track",
        "greater-depth",
    ]


@pytest.mark.django_db(transaction=True)
def test_enter_in_a_starting_point_saves_and_never_removes(browser_page, live_server) -> None:
    world = make_world(pupils_per_class=2, objectives=3)
    first = StartingPoint.objects.create(school=world.school, key="first", label="First")
    page = browser_page
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("report-band-sets"))
    page.fill(f"input[name=sp-{first.pk}-label]", "First of all")
    page.press(f"input[name=sp-{first.pk}-label]", "Enter")
    page.wait_for_selector(".messages:has-text('Saved 1 starting point')")
    first.refresh_from_db()
    assert first.label == "First of all"
