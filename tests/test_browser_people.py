"""In a real browser: an admin sets up a class and a new teacher, who activates the account
from the emailed link and fills the grid of that class."""

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, make_world
from tests.test_browser import browser_page  # noqa: F401  (the shared browser fixture)
from trackwell.assessment.models import Judgement
from trackwell.pupils import services
from trackwell.pupils.upn import make_upn

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("TRACKWELL_SCREENSHOTS", "var/screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]


def shot(page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"people-{name}.png"), full_page=full_page)


@pytest.mark.django_db(transaction=True)
def test_admin_sets_up_a_class_and_a_teacher_who_activates_and_fills_the_grid(
    browser_page,  # noqa: F811
    live_server,
) -> None:
    world = make_world(pupils_per_class=2, objectives=4)
    admin = world.users["admin"]
    newcomers = [
        services.create_pupil(
            admin,
            world.school,
            upn=make_upn(823, 3001, 20, n),
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(2018, 2, n + 1),
            sex="F" if n % 2 else "M",
            nc_year=3,
        )
        for n, (first, last) in enumerate([("Amara", "Lewis"), ("Tomasz", "Nowak")], start=1)
    ]
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    # The admin makes a class and puts the two new pupils in it.
    page.click("header nav summary:has-text('People')")  # the menu group opens
    page.click("text=Manage the school")
    page.click(".people-tabs a:text-is('Classes')")
    page.click("text=Add a class")
    page.fill("#id_name", "3 Yew")
    page.select_option("#id_nc_year", "3")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1:has-text('3 Yew')")
    for pupil in newcomers:
        page.check(f"input[name=pupil][value='{pupil.pk}']")
    shot(page, "class")
    page.click("button:has-text('Add the ticked pupils')")
    page.wait_for_selector("text=Added 2 pupils to 3 Yew")

    # Then a new teacher for it.
    page.click("header nav summary:has-text('People')")  # the menu group opens
    page.click("text=Manage the school")
    page.click("text=Add a member of staff")
    page.fill("#id_first_name", "Rhian")
    page.fill("#id_last_name", "Evans")
    page.fill("#id_email", "rhian.evans@example.org")
    page.select_option("#id_role", "teacher")
    page.check("label:has-text('3 Yew') input")
    shot(page, "staff-add")
    page.click("button:has-text('Add and send the email')")
    page.wait_for_selector("text=An email with a link to set their password")
    shot(page, "staff-list")
    page.click("button:has-text('Sign out')")

    # The teacher opens the link from the email and chooses a password.
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password/set/\S+/", str(mail.outbox[0].body))
    assert link
    page.goto(link.group(0))
    page.wait_for_selector("h1:has-text('Choose your password')")
    page.fill("#id_new_password1", "Tulip-harbour-lantern-93")
    page.fill("#id_new_password2", "Tulip-harbour-lantern-93")
    shot(page, "set-password")
    page.click("button:has-text('Save my password')")
    page.wait_for_selector("h1:has-text('Your password is saved')")
    page.click("a:has-text('Sign in')")
    page.fill("#id_username", "rhian.evans@example.org")
    page.fill("#id_password", "Tulip-harbour-lantern-93")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))

    # Her class has been taught the first unit (the grid asks before rating an
    # objective not yet taught, which tests/assessment covers).
    from trackwell.curriculum.models import Objective, TaughtObjective
    from trackwell.pupils.models import SchoolClass

    new_class = SchoolClass.objects.get(name="3 Yew")
    TaughtObjective.objects.bulk_create(
        TaughtObjective(school=new_class.school, school_class=new_class, objective=o)
        for o in Objective.objects.filter(framework__school=new_class.school, framework__nc_year=3)
    )

    # Her class is on her home page; she fills its grid.
    page.click("text=Maths >> nth=0")
    page.wait_for_selector("#grid")
    assert "3 Yew" in page.inner_text("h1")
    page.locator("#grid tbody td.cell").first.click()
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.wait_for_selector("#grid td.cell.lv-3")
    page.wait_for_function(
        "document.querySelectorAll('#grid td.is-saving, #grid td.is-error').length === 0"
    )
    shot(page, "grid")
    saved = {
        (j.pupil_id, j.level.code if j.level else None)
        for j in Judgement.objects.select_related("level")
    }
    ordered = sorted(newcomers, key=lambda p: (p.last_name, p.first_name))
    assert saved == {(ordered[0].pk, "2"), (ordered[1].pk, "3")}


@pytest.mark.django_db(transaction=True)
def test_admin_rolls_over_and_last_year_stays_readable(
    browser_page,  # noqa: F811
    live_server,
) -> None:
    world = make_world(pupils_per_class=3, objectives=4)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users["admin"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    page.goto(live_server.url + reverse("setup-rollover"))
    page.wait_for_selector("h1:has-text('2026/27 into 2027/28')")
    page.fill("#point_name_2", "Summer")
    page.fill("#point_date_2", "2028-07-07")
    page.fill(f"#class_name_{world.class_b.pk}", "4 Rowan")
    page.click("button:has-text('Update the preview')")
    page.wait_for_selector(f"#class_name_{world.class_b.pk}[value='4 Rowan']")
    shot(page, "rollover", full_page=True)
    page.check("input[name=confirm]")
    page.click("button:has-text('Roll over into 2027/28')")
    page.wait_for_selector("text=2027/28 has begun")
    shot(page, "years")
    # Last year's class and grid are still there, with their pupils.
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    page.wait_for_selector("#grid")
    names = page.inner_text("#grid tbody")
    assert all(p.last_name in names for p in world.pupils_a)
    page.goto(live_server.url + reverse("people-classes"))
    assert "4 Rowan" in page.inner_text("main") and "4 Oak" in page.inner_text("main")
