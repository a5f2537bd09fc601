"""The results grid: saving marks, conflicts, history, exports and constant query counts."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import World, make_pupils
from trackwell.accounts.models import AuditEntry
from trackwell.scores import definitions, services
from trackwell.scores.models import ScoreKind, Test, TestResult, TestResultHistory

pytestmark = pytest.mark.django_db


def _post(client, test: Test, world: World, pupil, raw: str, version: int):
    return client.post(
        reverse("scores:results-cell", args=[test.pk, world.class_a.pk]),
        {"pupil": pupil.pk, "raw": raw, "version": version},
        HTTP_ACCEPT="application/json",
    )


def test_a_mark_becomes_a_score_and_band(world: World, client_for, reading_test: Test) -> None:
    pupil = world.pupils_a[0]
    response = _post(client_for(world.users["teacher"]), reading_test, world, pupil, "27", 0)
    assert response.status_code == 200
    data = response.json()
    assert (data["raw"], data["score"], data["band"], data["version"]) == (
        27,
        100,
        "Expected standard",
        1,
    )
    assert data["percentile"] is None  # scaled scores are not normally distributed
    result = TestResult.objects.get(test=reading_test, pupil=pupil)
    assert (result.raw_mark, result.score) == (27, 100)


def test_changes_are_kept_in_history(world: World, client_for, reading_test: Test) -> None:
    client = client_for(world.users["teacher"])
    pupil = world.pupils_a[0]
    assert _post(client, reading_test, world, pupil, "10", 0).status_code == 200
    assert _post(client, reading_test, world, pupil, "40", 1).status_code == 200
    assert _post(client, reading_test, world, pupil, "", 2).status_code == 200
    history = list(
        TestResultHistory.objects.filter(result__pupil=pupil).values_list(
            "old_raw", "new_raw", "new_score", "version"
        )
    )
    assert history == [(None, 10, 88, 1), (10, 40, 110, 2), (40, None, None, 3)]
    entry = TestResultHistory.objects.first()
    assert entry is not None
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_a_stale_version_is_a_conflict_with_the_saved_value(
    world: World, client_for, reading_test: Test
) -> None:
    pupil = world.pupils_a[0]
    _post(client_for(world.users["leader"]), reading_test, world, pupil, "30", 0)
    response = _post(client_for(world.users["teacher"]), reading_test, world, pupil, "12", 0)
    assert response.status_code == 409
    assert response.json()["current"]["raw"] == 30
    assert response.json()["current"]["updated_by"]
    assert TestResult.objects.get(pupil=pupil).raw_mark == 30


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("51", "outside 0-50"),
        ("abc", "not a raw mark"),
        ("-3", "not a raw mark"),
        ("4.5", "not a raw mark"),
    ],
)
def test_bad_marks_are_refused_with_a_message(
    world: World, client_for, reading_test: Test, raw: str, message: str
) -> None:
    response = _post(
        client_for(world.users["teacher"]), reading_test, world, world.pupils_a[0], raw, 0
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not TestResult.objects.exists()


def test_a_pupil_of_another_class_is_refused(world: World, client_for, reading_test: Test) -> None:
    response = _post(
        client_for(world.users["teacher"]), reading_test, world, world.pupils_b[0], "20", 0
    )
    assert response.status_code == 400
    assert "not in 3 Oak" in response.json()["error"]


def test_marks_without_a_score_say_so(world: World, client_for, reading_test: Test) -> None:
    data = _post(
        client_for(world.users["teacher"]), reading_test, world, world.pupils_a[0], "2", 0
    ).json()
    assert (data["raw"], data["score"]) == (2, None)
    page = client_for(world.users["teacher"]).get(
        reverse("scores:results", args=[reading_test.pk, world.class_a.pk])
    )
    assert "No score awarded" in page.content.decode()


def _standardised_test(world: World) -> Test:
    text = "raw_mark,score\n0-9,70\n10-19,85\n20-29,100\n30-39,115\n40,130\n"
    table = definitions.upload_table(
        world.users["leader"],
        world.school,
        name="Termly maths",
        kind=ScoreKind.STANDARDISED,
        max_raw_mark=40,
        text=text,
        source="Our publisher",
    )
    thresholds = definitions.create_threshold_set(
        world.users["leader"], world.school, "standardised"
    )
    return definitions.create_test(
        world.users["leader"],
        world.school,
        definitions.TestInput(
            "Autumn maths",
            "Publisher",
            world.maths,
            3,
            date(2026, 12, 1),
            40,
            ScoreKind.STANDARDISED,
            table,
            thresholds,
        ),
    )


def test_standardised_scores_show_percentiles(world: World, client_for) -> None:
    test = _standardised_test(world)
    data = _post(client_for(world.users["teacher"]), test, world, world.pupils_a[0], "31", 0).json()
    assert (data["score"], data["band"], data["percentile"]) == (115, "Well above average", 84)


def test_grid_and_saves_take_the_same_queries_for_a_bigger_class(
    world: World, client_for, reading_test: Test
) -> None:
    client = client_for(world.users["teacher"])
    url = reverse("scores:results", args=[reading_test.pk, world.class_a.pk])

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        pupil = world.pupils_a[0]
        version = (
            TestResult.objects.filter(pupil=pupil).values_list("version", flat=True).first() or 0
        )
        with CaptureQueriesContext(connection) as save:
            assert (
                _post(client, reading_test, world, pupil, str(10 + version), version).status_code
                == 200
            )
        return len(page), len(save)

    for pupil in world.pupils_a:
        services.apply_results(user=None, test=reading_test, marks={pupil.pk: 20})
    small = measure()
    more = make_pupils(world.school, world.class_a, 25)
    services.apply_results(user=None, test=reading_test, marks={p.pk: 30 for p in more})
    assert measure() == small


def test_export_gives_upn_name_mark_score_band_percentile(
    world: World, client_for, reading_test: Test
) -> None:
    services.apply_results(user=None, test=reading_test, marks={world.pupils_a[0].pk: 40})
    response = client_for(world.users["teacher"]).get(
        reverse("scores:results-export", args=[reading_test.pk, world.class_a.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["UPN", "Name", "Raw mark", "Score", "Score band", "Percentile"]
    first = next(r for r in rows if r[0] == world.pupils_a[0].upn)
    assert first[2:5] == ["40", "110", "High score"]


def test_apply_results_is_all_or_nothing(world: World, reading_test: Test) -> None:
    marks = {world.pupils_a[0].pk: 20, world.pupils_a[1].pk: 99}
    with pytest.raises(ValueError, match="outside 0-50"):
        services.apply_results(user=None, test=reading_test, marks=marks)
    assert not TestResult.objects.exists()
    assert (
        services.apply_results(
            user=world.users["leader"], test=reading_test, marks={world.pupils_a[0].pk: 20}
        )
        == 1
    )
    assert AuditEntry.objects.filter(action="scores.results.import").exists()


def test_report_shows_bands_and_band_moves(world: World, client_for) -> None:
    autumn = _standardised_test(world)
    spring = definitions.create_test(
        world.users["leader"],
        world.school,
        definitions.TestInput(
            "Spring maths",
            "Publisher",
            world.maths,
            3,
            date(2027, 3, 20),
            40,
            ScoreKind.STANDARDISED,
            autumn.table,
            autumn.thresholds,
        ),
    )
    pupils = world.pupils_a
    services.apply_results(
        user=None,
        test=autumn,
        marks={p.pk: m for p, m in zip(pupils, [5, 15, 25, 25, 35], strict=True)},
    )
    services.apply_results(
        user=None,
        test=spring,
        marks={p.pk: m for p, m in zip(pupils, [15, 15, 35, 22, 25], strict=True)},
    )
    from trackwell.scores.queries import band_moves

    moves = band_moves(autumn, spring)
    assert (moves.pupils, moves.improved, moves.maintained, moves.fell) == (5, 2, 2, 1)
    table = {band.label: counts for band, counts in moves.table}
    assert table["Well below average"] == [0, 1, 0, 0, 0]
    assert table["Average"] == [0, 0, 1, 0, 1]
    assert table["Well above average"] == [0, 0, 1, 0, 0]
    response = client_for(world.users["leader"]).get(
        reverse("scores:test-report", args=[spring.pk])
    )
    assert response.status_code == 200
    assert "2 improved their score" in response.content.decode()
    governor = client_for(world.users["governor"]).get(
        reverse("scores:test-report", args=[spring.pk])
    )
    assert governor.status_code == 200
    assert "5 pupils with a mark" in governor.content.decode()


def test_test_report_takes_the_same_queries_as_the_school_grows(world: World, client_for) -> None:
    autumn = _standardised_test(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client_for(world.users["leader"]).get(
                reverse("scores:test-report", args=[autumn.pk])
            )
        assert response.status_code == 200
        return len(ctx)

    services.apply_results(user=None, test=autumn, marks={p.pk: 20 for p in world.pupils_a})
    small = count()
    more = make_pupils(world.school, world.class_a, 25)
    services.apply_results(user=None, test=autumn, marks={p.pk: 30 for p in more})
    assert count() == small
