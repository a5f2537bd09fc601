"""In a real browser: a leader closes a point and schedules the round; a teacher holds the meeting.

The teacher opens the agenda, records a decision that starts an intervention,
sees the action on their home page, and the next meeting opens with it.
"""

import os

import pytest
from django.urls import reverse

from tests.analysis.helpers import add_points, judge, objectives, teach, with_bands
from tests.factories import PASSWORD, make_world
from tests.test_browser import CHROMIUM, browser_page  # noqa: F401  (the shared fixture)
from trackwell.meetings.models import Action, Decision, Meeting
from trackwell.provision.models import Intervention, Participant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]


def _login(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


@pytest.mark.django_db(transaction=True)
def test_a_round_of_meetings_from_closing_the_point_to_the_next_meeting(
    browser_page,  # noqa: F811
    live_server,
    tmp_path,
) -> None:
    w = with_bands(make_world(pupils_per_class=5, objectives=6))
    add_points(w)
    objs = objectives(w.framework)
    teach(w, objs[:4])
    low = w.pupils_a[1]
    for pupil in w.pupils_a:
        for o in objs[:3]:
            judge(w, pupil, o, "1" if pupil.pk == low.pk else "2")
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})

    # The leader closes the autumn point and schedules its round in one step.
    _login(page, live_server, w.users["leader"].username)
    page.goto(live_server.url + reverse("report-points"))
    page.click("tr:has-text('Autumn') >> text=Close and keep a record")
    page.click("button:has-text('Close Autumn and keep a record')")
    page.wait_for_selector("text=Closed Autumn")
    page.click("nav summary:has-text('Tracking')")  # the menu group opens
    page.click("nav >> text=Meetings")
    row = page.locator("tr", has_text="Autumn")
    row.locator("input[name=first_date]").fill("2026-12-14")
    row.locator("button:has-text('Schedule 2 meetings')").click()
    page.wait_for_selector("text=Scheduled 2 meetings for Autumn")
    assert Meeting.objects.filter(point__name="Autumn").count() == 2

    # The teacher opens the agenda from their home page.
    _login(page, live_server, w.users["teacher"].username)
    page.click("#my-meetings >> text=3 Oak review")
    card = page.locator(f"#pupil-{low.pk}")
    card.wait_for()
    assert "Well below" in card.inner_text()
    page.screenshot(path=str(tmp_path / "meeting-agenda.png"))
    card.locator("summary:has-text('Record a decision')").click()
    form = card.locator("form[action$='/decisions/']")
    form.locator("select[name=kind]").select_option("start")
    form.locator("textarea[name=text]").fill("Three short sessions a week on place value")
    form.locator("input[name=intervention_name]").fill("Place value group")
    assert objs[0].code in form.locator("textarea[name=focus]").input_value()
    form.locator("button:has-text('Record decision')").click()
    page.wait_for_selector("text=Decision recorded")
    assert (
        "On the provision map: Place value group" in page.locator(f"#pupil-{low.pk}").inner_text()
    )
    decision = Decision.objects.get(kind="start")
    assert decision.intervention_ref is not None
    intervention = Intervention.objects.get(pk=decision.intervention_ref)
    assert Participant.objects.get(intervention=intervention).pupil_id == low.pk
    action = Action.objects.get(decision=decision)

    # The action is on the teacher's home page.
    page.click("header >> text=My classes")
    mine = page.locator("#my-actions")
    assert action.description in mine.inner_text()

    # The leader plans the spring round; its meeting opens with last time's action.
    _login(page, live_server, w.users["leader"].username)
    page.goto(live_server.url + reverse("meetings:index"))
    spring = page.locator("tr", has_text="Spring")
    spring.locator("input[name=first_date]").fill("2027-03-29")
    spring.locator("button:has-text('Schedule 2 meetings')").click()
    page.wait_for_selector("text=Scheduled 2 meetings for Spring")
    _login(page, live_server, w.users["teacher"].username)
    next_meeting = Meeting.objects.get(point__name="Spring", school_class=w.class_a)
    page.goto(live_server.url + reverse("meetings:detail", args=[next_meeting.pk]))
    last_time = page.locator("#last-time")
    assert action.description in last_time.inner_text()
    # What became of it, said at the next meeting.
    last_time.locator("select[name=status]").select_option("done")
    last_time.locator("input[name=outcome]").fill("Running since January; two objectives secure")
    last_time.locator("button:has-text('Save')").click()
    page.wait_for_selector("text=Action updated")
    action.refresh_from_db()
    assert action.status == "done"
    assert "two objectives secure" in page.locator("#last-time").inner_text()
