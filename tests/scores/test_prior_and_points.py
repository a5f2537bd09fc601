"""Prior attainment groups, the teacher's judgement of progress, and opt-in points."""

import pytest
from django.urls import reverse

from tests.factories import World, make_pupils
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.models import Band
from trackwell.core.models import AssessmentPoint
from trackwell.scores import prior
from trackwell.scores.models import (
    BandPoints,
    KeyStage,
    KeyStageResult,
    PointsSetting,
    ProgressJudgement,
)

pytestmark = pytest.mark.django_db


def _ks1(world: World, pupil, outcome: str, subject: str = "Maths") -> None:
    KeyStageResult.objects.create(
        school=world.school, pupil=pupil, stage=KeyStage.KS1, subject=subject, outcome=outcome
    )


def test_prior_groups_from_key_stage_1_then_reception(world: World) -> None:
    prior.ensure_groups(world.school)
    a, b, c, d = world.pupils_a[:4]
    _ks1(world, a, "WTS")
    _ks1(world, b, "EXS")
    _ks1(world, c, "GDS")
    KeyStageResult.objects.create(
        school=world.school, pupil=d, stage=KeyStage.EYFS, subject="mathematics", outcome="EXP"
    )
    _ks1(world, d, "GDS", subject="Reading")  # another subject: not used for maths
    found = prior.prior_groups(world.school.pk, world.maths, [p.pk for p in world.pupils_a])
    assert {p: (found[p.pk].key, found[p.pk].source) for p in (a, b, c, d)} == {
        a: ("low", "ks1"),
        b: ("middle", "ks1"),
        c: ("high", "ks1"),
        d: ("middle", "eyfs"),
    }
    assert world.pupils_a[4].pk not in found


def test_the_school_s_word_beats_the_record(world: World, client_for) -> None:
    groups = {g.key: g for g in prior.ensure_groups(world.school)}
    pupil = world.pupils_a[0]
    _ks1(world, pupil, "WTS")
    url = reverse("scores:class-prior", args=[world.class_a.pk, "maths"])
    response = client_for(world.users["teacher"]).post(
        url, {"pupil": pupil.pk, "group": groups["middle"].pk, "reason": "Missed KS1 tests: ill"}
    )
    assert response.status_code == 302
    found = prior.prior_groups(world.school.pk, world.maths, [pupil.pk])
    assert (found[pupil.pk].key, found[pupil.pk].source) == ("middle", "entered")
    assert AuditEntry.objects.filter(action="scores.prior.set").exists()
    client_for(world.users["teacher"]).post(url, {"pupil": pupil.pk, "group": ""})
    assert prior.prior_groups(world.school.pk, world.maths, [pupil.pk])[pupil.pk].key == "low"


def test_teacher_records_good_progress_with_a_reason(world: World, client_for) -> None:
    create_default_bands(world.school)
    point = AssessmentPoint.objects.get(school=world.school, name="Autumn")
    pupil, other = world.pupils_a[0], world.pupils_a[1]
    url = reverse("scores:class-progress", args=[world.class_a.pk, "maths"])
    data = {
        "point": point.pk,
        f"version-{pupil.pk}": 0,
        f"good-{pupil.pk}": "yes",
        f"reason-{pupil.pk}": "Fluent with tables now",
        f"version-{other.pk}": 0,
        f"good-{other.pk}": "no",
    }
    assert client_for(world.users["teacher"]).post(url, data).status_code == 302
    saved = {j.pupil_id: (j.good_progress, j.reason) for j in ProgressJudgement.objects.all()}
    assert saved == {pupil.pk: (True, "Fluent with tables now"), other.pk: (False, "")}
    page = client_for(world.users["teacher"]).get(url, {"point": point.pk})
    assert "Fluent with tables now" in page.content.decode()
    # A second teacher who saw the old version is told, and nothing of theirs is written.
    stale = client_for(world.users["leader"]).post(url, {**data, f"good-{pupil.pk}": "no"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()
    assert ProgressJudgement.objects.get(pupil=pupil).good_progress is True


def test_prior_comparison_hides_small_groups_from_governors(world: World, client_for) -> None:
    create_default_bands(world.school)
    prior.ensure_groups(world.school)
    more = make_pupils(world.school, world.class_a, 6)
    for p in more:
        _ks1(world, p, "EXS")
    _ks1(world, world.pupils_a[0], "GDS")
    leader = client_for(world.users["leader"]).get(reverse("scores:prior-report"))
    assert leader.status_code == 200
    html = leader.content.decode()
    assert "Middle prior attainment" in html and "Not shown: too few pupils" not in html
    governor = client_for(world.users["governor"]).get(reverse("scores:prior-report"))
    assert "Not shown: too few pupils" in governor.content.decode()
    assert "have no prior attainment group yet" in governor.content.decode()


def test_points_are_off_until_switched_on_with_the_warning(world: World, client_for) -> None:
    create_default_bands(world.school)
    leader = client_for(world.users["leader"])
    assert leader.get(reverse("scores:points-report")).status_code == 404
    page = leader.get(reverse("scores:points"))
    assert "what a points scale hides" in page.content.decode()
    refused = leader.post(reverse("scores:points"), {"action": "on", "version": 1})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    assert not PointsSetting.objects.get(school=world.school).enabled
    on = leader.post(reverse("scores:points"), {"action": "on", "version": 1, "understood": "yes"})
    assert on.status_code == 302
    assert PointsSetting.objects.get(school=world.school).enabled
    band = Band.objects.filter(school=world.school).first()
    assert band is not None
    saved = leader.post(reverse("scores:points"), {"action": "values", f"band-{band.pk}": "3.5"})
    assert saved.status_code == 302
    assert str(BandPoints.objects.get(band=band).points) == "3.5"
    bad = leader.post(reverse("scores:points"), {"action": "values", f"band-{band.pk}": "lots"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()
    assert leader.get(reverse("scores:points-report")).status_code == 200
    stale = leader.post(reverse("scores:points"), {"action": "off", "version": 1})
    assert stale.status_code == 409
    assert leader.post(reverse("scores:points"), {"action": "off", "version": 2}).status_code == 302
    assert leader.get(reverse("scores:points-report")).status_code == 404
    assert AuditEntry.objects.filter(action="scores.points.switch").count() == 2


def test_pupils_without_a_starting_point_are_flagged_for_leaders(world: World, client_for) -> None:
    from trackwell.analysis.models import BandRule, StartingPoint

    create_default_bands(world.school)
    start = StartingPoint.objects.filter(school=world.school).first()
    assert start is not None
    rule = BandRule.objects.filter(band__band_set__kind="progress").first()
    assert rule is not None
    rule.starting_point = start
    rule.save()
    page = client_for(world.users["leader"]).get(reverse("scores:prior-report"))
    assert "have no starting point in Maths this year" in page.content.decode()
