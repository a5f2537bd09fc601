"""A teaching assistant records a week of sessions on a phone and on a laptop, in a real browser."""

import os
import shutil
from datetime import date, timedelta

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import PASSWORD, make_world
from tests.provision.conftest import make_provision
from trackwell.provision.models import Attendance, Session

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]


@pytest.fixture
def browser(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield chromium
        chromium.close()
        connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_assistant_records_a_week_of_sessions(browser, live_server, width, height) -> None:
    world = make_world(pupils_per_class=4, objectives=4)
    provision = make_provision(world)
    group = provision.group_a
    page = browser.new_page(viewport={"width": width, "height": height}, has_touch=width < 500)
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users["ta"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    page.click("text=Your groups")
    assert page.locator("h1").inner_text() == "Groups you deliver"
    monday = date(2026, 11, 23)
    absent = world.pupils_a[1].full_name
    for n in range(5):
        day = monday + timedelta(days=n)
        page.goto(live_server.url + reverse("provision:mine"))
        page.click(f"text={group.name} >> xpath=.. >> text=Record today's session")
        page.wait_for_selector("#s-date")
        page.fill("#s-date", day.isoformat())
        if n == 2:
            page.locator("label.pupil-tap", has_text=absent).click()  # one tap: absent
        page.fill("#s-note", f"Day {n + 1}: number bonds")
        tap = page.locator("button:has-text('Save session')")
        box = tap.bounding_box()
        assert box is not None and box["height"] >= 40  # a target a thumb can hit
        tap.click()
        page.wait_for_selector(".messages li")
        assert "Recorded" in page.locator(".messages li").first.inner_text()
    week = Session.objects.filter(intervention=group, date__gte=monday)
    assert week.count() == 5
    wednesday = week.get(date=monday + timedelta(days=2))
    assert wednesday.note == "Day 3: number bonds"
    assert not Attendance.objects.get(
        session=wednesday, participant__pupil=world.pupils_a[1]
    ).present
    assert Attendance.objects.filter(session__in=week, present=True).count() == 5 * 3 - 1
    # The page fits the phone's width: nothing to scroll sideways.
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1
    page.close()
