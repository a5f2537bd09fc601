"""The grouped menu in a real browser: closed, it is one line; it opens from the keyboard."""

import os

import pytest
from django.urls import reverse

from tests.assessment.conftest import shot
from tests.factories import PASSWORD, make_parent, make_world
from tests.test_browser import CHROMIUM, browser_page  # noqa: F401  (the shared fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]


def _login(page, live_server, username: str, landing: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + landing)


def _header_height(page) -> float:
    return page.evaluate("document.querySelector('header.site').getBoundingClientRect().height")


@pytest.mark.django_db(transaction=True)
def test_the_menu_for_a_head_a_teacher_and_a_parent(browser_page, live_server) -> None:  # noqa: F811
    world = make_world(pupils_per_class=3, objectives=3)
    world.school.leaders_manage_people = True
    world.school.save()
    parent = make_parent(world.school, [world.pupils_a[0]])
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})

    # A head: six closed groups and links on one line, the header one line high.
    _login(page, live_server, world.users["leader"].username, reverse("home"))
    shot(page, "menu-head-closed")
    assert _header_height(page) < 60
    assert not page.is_visible("header nav >> text=Band rules")
    page.focus("header nav summary:has-text('Analysis')")
    page.keyboard.press("Enter")
    assert page.is_visible("header nav >> text=Band rules")
    page.keyboard.press("Tab")  # into the open group's first link
    assert page.evaluate("document.activeElement.textContent") == "School overview"
    shot(page, "menu-head-open")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # closes it again
    assert not page.is_visible("header nav >> text=Band rules")
    page.click("header nav summary:has-text('School')")
    page.click("header nav >> text=Curriculum")
    page.wait_for_url(live_server.url + reverse("curriculum-index"))

    # A teacher: their classes at once, the rest in Tracking.
    _login(page, live_server, world.users["teacher"].username, reverse("home"))
    shot(page, "menu-teacher-closed")
    assert page.is_visible("header nav >> text=My classes")
    page.click("header nav summary:has-text('Tracking')")
    shot(page, "menu-teacher-open")
    page.click("header nav >> text=Tests")
    page.wait_for_url(live_server.url + reverse("scores:index"))

    # A parent: their children and their account.
    _login(page, live_server, parent.username, reverse("parents:home"))
    shot(page, "menu-parent-closed")
    page.click("header nav summary:has-text('Your account')")
    shot(page, "menu-parent-open")
    assert page.is_visible("header nav >> text=Change password")
    assert page.is_visible("header nav >> button:has-text('Sign out')")
