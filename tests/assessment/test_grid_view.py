"""The grid page and its change requests, through the real views."""

import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import World, make_world
from trackwell.assessment.models import Judgement
from trackwell.assessment.services import set_judgement
from trackwell.curriculum.models import TaughtObjective
from trackwell.pupils.models import SenStatus

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def grid_url(world: World, **params: object) -> str:
    url = reverse("grid", args=[world.class_a.pk, "maths"])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def cell_url(world: World) -> str:
    return reverse("grid-cell", args=[world.class_a.pk, "maths"])


def rate(world: World, pupil_index: int, objective_index: int, code: str) -> None:
    set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[pupil_index].pk,
        objective_id=world.objectives[objective_index].pk,
        code=code,
        expected_version=0,
    )


def test_grid_shows_pupils_objectives_ratings_and_summaries(world: World, client_for) -> None:
    rate(world, 0, 0, "3")
    rate(world, 0, 1, "1")
    rate(world, 1, 0, "2")
    TaughtObjective.objects.create(
        school=world.school, school_class=world.class_a, objective=world.objectives[2]
    )
    response = client_for(world.users["teacher"]).get(grid_url(world))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [r.pupil for r in grid.rows] == sorted(
        world.pupils_a, key=lambda p: (p.last_name, p.first_name)
    )
    assert len(grid.columns) == 6
    first = grid.rows[0]
    assert [c.code for c in first.cells[:2]] == ["3", "1"]
    # Taught: two rated plus one marked taught to the class; secure: only the 3.
    assert first.summary.taught == 3
    assert first.summary.assessed == 2
    assert first.summary.secured == 1
    assert first.summary.pct_secured_of_taught == 33
    assert first.summary.pct_greater_depth == 33
    assert first.summary.average_depth == 2.0
    # Column: 2 of 5 pupils secure on the first objective.
    assert grid.columns[0].summary.pct_secured == 40
    assert grid.columns[2].taught and not grid.columns[0].taught
    html = response.content.decode()
    assert 'data-sum="pct_secured_of_taught">33%' in html
    assert f'data-colsum="{world.objectives[0].pk}">40%' in html
    assert "Strand 0" in html and world.objectives[0].code in html
    assert 'src="/static/js/grid.js"' in html


def test_read_only_users_get_no_editing_controls(world: World, client_for) -> None:
    response = client_for(world.users["ta"]).get(grid_url(world))
    html = response.content.decode()
    assert response.context["can_edit"] is False
    assert "grid.js" not in html and 'id="bulk-form"' not in html
    assert "You can view this class but not change it." in html


def test_filter_by_group_and_sort_by_figure(world: World, client_for) -> None:
    sen_pupil = world.pupils_a[3]
    sen_pupil.sen_status = SenStatus.SUPPORT
    sen_pupil.save()
    client = client_for(world.users["teacher"])
    rows = client.get(grid_url(world, filter="sen")).context["grid"].rows
    assert [r.pupil for r in rows] == [sen_pupil]

    rate(world, 2, 0, "3")
    rate(world, 4, 0, "1")
    rows = client.get(grid_url(world, sort="depth", dir="desc")).context["grid"].rows
    assert [r.pupil for r in rows[:2]] == [world.pupils_a[2], world.pupils_a[4]]
    assert client.get(grid_url(world, filter="nonsense")).status_code == 404


def test_another_years_framework_can_be_chosen(world: World, client_for) -> None:
    response = client_for(world.users["teacher"]).get(
        grid_url(world, framework=world.framework_y2.pk)
    )
    assert response.context["grid"].framework == world.framework_y2
    assert "This grid uses the Year 2 framework; the class is Year 3." in response.content.decode()


