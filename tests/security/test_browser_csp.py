"""The real content security policy in a real browser: the pages' scripts run, nothing breaks it."""

import pytest
from django.urls import reverse

from tests.analysis.helpers import with_bands
from tests.factories import PASSWORD, World, make_world
from tests.test_browser import CHROMIUM, browser_page  # noqa: F401  (the fixture)
from trackwell.analysis.models import BandSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no Chromium"),
]


@pytest.fixture
def strict_csp() -> None:
    """The policy exactly as configured: no eval for Playwright's waits."""


def _sign_in(page, live_server, world: World, role: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users[role].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_pages_work_under_the_strict_policy(browser_page, live_server, strict_csp) -> None:  # noqa: F811
    world = make_world(pupils_per_class=3, objectives=4)
    with_bands(world)
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _sign_in(page, live_server, world, "teacher")
    page.wait_for_url(live_server.url + reverse("home"))
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    cell = page.locator("#grid tbody td.cell").first
    cell.click()
    page.keyboard.type("2")
    page.click("#untaught-dialog button[value=mark]")  # not yet taught: the grid asks once
    page.wait_for_selector("#grid td.cell.lv-2")  # grid.js saved it: the script ran
    page.context.clear_cookies()  # signed out: now as a leader
    _sign_in(page, live_server, world, "leader")
    page.wait_for_url(live_server.url + reverse("home"))
    band_set = BandSet.objects.filter(school=world.school).first()
    assert band_set is not None
    for url in (
        reverse("curriculum-framework", args=[world.framework.pk]),
        reverse("report-band-set", args=[band_set.pk]),
        reverse("report-school"),
        reverse("security:mfa"),
    ):
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    page.goto(live_server.url + reverse("security:mfa"))
    page.screenshot(path="var/screenshot-mfa-overview.png")
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_a_leader_meets_the_two_step_set_up(browser_page, live_server, real_mfa) -> None:  # noqa: F811
    world = make_world(pupils_per_class=2, objectives=2)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page, live_server, world, "leader")
    page.wait_for_url("**/security/two-step/set-up/**")
    assert page.locator("svg").count() >= 1
    assert page.get_by_text("Turn on two-step sign-in").count() == 1
    page.screenshot(path="var/screenshot-mfa-setup.png")
