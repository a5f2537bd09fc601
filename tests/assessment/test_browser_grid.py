"""The grid as a teacher uses it on a 1366x768 school laptop, in a real browser."""

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.assessment.conftest import login, needs_chromium, open_page, shot
from tests.factories import World, make_world
from trackwell.accounts.models import User
from trackwell.assessment.models import Judgement
from trackwell.assessment.services import set_judgement
from trackwell.curriculum.models import TaughtObjective

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

# Rows of the grid fully visible below its sticky header, and the page's own scroll.
VISIBLE_ROWS = """() => {
  const box = document.querySelector('.grid-scroll').getBoundingClientRect();
  const head = document.querySelector('#grid thead th.obj').getBoundingClientRect();
  const top = Math.max(box.top, head.bottom), bottom = Math.min(box.bottom, window.innerHeight);
  return Array.from(document.querySelectorAll('#grid tbody tr')).filter((tr) => {
    const r = tr.getBoundingClientRect();
    return r.top >= top - 1 && r.bottom <= bottom + 1;
  }).length;
}"""
# The focused cell is in sight: not under the sticky headings or the pupil column.
FOCUS_IN_SIGHT = """() => {
  const cell = document.activeElement.getBoundingClientRect();
  const head = document.querySelector('#grid thead th.obj').getBoundingClientRect();
  const name = document.querySelector('#grid tbody th.pupil').getBoundingClientRect();
  const box = document.querySelector('.grid-scroll').getBoundingClientRect();
  return document.activeElement.matches('td.cell') && cell.top >= head.bottom - 1
    && cell.left >= name.right - 1 && cell.bottom <= box.bottom + 1 && cell.right <= box.right + 1;
}"""
HEADER_IN_VIEW = """() => {
  const h1 = document.querySelector('.grid-bar h1').getBoundingClientRect();
  const head = document.querySelector('#grid thead th.obj').getBoundingClientRect();
  return window.scrollY === 0 && h1.top >= 0 && head.top >= 0 && head.bottom <= window.innerHeight;
}"""


def _class_of_thirty(taught: bool = True) -> World:
    world = make_world(pupils_per_class=30, objectives=10)
    if taught:
        TaughtObjective.objects.bulk_create(
            TaughtObjective(school=world.school, school_class=world.class_a, objective=o)
            for o in world.objectives
        )
    return world


def _grid(page, live_server, world: World) -> None:
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    page.wait_for_selector("#grid td.cell:focus")


def _ordered(world: World) -> list:
    return sorted(world.pupils_a, key=lambda p: (p.last_name, p.first_name))


def _all_saved(page) -> None:
    # Saves go one at a time; on a busy shared machine 300 of them can take minutes.
    page.wait_for_function(
        "document.querySelectorAll('#grid td.is-saving, #grid td.is-error').length === 0",
        timeout=300000,
    )


def test_a_class_of_thirty_is_rated_without_the_mouse_and_without_scrolling(
    laptop_browser, live_server
) -> None:
    world = _class_of_thirty()
    user = world.users["teacher"]
    user.grid_cursor = "right"
    user.save()
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    shot(page, "grid-30-pupils")
    # At least 20 of the 30 pupils with the header, the page itself not scrolled.
    assert page.evaluate(VISIBLE_ROWS) >= 20
    assert page.evaluate(HEADER_IN_VIEW)

    # The page opens in the first cell; a pupil at a time, the cursor wraps to the next pupil.
    codes = "0123"
    keystrokes = 0
    for p in range(30):
        for o in range(10):
            page.keyboard.press(codes[(p + o) % 4])
            keystrokes += 1
            if o in (0, 9):
                # In sight once the page has laid out (a status message arriving from an
                # earlier save can shorten the grid's box; the script then keeps the cell in
                # sight within the frame).
                try:
                    page.wait_for_function(FOCUS_IN_SIGHT, timeout=2000, polling="raf")
                except PlaywrightTimeout:
                    pytest.fail(f"pupil {p}, objective {o}: the focused cell is out of sight")
        assert page.evaluate(HEADER_IN_VIEW), (
            f"the page scrolled past the header at pupil {p}",
            page.evaluate(
                "() => [window.scrollY, document.documentElement.scrollHeight,"
                " document.querySelector('.grid-bar').getBoundingClientRect().height,"
                " document.querySelector('#grid thead th.obj').getBoundingClientRect().top,"
                " document.getElementById('grid-status').textContent]"
            ),
        )
    _all_saved(page)
    shot(page, "grid-30-pupils-rated")
    # Every pupil's summary shows all ten ratings, whatever order the saves answered in.
    assert page.locator("#grid [data-sum=assessed]").all_inner_texts() == ["10"] * 30
    ratings = 30 * 10
    assert keystrokes <= ratings + 30  # ratings plus at most one per pupil
    stored = {
        (j.pupil_id, j.objective_id): j.level.code  # type: ignore[union-attr]
        for j in Judgement.objects.select_related("level")
    }
    assert len(stored) == ratings
    for p, pupil in enumerate(_ordered(world)):
        for o, objective in enumerate(world.objectives):
            assert stored[(pupil.pk, objective.pk)] == codes[(p + o) % 4]