def test_cell_save_returns_new_state_and_summaries(world: World, client_for) -> None:
    client = client_for(world.users["teacher"])
    data = {
        "framework": world.framework.pk,
        "pupil": world.pupils_a[0].pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
        "mark_taught": "1",
    }
    response = client.post(cell_url(world), data, **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["cell"]["code"] == "2" and body["cell"]["version"] == 1
    # The script works the row and column summaries out from the cells it holds: the answer
    # says what it needs for that, the cell as saved and that the objective is now taught.
    assert body["taught"] is True
    assert "row" not in body and "column" not in body

    # The same version again is stale: 409 with both what is there now.
    data["code"] = "3"
    response = client.post(cell_url(world), data, **JSON)
    assert response.status_code == 409
    assert TaughtObjective.objects.filter(objective=world.objectives[0]).exists()
    assert response.json()["current"][0]["code"] == "2"
    assert Judgement.objects.get().level.code == "2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"code": "Z"}, "Unknown rating code 'Z'"),
        ({"version": "-1"}, "version"),
        ({"pupil": "abc"}, "pupil"),
        ({"objective": "other-framework"}, "is not a current objective"),
        ({"pupil": "other-class"}, "is not in 3 Oak"),
    ],
)
def test_bad_cell_input_is_a_clear_400(
    world: World, client_for, change: dict, fragment: str
) -> None:
    data = {
        "framework": world.framework.pk,
        "pupil": world.pupils_a[0].pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
    }
    data.update(change)
    if change.get("objective") == "other-framework":
        data["objective"] = world.framework_y2.objectives.first().pk  # type: ignore[union-attr]
    if change.get("pupil") == "other-class":
        data["pupil"] = world.pupils_b[0].pk
    response = client_for(world.users["teacher"]).post(cell_url(world), data, **JSON)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert Judgement.objects.count() == 0


def _seen_versions(html: str) -> str:
    """The hidden versions field as the page rendered it (what a browser without JS sends)."""
    match = re.search(r'name="versions" value="([^"]*)"', html)
    assert match, "the bulk form carries the versions the page showed"
    return match.group(1)


def test_bulk_form_post_without_javascript(world: World, client_for) -> None:
    url = reverse("grid-bulk", args=[world.class_a.pk, "maths"])
    client = client_for(world.users["teacher"])
    rate(world, 0, 1, "1")
    seen = _seen_versions(client.get(grid_url(world)).content.decode())
    assert f"{world.objectives[1].pk}:{world.pupils_a[0].pk}:1" in seen.split(",")
    data = {
        "framework": world.framework.pk,
        "objective": world.objectives[1].pk,
        "code": "2",
        "pupils": [p.pk for p in world.pupils_a[:4]],
        "versions": seen,
    }
    # First the page asks: one existing rating changes, and the objective is not yet taught.
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This changes 1 existing rating" in html
    assert "is not yet marked as taught to 3 Oak" in html
    assert Judgement.objects.filter(level__code="2").count() == 0
    response = client.post(url, {**data, "confirm": "1", "mark_taught": "1"}, follow=True)
    assert response.status_code == 200
    assert f"Saved 2 for 4 pupils on {world.objectives[1].code}." in response.content.decode()
    assert Judgement.objects.filter(objective=world.objectives[1], level__code="2").count() == 4
    assert TaughtObjective.objects.filter(
        school_class=world.class_a, objective=world.objectives[1]
    ).exists()


def test_bulk_with_stale_versions_is_409_and_saves_nothing(world: World, client_for) -> None:
    rate(world, 1, 1, "1")
    url = reverse("grid-bulk", args=[world.class_a.pk, "maths"])
    ids = [p.pk for p in world.pupils_a[:3]]
    data = {
        "framework": world.framework.pk,
        "objective": world.objectives[1].pk,
        "code": "3",
        "pupils": ids,
        "versions": ",".join(f"{pid}:0" for pid in ids),
        "confirm": "1",
        "mark_taught": "1",
    }
    response = client_for(world.users["leader"]).post(url, data, **JSON)
    assert response.status_code == 409
    assert "nothing was saved" in response.json()["error"]
    assert Judgement.objects.filter(level__code="3").count() == 0


def test_bulk_rejects_a_pupil_outside_the_class(world: World, client_for) -> None:
    url = reverse("grid-bulk", args=[world.class_a.pk, "maths"])
    data = {
        "framework": world.framework.pk,
        "objective": world.objectives[1].pk,
        "code": "2",
        "pupils": [world.pupils_a[0].pk, world.pupils_b[0].pk],
    }
    response = client_for(world.users["teacher"]).post(url, data, **JSON)
    assert response.status_code == 400
    assert f"Pupil {world.pupils_b[0].pk} is not in this class." in response.json()["error"]
    assert Judgement.objects.count() == 0


