"""Targets: set one by one or from suggestions, version-checked, and reported by group."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, make_pupils
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.models import Band, BandSet
from trackwell.assessment.models import Judgement
from trackwell.core.models import AssessmentPoint
from trackwell.scores import definitions, services, targets
from trackwell.scores.models import Target, Test

pytestmark = pytest.mark.django_db


@pytest.fixture
def bands(world: World) -> list[Band]:
    create_default_bands(world.school)
    return targets.attainment_bands(world.school.pk)


def _url(world: World) -> str:
    return reverse("scores:class-targets", args=[world.class_a.pk, "maths"])


def _point(world: World) -> AssessmentPoint:
    return AssessmentPoint.objects.get(school=world.school, name="Autumn")


def test_teacher_sets_band_targets_for_the_class(world: World, client_for, bands) -> None:
    point = _point(world)
    data = {"point": point.pk, "kind": "band"}
    for p in world.pupils_a:
        data[f"version-{p.pk}"] = 0
        data[f"target-{p.pk}"] = bands[-1].pk
    data[f"target-{world.pupils_a[0].pk}"] = ""
    response = client_for(world.users["teacher"]).post(_url(world), data)
    assert response.status_code == 302
    assert Target.objects.filter(point=point, band=bands[-1]).count() == len(world.pupils_a) - 1
    assert not Target.objects.filter(pupil=world.pupils_a[0]).exists()


def test_a_moved_on_target_stops_the_whole_save(world: World, client_for, bands) -> None:
    point = _point(world)
    pupil, other = world.pupils_a[0], world.pupils_a[1]
    targets.save_targets(
        user=world.users["leader"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=[targets.TargetInput(pupil.pk, "band", bands[1].pk, None, 0)],
    )
    data = {
        "point": point.pk,
        "kind": "band",
        f"version-{pupil.pk}": 0,
        f"target-{pupil.pk}": bands[2].pk,
        f"version-{other.pk}": 0,
        f"target-{other.pk}": bands[2].pk,
    }
    response = client_for(world.users["teacher"]).post(_url(world), data)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert Target.objects.get(pupil=pupil).band == bands[1]
    assert not Target.objects.filter(pupil=other).exists()


def test_bad_targets_are_refused_by_name(world: World, bands) -> None:
    with pytest.raises(Exception, match="a % secure runs from 0 to 100"):
        targets.save_targets(
            user=world.users["teacher"],
            school_class=world.class_a,
            subject=world.maths,
            point=_point(world),
            entries=[targets.TargetInput(world.pupils_a[0].pk, "pct_secure", None, 150, 0)],
        )
    with pytest.raises(Exception, match="is not in 3 Oak"):
        targets.save_targets(
            user=world.users["teacher"],
            school_class=world.class_a,
            subject=world.maths,
            point=_point(world),
            entries=[targets.TargetInput(world.pupils_b[0].pk, "score", None, 100, 0)],
        )
    assert not Target.objects.exists()


def test_suggestions_start_from_where_pupils_are(world: World, client_for, bands) -> None:
    point = _point(world)
    suggestion = targets.suggest(world.class_a, world.maths, point, "score")
    assert {s.value for s in suggestion.values()} == {100}
    pct = targets.suggest(world.class_a, world.maths, point, "pct_secure")
    assert {s.value for s in pct.values()} == {100}  # the year's only point
    page = client_for(world.users["teacher"]).get(_url(world), {"kind": "score", "suggest": "1"})
    assert "no score yet: the national average, 100" in page.content.decode()
    # Suggestions are only a starting point: nothing is saved until the teacher saves.
    assert not Target.objects.exists()


def _secure_all(world: World, pupils, count: int) -> None:
    level = world.scale.levels.get(code="2")
    for p in pupils:
        for o in world.objectives[:count]:
            Judgement.objects.create(
                school=world.school,
                pupil=p,
                objective=o,
                level=level,
                version=1,
                updated_at=timezone.now(),
            )


def test_outcomes_compare_each_target_with_what_was_reached(world: World, bands) -> None:
    point = _point(world)
    _secure_all(world, world.pupils_a[:3], 3)  # half the year's six objectives
    entries = [
        targets.TargetInput(world.pupils_a[0].pk, "pct_secure", None, 40, 0),  # 50: exceeded
        targets.TargetInput(world.pupils_a[1].pk, "pct_secure", None, 50, 0),  # met
        targets.TargetInput(world.pupils_a[2].pk, "pct_secure", None, 60, 0),  # missed
    ]
    targets.save_targets(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=entries,
    )
    found = targets.outcomes(point, world.maths)
    assert [found[p.pk].outcome for p in world.pupils_a[:3]] == ["exceeded", "met", "missed"]
    assert found[world.pupils_a[0].pk].actual == "50%"


def test_score_targets_use_the_point_s_test(world: World, bands) -> None:
    from tests.scores.conftest import make_reading_test

    point = _point(world)
    test: Test = make_reading_test(world)
    test.point = point
    test.save()
    reading = test.subject
    services.apply_results(
        user=None, test=test, marks={world.pupils_a[0].pk: 27, world.pupils_a[1].pk: 40}
    )
    targets.save_targets(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=reading,
        point=point,
        entries=[
            targets.TargetInput(world.pupils_a[0].pk, "score", None, 100, 0),
            targets.TargetInput(world.pupils_a[1].pk, "score", None, 100, 0),
            targets.TargetInput(world.pupils_a[2].pk, "score", None, 100, 0),
        ],
    )
    found = targets.outcomes(point, reading)
    assert [found[p.pk].outcome for p in world.pupils_a[:3]] == ["met", "exceeded", "pending"]


def test_report_by_group_suppresses_small_groups_for_governors(
    world: World, client_for, bands
) -> None:
    point = _point(world)
    more = make_pupils(world.school, world.class_a, 6, eal=True)
    everyone = world.pupils_a + more
    targets.save_targets(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=[targets.TargetInput(p.pk, "pct_secure", None, 0, 0) for p in everyone],
    )
    report = targets.school_report(point, world.maths, suppress=True, min_size=5, school_groups=[])
    rows = {r.key: r for r in report.by_group}
    assert report.whole.pupils == 11
    assert report.whole.counts == {"met": 11}
    assert not rows["eal"].suppressed and rows["eal"].pupils == 6
    assert rows["disadvantaged"].suppressed  # no pupils: nothing to show
    leader_page = client_for(world.users["leader"]).get(reverse("scores:targets-report"))
    assert leader_page.status_code == 200
    assert "3 Oak" in leader_page.content.decode()  # leaders see classes
    governor_page = client_for(world.users["governor"]).get(reverse("scores:targets-report"))
    assert governor_page.status_code == 200
    assert "3 Oak" not in governor_page.content.decode()
    assert "Not shown: too few pupils" in governor_page.content.decode()


def test_flight_path_lists_targets_in_point_order(world: World, bands) -> None:
    autumn = _point(world)
    spring = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date=date(2027, 3, 26)
    )
    pupil = world.pupils_a[0]
    for point, value in ((autumn, 30), (spring, 60)):
        targets.save_targets(
            user=world.users["teacher"],
            school_class=world.class_a,
            subject=world.maths,
            point=point,
            entries=[targets.TargetInput(pupil.pk, "pct_secure", None, value, 0)],
        )
    path = targets.flight_path(pupil, world.maths, [autumn, spring])
    assert [(p.name, t.value if t else None) for p, t in path] == [("Autumn", 30), ("Spring", 60)]
    assert BandSet.objects.filter(school=world.school).exists()


def test_pupil_page_draws_the_flight_path_beside_the_real_line(
    world: World, client_for, bands
) -> None:
    autumn = _point(world)
    spring = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date=date(2027, 3, 26)
    )
    pupil = world.pupils_a[0]
    _secure_all(world, [pupil], 3)
    for point, value in ((autumn, 30), (spring, 60)):
        targets.save_targets(
            user=world.users["teacher"],
            school_class=world.class_a,
            subject=world.maths,
            point=point,
            entries=[targets.TargetInput(pupil.pk, "pct_secure", None, value, 0)],
        )
    page = client_for(world.users["teacher"]).get(reverse("report-pupil", args=[pupil.pk]))
    html = page.content.decode()
    assert "Targets and flight paths" in html
    assert "Target (flight path)" in html and "<svg" in html
    assert "30% secure" in html and "60% secure" in html
    assert "Exceeded" in html  # 50% reached against 30% at Autumn
    other = world.pupils_a[1]
    assert (
        "Targets and flight paths"
        not in client_for(world.users["teacher"])
        .get(reverse("report-pupil", args=[other.pk]))
        .content.decode()
    )


def test_target_report_takes_the_same_queries_as_the_school_grows(
    world: World, client_for, bands
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    point = _point(world)

    def set_all() -> None:
        for school_class in (world.class_a, world.class_b):
            ids = school_class.enrolments.values_list("pupil_id", flat=True)
            existing = set(Target.objects.filter(point=point).values_list("pupil_id", flat=True))
            targets.save_targets(
                user=world.users["leader"],
                school_class=school_class,
                subject=world.maths,
                point=point,
                entries=[
                    targets.TargetInput(p, "pct_secure", None, 20, 0)
                    for p in ids
                    if p not in existing
                ],
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client_for(world.users["leader"]).get(reverse("scores:targets-report"))
        assert response.status_code == 200
        return len(ctx)

    set_all()
    small = count()
    make_pupils(world.school, world.class_a, 20, eal=True)
    make_pupils(world.school, world.class_b, 15)
    set_all()
    assert count() == small


def test_saving_score_targets_never_clears_band_targets(world: World, client_for, bands) -> None:
    point = _point(world)
    pupil, other = world.pupils_a[0], world.pupils_a[1]
    targets.save_targets(
        user=world.users["teacher"],
        school_class=world.class_a,
        subject=world.maths,
        point=point,
        entries=[targets.TargetInput(pupil.pk, "band", bands[2].pk, None, 0)],
    )
    version = Target.objects.get(pupil=pupil).version
    data = {
        "point": point.pk,
        "kind": "score",
        f"version-{pupil.pk}": version,
        f"target-{pupil.pk}": "",
        f"version-{other.pk}": 0,
        f"target-{other.pk}": "104",
    }
    assert client_for(world.users["teacher"]).post(_url(world), data).status_code == 302
    assert Target.objects.get(pupil=pupil).band == bands[2]
    assert Target.objects.get(pupil=other).value == 104


def test_a_builtin_table_does_not_clash_with_the_school_s_own_name(world: World) -> None:
    definitions.upload_table(
        world.users["leader"],
        world.school,
        name="KS2 reading 2024",
        kind="scaled",
        max_raw_mark=50,
        text="raw_mark,score\n0-50,100\n",
        source="",
    )
    table = definitions.install_builtin_table(None, world.school, "ks2-2024-reading")
    assert table.name == "KS2 reading 2024 (built in)" and table.builtin_key