def test_the_cursor_direction_is_a_setting_remembered_for_the_user(
    laptop_browser, live_server
) -> None:
    world = _class_of_thirty()
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    # Down by default: two ratings fill the first objective for two pupils.
    page.keyboard.press("2")
    page.keyboard.press("3")
    _all_saved(page)
    rows = page.locator("#grid tbody tr")
    assert rows.nth(0).locator("td.cell").nth(0).inner_text() == "2"
    assert rows.nth(1).locator("td.cell").nth(0).inner_text() == "3"

    page.select_option("#grid-cursor", "right")
    page.wait_for_selector("#grid-status:has-text('moves right')")
    user = User.objects.get(pk=world.users["teacher"].pk)
    assert user.grid_cursor == "right"
    page.reload()
    page.wait_for_selector("#grid td.cell:focus")
    assert page.locator("#grid-cursor").input_value() == "right"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("1")
    page.keyboard.press("0")
    _all_saved(page)
    third = rows.nth(2).locator("td.cell")
    assert [third.nth(0).inner_text(), third.nth(1).inner_text()] == ["1", "0"]
    shot(page, "grid-cursor-right")
    # The line above the grid names the cell's objective in full; a heading's statement
    # opens on keyboard focus, not only on hover.
    assert world.objectives[2].statement in page.locator("#grid-focus").inner_text()
    tip = page.locator(f"#tip-{world.objectives[3].pk}")
    assert tip.is_hidden()
    page.focus(f"#grid thead th[data-objective='{world.objectives[3].pk}'] button")
    tip.wait_for(state="visible")
    assert world.objectives[3].statement in tip.inner_text()
    # Pupil names lead to the pupil's page.
    href = rows.nth(0).locator("a.name").get_attribute("href")
    assert href == reverse("report-pupil", args=[_ordered(world)[0].pk])


def test_ctrl_enter_saves_a_note_and_escape_cancels(laptop_browser, live_server) -> None:
    world = _class_of_thirty()
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    page.keyboard.press("Enter")
    page.wait_for_selector("#note-dialog[open]")
    page.keyboard.type("Counts on in tens")
    page.keyboard.press("Enter")  # a new line, not a save
    page.keyboard.type("with a number line")
    assert page.locator("#note-dialog[open]").count() == 1
    shot(page, "grid-note")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#note-dialog:not([open])", state="attached")
    _all_saved(page)
    first = _ordered(world)[0]
    note = Judgement.objects.get(pupil=first, objective=world.objectives[0]).note
    assert note == "Counts on in tens\nwith a number line"
    # The focus is back on the cell; Escape leaves a changed note unsaved.
    page.keyboard.press("Enter")
    page.wait_for_selector("#note-dialog[open]")
    page.keyboard.type(" and more")
    page.keyboard.press("Escape")
    page.wait_for_selector("#note-dialog:not([open])", state="attached")
    assert page.evaluate("document.activeElement.matches('td.cell')")
    page.wait_for_timeout(300)
    assert Judgement.objects.get(pupil=first, objective=world.objectives[0]).note == note
    # The note marker is drawn on the cell.
    assert "has-note" in (page.locator("#grid td.cell").first.get_attribute("class") or "")