def test_mark_taught_and_untaught(world: World, client_for) -> None:
    url = reverse("grid-taught", args=[world.class_a.pk, "maths"])
    client = client_for(world.users["teacher"])
    objective = world.objectives[3]
    data = {"framework": world.framework.pk, "mark": f"{objective.pk}:1"}
    assert client.post(url, data, **JSON).json() == {"objective": objective.pk, "taught": True}
    assert TaughtObjective.objects.filter(school_class=world.class_a, objective=objective).exists()
    data["mark"] = f"{objective.pk}:0"
    assert client.post(url, data, **JSON).json()["taught"] is False
    assert not TaughtObjective.objects.exists()
    from trackwell.accounts.models import AuditEntry

    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "objective.taught",
        "objective.untaught",
    ]
    bad = client.post(url, {"framework": world.framework.pk, "mark": "x"}, **JSON)
    assert bad.status_code == 400 and "objective:1" in bad.json()["error"]


def _grid_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_grid_query_count_is_constant_as_the_class_grows(client_for) -> None:
    small = make_world("Small Primary", pupils_per_class=5, objectives=10)
    large = make_world("Large Primary", pupils_per_class=30, objectives=60)
    for world in (small, large):
        for i, pupil in enumerate(world.pupils_a):
            for j, objective in enumerate(world.objectives[::3]):
                set_judgement(
                    user=world.users["teacher"],
                    school_class=world.class_a,
                    framework=world.framework,
                    pupil_id=pupil.pk,
                    objective_id=objective.pk,
                    code=str((i + j) % 4),
                    expected_version=0,
                    note="seen" if j == 0 else None,
                )
    small_count = _grid_queries(client_for(small.users["teacher"]), grid_url(small))
    large_count = _grid_queries(client_for(large.users["teacher"]), grid_url(large))
    assert small_count == large_count
    assert large_count <= 17


