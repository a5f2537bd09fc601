"""A teacher types raw marks down a class in a real browser and sees scores, bands and
percentiles; a leader sees the target report and the pupil's flight path."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import World, make_world
from tests.scores.conftest import make_reading_test
from tests.test_browser import CHROMIUM, _login, browser_page  # noqa: F401  (fixture)
from trackwell.scores.models import TestResult

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
        reason="Debian's Chromium is not installed (make test installs it)",
    ),
]

SCREENS = Path(os.environ.get("TRACKWELL_SCREENSHOTS", "var/screens"))


@pytest.mark.django_db(transaction=True)
def test_marks_typed_down_the_class_are_saved_and_scored(
    browser_page,  # noqa: F811
    live_server,
) -> None:
    world: World = make_world(pupils_per_class=4, objectives=5)
    test = make_reading_test(world)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("scores:results", args=[test.pk, world.class_a.pk]))
    first = page.locator("#results input.raw").first
    first.click()
    for mark in ("27", "48", "2", "51"):
        page.keyboard.type(mark)
        page.keyboard.press("Enter")
    page.wait_for_selector("#results tbody tr:nth-child(4) input[aria-invalid=true]")
    page.wait_for_selector("#results tbody tr:nth-child(3) .score:has-text('No score awarded')")
    page.wait_for_selector("#results tbody tr:nth-child(2) .band-cell:has-text('High score')")
    rows = page.locator("#results tbody tr")
    assert rows.nth(0).locator(".score").inner_text() == "100"
    assert rows.nth(1).locator(".band-cell").inner_text() == "High score"
    assert rows.nth(2).locator(".score").inner_text() == "No score awarded"
    assert rows.nth(3).locator("input.raw").get_attribute("aria-invalid") == "true"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "results-grid.png"))
    marks = dict(TestResult.objects.values_list("pupil_id", "raw_mark"))
    assert sorted(v for v in marks.values() if v is not None) == [2, 27, 48]
    page.reload()
    assert page.locator("#results input.raw").nth(1).input_value() == "48"


@pytest.mark.django_db(transaction=True)
def test_pupil_page_shows_the_flight_path_and_the_report_counts(
    browser_page,  # noqa: F811
    live_server,
) -> None:
    from datetime import date

    from trackwell.analysis.defaults import create_default_bands
    from trackwell.core.models import AssessmentPoint
    from trackwell.scores import targets

    world: World = make_world(pupils_per_class=6, objectives=6)
    create_default_bands(world.school)
    autumn = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    spring = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date=date(2027, 3, 26)
    )
    summer = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Summer", date=date(2027, 7, 9)
    )
    pupil = world.pupils_a[0]
    for point, value in ((autumn, 30), (spring, 60), (summer, 90)):
        targets.save_targets(
            user=world.users["teacher"],
            school_class=world.class_a,
            subject=world.maths,
            point=point,
            entries=[
                targets.TargetInput(p.pk, "pct_secure", None, value, 0) for p in world.pupils_a
            ],
        )
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _login(page, live_server, world, "leader")
    page.goto(live_server.url + reverse("report-pupil", args=[pupil.pk]))
    section = page.locator("section.flight-paths")
    assert "Target (flight path)" in section.inner_text()
    section.scroll_into_view_if_needed()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "flight-path.png"))
    page.goto(live_server.url + reverse("scores:targets-report"))
    assert "All pupils" in page.inner_text("main")
    page.screenshot(path=str(SCREENS / "targets-report.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_points_stay_off_until_the_warning_is_read(
    browser_page,  # noqa: F811
    live_server,
) -> None:
    from trackwell.scores.models import PointsSetting

    world: World = make_world(pupils_per_class=3, objectives=3)
    make_reading_test(world)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _login(page, live_server, world, "leader")
    page.goto(live_server.url + reverse("scores:index"))
    page.screenshot(path=str(SCREENS / "tests-index.png"))
    page.goto(live_server.url + reverse("scores:points"))
    assert "what a points scale hides" in page.inner_text("main")
    page.screenshot(path=str(SCREENS / "points-warning.png"))
    page.click(
        "button:has-text('Switch points on')"
    )  # the tick box is required: the browser refuses
    assert not PointsSetting.objects.filter(enabled=True).exists()
    page.check("input[name=understood]")
    page.click("button:has-text('Switch points on')")
    page.wait_for_selector("button:has-text('Switch points off')")
    assert PointsSetting.objects.get(school=world.school).enabled
