"""In a real browser: a parent accepts an invitation, sets a password and sees only their
child; a teacher writes comments with the keyboard and the page saves them by itself."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, make_world
from tests.printed.conftest import build_reports_world
from tests.test_browser import CHROMIUM
from trackwell.parents import services
from trackwell.parents.models import ParentRelease
from trackwell.printed.models import ReportComment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed"),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.django_db(transaction=True)
def test_a_parent_signs_in_with_an_invitation_and_sees_only_their_child(
    browser_page,
    live_server,
    settings,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = make_world(pupils_per_class=4, objectives=5)
    report_round = build_reports_world(world)
    ParentRelease.objects.create(school=world.school, point=report_round.point)
    child, other = world.pupils_a[0], world.pupils_a[1]
    link = services.add_contact(
        user=world.users["admin"],
        pupil=child,
        first_name="Robin",
        last_name="Hart",
        email="robin@example.org",
    )
    services.email_invitation(
        user=world.users["admin"],
        link=link,
        accept_url_for=lambda token: live_server.url + reverse("parents:accept", args=[token]),
    )
    found = re.search(r"http\S+/family/invite/\S+/", str(mail.outbox[0].body))
    assert found is not None
    url = found.group(0)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url)
    page.fill("input[name=password]", "a-long-family-password-42")
    page.fill("input[name=password2]", "a-long-family-password-42")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("parents:home"))
    assert child.full_name in page.inner_text("main")
    page.click(f"text={child.full_name}")
    page.wait_for_selector("h1")
    text = page.inner_text("main")
    assert child.full_name in text and "Maths" in text and "How you can help at home" in text
    assert "%" not in text and other.full_name not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "parent-child.png"), full_page=False)
    # Another child's page, a class and a staff page are all "not found".
    for path in (
        reverse("parents:child", args=[other.pk]),
        reverse("report-class", args=[world.class_a.pk]),
        reverse("report-pupil", args=[child.pk]),
        reverse("grid", args=[world.class_a.pk, "maths"]),
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 404, path


@pytest.mark.django_db(transaction=True)
def test_a_teacher_writes_comments_with_the_keyboard_and_they_save_themselves(
    browser_page,
    live_server,
) -> None:
    world = make_world(pupils_per_class=3, objectives=5)
    report_round = build_reports_world(world)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users["teacher"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    page.goto(live_server.url + reverse("printed:write", args=[report_round.pk, world.class_a.pk]))
    page.keyboard.type("A cheerful start to the year.")  # the general box has the focus
    page.keyboard.press("Tab")
    for _ in range(3):
        page.keyboard.press("Tab")  # past the three attendance boxes
    page.keyboard.type("Counts in fives with confidence.")
    page.wait_for_selector(f"[data-state-for='subject-{world.maths.pk}'].saved")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-writing.png"), full_page=False)
    first = page.locator("h1").inner_text()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(f"!document.querySelector('h1').innerText.startsWith({first[:12]!r})")
    assert "(2 of 3" in page.locator("h1").inner_text()
    saved = ReportComment.objects.get(round=report_round, subject=world.maths)
    assert saved.text == "Counts in fives with confidence."