def test_levels_for_the_script_are_embedded(world: World, client_for) -> None:
    response = client_for(world.users["teacher"]).get(grid_url(world))
    html = response.content.decode()
    start = html.index('id="grid-levels"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert [lv["code"] for lv in json.loads(payload)] == ["0", "1", "2", "3"]


def test_cell_history_lists_every_change(world: World, client_for) -> None:
    rate(world, 0, 0, "1")
    set_judgement(
        user=world.users["leader"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[0].pk,
        objective_id=world.objectives[0].pk,
        code="2",
        expected_version=1,
        note="Secure in a new context",
    )
    url = reverse("grid-history", args=[world.class_a.pk, "maths"])
    params = {"pupil": world.pupils_a[0].pk, "objective": world.objectives[0].pk}
    response = client_for(world.users["ta"]).get(url, params)
    assert response.status_code == 200
    rows = list(response.context["history"])
    assert [(h.version, h.new_level.code) for h in rows] == [(2, "2"), (1, "1")]
    html = response.content.decode()
    assert "Secure in a new context" in html and world.users["leader"].display_name in html


def test_cell_history_scoping(world: World, other_world: World, client_for) -> None:
    url = reverse("grid-history", args=[world.class_a.pk, "maths"])
    client = client_for(world.users["teacher"])
    # A pupil from another class, a missing parameter, another school's class: all 404.
    assert (
        client.get(
            url, {"pupil": world.pupils_b[0].pk, "objective": world.objectives[0].pk}
        ).status_code
        == 404
    )
    assert client.get(url, {"pupil": world.pupils_a[0].pk}).status_code == 404
    other = reverse("grid-history", args=[other_world.class_a.pk, "maths"])
    params = {"pupil": other_world.pupils_a[0].pk, "objective": other_world.objectives[0].pk}
    assert client.get(other, params).status_code == 404
    assert (
        client_for(world.users["governor"])
        .get(url, {"pupil": world.pupils_a[0].pk, "objective": world.objectives[0].pk})
        .status_code
        == 404
    )
    assert (
        client.post(
            url, {"pupil": world.pupils_a[0].pk, "objective": world.objectives[0].pk}
        ).status_code
        == 405
    )


def test_plain_form_errors_are_a_400_naming_the_problem(world: World, client_for) -> None:
    url = reverse("grid-bulk", args=[world.class_a.pk, "maths"])
    data = {
        "framework": world.framework.pk,
        "objective": world.objectives[1].pk,
        "code": "9",
        "pupils": [world.pupils_a[0].pk],
        "versions": f"{world.pupils_a[0].pk}:0",
    }
    response = client_for(world.users["teacher"]).post(url, data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Unknown rating code '9'" in page
    # Inside the grid page, with the layout and the form still there: never a bare text page.
    assert response["Content-Type"].startswith("text/html")
    assert 'class="brand"' in page and 'id="bulk-form"' in page and "Nothing was saved." in page
    assert Judgement.objects.count() == 0


def _save_queries(world: World, client, pupil_index: int) -> int:
    data = {
        "framework": world.framework.pk,
        "pupil": world.pupils_a[pupil_index].pk,
        "objective": world.objectives[0].pk,
        "code": "2",
        "version": 0,
    }
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(cell_url(world), data, **JSON)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["teacher", "leader"])
def test_a_cell_save_costs_the_same_queries_for_any_class_size(role: str, client_for) -> None:
    small = make_world("Small Primary", pupils_per_class=5, objectives=10)
    large = make_world("Large Primary", pupils_per_class=30, objectives=60)
    for world in (small, large):
        TaughtObjective.objects.create(
            school=world.school, school_class=world.class_a, objective=world.objectives[0]
        )
    counts = [
        _save_queries(world, client_for(world.users[role]), index)
        for world in (small, large)
        for index in (0, 1)  # a first save in a session and a later one
    ]
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    # Session, user, the class with the access check, one query for subject, framework,
    # objective, taught flag, enrolment and level, and the write (judgement and history,
    # with the savepoint the test's transaction makes of it): 8, in docs/performance.md.
    assert counts[1] <= 8, counts


@pytest.mark.parametrize("role", ["teacher", "leader"])
def test_changing_a_cell_costs_the_same_queries_for_any_class_size(role: str, client_for) -> None:
    """A change of an existing rating (history from the row as it stands, then the update)."""
    small = make_world("Small Primary", pupils_per_class=5, objectives=10)
    large = make_world("Large Primary", pupils_per_class=30, objectives=60)
    counts = []
    for world in (small, large):
        TaughtObjective.objects.create(
            school=world.school, school_class=world.class_a, objective=world.objectives[0]
        )
        client = client_for(world.users[role])
        _save_queries(world, client, 0)
        data = {
            "framework": world.framework.pk,
            "pupil": world.pupils_a[0].pk,
            "objective": world.objectives[0].pk,
            "code": "3",
            "version": 1,
        }
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(cell_url(world), data, **JSON)
        assert response.status_code == 200, response.content
        assert response.json()["cell"]["version"] == 2
        counts.append(len(ctx.captured_queries))
        judgement = Judgement.objects.get(pupil=world.pupils_a[0], objective=world.objectives[0])
        assert judgement.level.code == "3" and judgement.version == 2  # type: ignore[union-attr]
        history = list(judgement.history.order_by("version"))
        assert [(h.version, h.new_level.code) for h in history] == [(1, "2"), (2, "3")]  # type: ignore[union-attr]
        assert history[1].old_level.code == "2"  # type: ignore[union-attr]
    assert counts[0] == counts[1] and counts[0] <= 8, counts


def test_two_users_bulk_without_javascript_refuses_with_both_values(
    world: World, client_for
) -> None:
    """Issue 13: a bulk change carries the versions the user saw, and any that moved stop it."""
    teacher, leader = client_for(world.users["teacher"]), client_for(world.users["leader"])
    objective = world.objectives[2]
    TaughtObjective.objects.create(
        school=world.school, school_class=world.class_a, objective=objective
    )
    seen = _seen_versions(teacher.get(grid_url(world)).content.decode())
    # Meanwhile the leader rates one of the pupils on that objective in the grid.
    moved = world.pupils_a[1]
    response = leader.post(
        cell_url(world),
        {
            "framework": world.framework.pk,
            "pupil": moved.pk,
            "objective": objective.pk,
            "code": "1",
            "version": 0,
        },
        **JSON,
    )
    assert response.status_code == 200
    data = {
        "framework": world.framework.pk,
        "objective": objective.pk,
        "code": "3",
        "pupils": [p.pk for p in world.pupils_a],
        "versions": seen,
        "confirm": "1",
    }
    response = teacher.post(reverse("grid-bulk", args=[world.class_a.pk, "maths"]), data)
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "Nothing of yours was saved" in page
    # Both values: what the teacher chose and what the leader saved, by whom.
    assert moved.full_name in page
    assert "<td>3</td>" in page
    assert f"1 by {world.users['leader'].display_name}" in page
    assert Judgement.objects.filter(objective=objective).count() == 1
    # Without the versions the page showed, a bulk change is refused outright.
    del data["versions"]
    response = teacher.post(reverse("grid-bulk", args=[world.class_a.pk, "maths"]), data)
    assert response.status_code == 400
    assert "did not say which ratings you saw" in html.unescape(response.content.decode())
    assert Judgement.objects.filter(objective=objective).count() == 1
