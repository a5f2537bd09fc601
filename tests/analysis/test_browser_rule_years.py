"""A leader ticks a rule's year groups in the band editor with the keyboard, in a real browser."""

import os

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_world
from tests.test_browser import CHROMIUM, browser_page  # noqa: F401  (the fixture)
from trackwell.analysis import services
from trackwell.analysis.models import BandRule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no Chromium"),
]

DOC = {
    "format": "trackwell-band-set",
    "version": 1,
    "name": "By year",
    "kind": "attainment",
    "bands": [
        {"key": "lowest", "label": "Lowest"},
        {
            "key": "placed",
            "label": "Placed",
            "rules": [{"conditions": [{"metric": "objectives", "op": ">=", "value": 0}]}],
        },
    ],
}


@pytest.mark.django_db(transaction=True)
def test_year_boxes_are_ticked_with_the_keyboard(browser_page, live_server) -> None:  # noqa: F811
    world = make_world(pupils_per_class=3, objectives=4)
    band_set = services.save_band_set(user=None, school=world.school, doc=DOC)
    page = browser_page
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users["leader"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))
    page.goto(live_server.url + reverse("report-band-set", args=[band_set.pk]))
    page.get_by_label("Band for rule 1").focus()
    # Tab past the point and starting point to the rule's first year box (Year 3).
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Year 3 for rule 1"
    )
    page.keyboard.press("Space")
    assert page.get_by_label("Year 3 for rule 1").is_checked()
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.environ["SCREENSHOTS"] + "/rule_years.png", full_page=True)
    page.get_by_role("button", name="Save bands and rules").click()
    page.wait_for_load_state()
    assert BandRule.objects.get(band__band_set=band_set).years == [3]
    assert page.get_by_label("Year 3 for rule 1").is_checked()
