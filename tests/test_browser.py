"""A teacher fills the grid with the keyboard in a real browser, reloads, and sees it kept."""

import os
import shutil

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import PASSWORD, World, make_world
from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import Objective

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
    # Playwright's sync API runs an event loop in this thread; the ORM calls we make
    # between browser steps are plain synchronous test code.
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
        # ORM calls made while Playwright's loop runs get their own connection (asgiref's
        # context-local storage); close it here or PostgreSQL cannot drop the test database.
        connections.close_all()


def _teach_all(world: World) -> World:
    """Mark the Year 3 objectives taught to class A (rating an untaught one asks first)."""
    from trackwell.curriculum.models import TaughtObjective

    TaughtObjective.objects.bulk_create(
        TaughtObjective(school=world.school, school_class=world.class_a, objective=o)
        for o in world.objectives
    )
    return world


def _login(page, live_server, world: World, role: str = "teacher") -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.users[role].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


@pytest.mark.django_db(transaction=True)
def test_keyboard_entry_is_saved_and_survives_reload(browser_page, live_server) -> None:
    world = _teach_all(make_world(pupils_per_class=4, objectives=5))
    page = browser_page
    _login(page, live_server, world)
    page.click("text=Maths >> nth=0")
    page.wait_for_selector("#grid")

    first = page.locator("#grid tbody td.cell").first
    first.click()
    # Type a rating for the first objective down the class, then go right and back up.
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.keyboard.press("1")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("0")
    page.wait_for_function("document.querySelectorAll('#grid td.is-saving').length === 0")
    page.wait_for_selector("#grid-status:has-text('All changes saved')")

    # Clearing with Backspace, and a note with Enter.
    # Focus is now on the fourth pupil, second objective; go to the second pupil's first cell.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.fill("#note-dialog textarea", "Used a number line")
    page.click("#note-dialog button[value=save]")
    # The note is shown at once and marked as saving; wait until the server has it.
    page.wait_for_function(
        "document.querySelector('#grid td.cell[data-note=\"Used a number line\"]') !== null"
        " && document.querySelectorAll('#grid td.is-saving').length === 0"
    )

    page.reload()
    rows = page.locator("#grid tbody tr")
    codes = [
        [c.strip() for c in rows.nth(i).locator("td.cell").all_inner_texts()[:2]] for i in range(3)
    ]
    assert codes == [["2", ""], ["", ""], ["1", "0"]]
    assert "Used a number line" in (
        rows.nth(1).locator("td.cell").first.get_attribute("data-note") or ""
    )
    # The first pupil's summary was updated: one secure of the five objectives taught.
    assert rows.nth(0).locator("[data-sum=pct_secured_of_taught]").inner_text() == "20%"

    ordered = sorted(world.pupils_a, key=lambda p: (p.last_name, p.first_name))
    stored = {
        (j.pupil_id, j.objective_id): (j.level.code if j.level else None, j.note)
        for j in Judgement.objects.select_related("level")
    }
    assert stored[(ordered[0].pk, world.objectives[0].pk)] == ("2", "")
    assert stored[(ordered[1].pk, world.objectives[0].pk)] == (None, "Used a number line")
    assert stored[(ordered[2].pk, world.objectives[0].pk)] == ("1", "")
    assert stored[(ordered[2].pk, world.objectives[1].pk)] == ("0", "")