def test_bulk_rating_says_how_many_ratings_it_changes_and_asks_first(
    laptop_browser, live_server
) -> None:
    world = _class_of_thirty()
    ordered = _ordered(world)
    objective = world.objectives[0]
    for pupil in ordered[:2]:
        set_judgement(
            user=world.users["leader"],
            school_class=world.class_a,
            framework=world.framework,
            pupil_id=pupil.pk,
            objective_id=objective.pk,
            code="1",
            expected_version=0,
        )
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    page.click("summary:has-text('Rate several pupils')")
    toggle = page.locator("#bulk-form .select-all")
    toggle.click()
    assert page.locator("input[name=pupils]:checked").count() == 30
    assert toggle.inner_text() == "Untick all pupils"
    toggle.click()  # "Tick all" also unticks
    assert page.locator("input[name=pupils]:checked").count() == 0
    for pupil in ordered[:5]:
        page.check(f"input[name=pupils][value='{pupil.pk}']")
    page.select_option("#bulk-form select[name=objective]", str(objective.pk))
    page.select_option("#bulk-form select[name=code]", "3")
    page.click("#bulk-form button[type=submit]")
    dialog = page.locator("#bulk-dialog")
    dialog.wait_for(state="visible")
    assert "This changes 2 existing ratings to 3." in dialog.inner_text()
    shot(page, "grid-bulk-warning")
    dialog.locator("button[value=cancel]").click()
    assert Judgement.objects.filter(level__code="3").count() == 0
    page.click("#bulk-form button[type=submit]")
    dialog.wait_for(state="visible")
    dialog.locator("button[value=go]").click()
    page.wait_for_selector(".messages li:has-text('Saved 3 for 5 pupils')")
    assert Judgement.objects.filter(objective=objective, level__code="3").count() == 5
    # The message sits above the grid, covers no control, and goes away on its own.
    message = page.locator(".messages li").first.bounding_box()
    for control in page.locator("button, select, summary, input:not([type=hidden])").all():
        box = control.bounding_box()
        if box and message:
            assert not (
                box["x"] < message["x"] + message["width"]
                and message["x"] < box["x"] + box["width"]
                and box["y"] < message["y"] + message["height"]
                and message["y"] < box["y"] + box["height"]
            ), "the message covers a control"
    shot(page, "grid-bulk-saved")
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.messages li')).opacity === '0'",
        timeout=12000,
    )


def test_a_rating_for_an_untaught_objective_asks_once(laptop_browser, live_server) -> None:
    world = _class_of_thirty(taught=False)
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    page.keyboard.press("2")
    dialog = page.locator("#untaught-dialog")
    dialog.wait_for(state="visible")
    assert "is not yet marked as taught to 3 Oak" in dialog.inner_text()
    shot(page, "grid-untaught-prompt")
    page.keyboard.press("Enter")  # "Mark taught and save" has the focus
    page.wait_for_selector("#untaught-dialog:not([open])", state="attached")
    # The dialog's close event (which marks the column taught and moves on) is dispatched a
    # task after the dialog closes: wait for what the teacher sees, the column drawn as
    # taught, before the next key, or that key rates the same cell while it is still untaught.
    page.wait_for_function(
        "!document.querySelector('#grid thead th.obj').classList.contains('untaught')"
    )
    page.keyboard.press("3")  # the next pupil, same objective: no second question
    _all_saved(page)
    assert page.locator("#untaught-dialog[open]").count() == 0
    objective = world.objectives[0]
    assert TaughtObjective.objects.filter(school_class=world.class_a, objective=objective).exists()
    assert Judgement.objects.filter(objective=objective).count() == 2
    assert "untaught" not in (page.locator("#grid thead th.obj").first.get_attribute("class") or "")


def test_a_school_that_refuses_untaught_ratings_says_why(laptop_browser, live_server) -> None:
    world = _class_of_thirty(taught=False)
    world.school.untaught_ratings = "refuse"
    world.school.save()
    page = open_page(laptop_browser)
    login(page, live_server, world)
    _grid(page, live_server, world)
    page.keyboard.press("2")
    page.wait_for_selector("#grid-status:has-text('not yet marked as taught')")
    assert "Mark it as taught" in page.locator("#grid-status").inner_text()
    assert page.locator("#untaught-dialog[open]").count() == 0
    assert Judgement.objects.count() == 0


def test_without_javascript_the_page_says_so_and_bulk_still_works(
    laptop_browser, live_server
) -> None:
    world = _class_of_thirty()
    page = open_page(laptop_browser, javascript=False)
    login(page, live_server, world)
    page.goto(live_server.url + reverse("grid", args=[world.class_a.pk, "maths"]))
    page.click("summary:has-text('Scale')")
    assert "cannot be typed into" in page.locator(".legend .panel-body").inner_text()
    assert not page.locator(".legend .help.js-only").is_visible()
    page.click("summary:has-text('Rate several pupils')")
    assert not page.locator("#bulk-form .select-all").is_visible()
    page.check("#bulk-form input[name=every_pupil]")
    page.select_option("#bulk-form select[name=code]", "2")
    shot(page, "grid-no-js-bulk")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector(".messages li:has-text('Saved 2 for 30 pupils')")
    assert Judgement.objects.filter(objective=world.objectives[0], level__code="2").count() == 30
