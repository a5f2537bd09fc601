"""In a real browser: the admin gives a new class an earlier year's framework at the rollover."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests import test_browser
from tests.factories import make_world
from trackwell.assessment.models import ClassFramework

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
browser_page = test_browser.browser_page
pytestmark = test_browser.pytestmark


@pytest.mark.django_db(transaction=True)
def test_admin_chooses_a_framework_for_a_class_at_the_rollover(browser_page, live_server) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world = make_world(pupils_per_class=2, objectives=3)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    test_browser._login(page, live_server, world, role="admin")
    page.goto(live_server.url + reverse("setup-rollover"))
    select = f"select[name='class_fw_{world.class_a.pk}_{world.maths.pk}']"
    assert page.input_value(select) == str(world.framework.pk)  # the default: Year 3's
    page.select_option(select, str(world.framework_y2.pk))
    page.fill("input[name='point_name_2']", "Summer")
    page.fill("input[name='point_date_2']", "2028-07-02")
    page.screenshot(path=f"{SCREENSHOTS}/rollover-frameworks.png", full_page=True)
    page.check("input[name='confirm']")
    page.click("button[value='apply']")
    page.wait_for_selector(".messages:has-text('has begun')")
    (choice,) = ClassFramework.objects.all()
    assert choice.framework == world.framework_y2 and choice.school_class.name == "4 Oak"