@pytest.mark.django_db(transaction=True)
def test_conflicting_edit_is_shown_with_both_values(browser_page, live_server) -> None:
    from trackwell.assessment.services import set_judgement

    world = _teach_all(make_world(pupils_per_class=2, objectives=3))
    page = browser_page
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    ordered = sorted(world.pupils_a, key=lambda p: (p.last_name, p.first_name))
    # Someone else rates the first cell after the page loaded.
    set_judgement(
        user=world.users["leader"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=ordered[0].pk,
        objective_id=world.objectives[0].pk,
        code="1",
        expected_version=0,
    )
    page.locator("#grid tbody td.cell").first.click()
    page.keyboard.press("3")
    dialog = page.locator("#conflict-dialog")
    dialog.wait_for(state="visible")
    text = dialog.locator(".conflict-text").inner_text()
    assert "1 (Developing)" in text and "3 (Greater depth)" in text
    assert world.users["leader"].display_name in text
    dialog.locator("button[value=mine]").click()
    page.wait_for_selector("#grid-status:has-text('All changes saved')")
    judgement = Judgement.objects.select_related("level").get(
        pupil=ordered[0], objective=world.objectives[0]
    )
    assert judgement.level.code == "3"  # type: ignore[union-attr]
    assert judgement.version == 2


@pytest.mark.django_db(transaction=True)
def test_a_save_that_fails_stays_visibly_unsaved_and_retries(browser_page, live_server) -> None:
    world = _teach_all(make_world(pupils_per_class=2, objectives=3))
    page = browser_page
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    page.context.set_offline(True)
    page.locator("#grid tbody td.cell").first.click()
    page.keyboard.press("2")
    page.wait_for_selector("#grid td.cell.is-error")
    assert "not saved yet" in page.locator("#grid-status").inner_text()
    assert Judgement.objects.count() == 0
    page.context.set_offline(False)
    page.wait_for_selector("#grid-status:has-text('All changes saved')", timeout=15000)
    assert page.locator("#grid td.cell.is-error").count() == 0
    assert Judgement.objects.get().level.code == "2"  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_leader_drags_an_objective_into_another_strand(browser_page, live_server) -> None:
    world = make_world(pupils_per_class=2, objectives=6)
    page = browser_page
    _login(page, live_server, world, role="leader")
    page.goto(live_server.url + reverse("curriculum-framework", args=[world.framework.pk]))
    page.wait_for_selector("#cur-editor.can-drag")  # SortableJS loaded from node_modules
    strands = list(world.framework.strands.order_by("order"))
    moved = Objective.objects.get(framework=world.framework, strand=strands[0], order=3)
    target = Objective.objects.get(framework=world.framework, strand=strands[1], order=1)

    page.locator(f"#objective-{moved.pk} .statement").drag_to(
        page.locator(f"#objective-{target.pk} .statement")
    )
    page.wait_for_selector("#cur-reorder-status:has-text('New order saved')")

    moved.refresh_from_db()
    assert moved.strand_id == strands[1].pk
    in_second = list(
        Objective.objects.filter(strand=strands[1]).order_by("order").values_list("pk", flat=True)
    )
    assert moved.pk in in_second and len(in_second) == 3
    assert not Objective.objects.filter(strand=strands[0], pk=moved.pk).exists()
    page.reload()
    shown = page.locator(f"ol[data-strand='{strands[1].pk}'] li[data-objective]")
    assert [int(x) for x in shown.evaluate_all("els => els.map(e => e.dataset.objective)")] == (
        in_second
    )


@pytest.mark.django_db(transaction=True)
def test_a_band_explains_itself_on_keyboard_focus(browser_page, live_server) -> None:
    from tests.analysis.helpers import judge, objectives, teach, with_bands

    world = with_bands(make_world(pupils_per_class=3, objectives=6))
    taught = objectives(world.framework)
    teach(world, taught[:4])
    for pupil in world.pupils_a:
        for objective in taught[:3]:
            judge(world, pupil, objective, "2")
    page = browser_page
    _login(page, live_server, world)
    page.goto(live_server.url + reverse("report-class", args=[world.class_a.pk]))
    band = page.locator("button.band").first
    tip = page.locator(f"#{band.get_attribute('aria-describedby')}")
    assert tip.is_hidden()  # calm page: reasons appear when asked for

    band.focus()
    tip.wait_for(state="visible")
    text = tip.inner_text()
    label = band.inner_text().replace("*", "").replace("(suggested)", "").strip()
    # The reason names the band, the figures it used and what the next band needs.
    assert text.startswith(f"Suggested {label}:")
    assert "secure of the year" in text and "needs" in text and "Not yet confirmed" in text
    page.keyboard.press("Tab")
    tip.wait_for(state="hidden")
