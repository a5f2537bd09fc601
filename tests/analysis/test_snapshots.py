"""Closing and reopening points: immutable snapshots, confirmations, progress, starting points."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.analysis.helpers import judge, last_year, objectives, point, teach, with_bands
from tests.factories import World, make_framework
from trackwell.accounts.models import AuditEntry
from trackwell.analysis.evaluation import evaluate_live, point_results
from trackwell.analysis.models import (
    BandSet,
    PointClosure,
    PupilStartingPoint,
    Snapshot,
    SnapshotBand,
    StartingPoint,
)
from trackwell.analysis.services import (
    Choice,
    close_point,
    confirm_bands,
    reopen_point,
    snapshot_closed_points,
)
from trackwell.core.models import AssessmentPoint
from trackwell.pupils.models import Enrolment, SchoolClass

pytestmark = pytest.mark.django_db


def attainment(world: World) -> BandSet:
    return BandSet.objects.get(school=world.school, name="Attainment")


def test_closing_keeps_every_pupil_and_later_edits_do_not_change_it(world: World) -> None:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    pupil = world.pupils_a[0]
    for o in y3[:3]:
        judge(world, pupil, o, "2")
    autumn = point(world)
    summary = close_point(user=world.users["leader"], point=autumn)
    assert summary.snapshots == 8  # every pupil of both classes, one subject
    autumn.refresh_from_db()
    assert autumn.state == AssessmentPoint.State.CLOSED
    snap = Snapshot.objects.get(pupil=pupil, point=autumn)
    assert (snap.objectives, snap.taught, snap.secure) == (6, 3, 3)
    band = SnapshotBand.objects.get(snapshot=snap, band_set=attainment(world))
    assert band.suggested.key == "on-track"
    assert "50% secure of the year" in band.explanation["text"]

    for o in y3:
        judge(world, pupil, o, "0")
    again = point_results(autumn).rows[(pupil.pk, world.maths.pk)]
    assert again.figures["secure"] == 3
    assert again.attainment is not None and again.attainment.suggested.key == "on-track"
    assert evaluate_live(autumn).rows[(pupil.pk, world.maths.pk)].figures["secure"] == 0


def test_snapshot_rows_refuse_change_and_deletion(world: World) -> None:
    with_bands(world)
    close_point(user=world.users["leader"], point=point(world))
    snap = Snapshot.objects.first()
    assert snap is not None
    snap.secure = 99
    with pytest.raises(RuntimeError, match="immutable"):
        snap.save()
    with pytest.raises(RuntimeError, match="never deleted"):
        snap.delete()
    band = SnapshotBand.objects.first()
    assert band is not None
    with pytest.raises(RuntimeError):
        band.delete()


def test_reopening_is_logged_and_closing_again_keeps_a_new_record(world: World) -> None:
    with_bands(world)
    autumn = point(world)
    leader = world.users["leader"]
    close_point(user=leader, point=autumn)
    with pytest.raises(ValidationError, match="already closed"):
        close_point(user=leader, point=autumn)
    reopen_point(user=leader, point=autumn, reason="late moderation")
    assert autumn.state == AssessmentPoint.State.OPEN
    entry = AuditEntry.objects.get(action="assessment_point.reopen")
    assert entry.new == {"state": "open", "reason": "late moderation"}
    judge(world, world.pupils_a[0], objectives(world.framework)[0], "3")
    close_point(user=leader, point=autumn)
    closures = list(PointClosure.objects.filter(point=autumn).order_by("pk"))
    assert len(closures) == 2
    first, second = (
        Snapshot.objects.get(closure=c, pupil=world.pupils_a[0]).assessed for c in closures
    )
    assert (first, second) == (0, 1)
    assert (
        point_results(autumn).rows[(world.pupils_a[0].pk, world.maths.pk)].figures["assessed"] == 1
    )
    assert AuditEntry.objects.filter(action="assessment_point.close").count() == 2


def test_confirmed_bands_and_reasons_are_copied_into_the_snapshot(world: World) -> None:
    with_bands(world)
    autumn = point(world)
    sets = attainment(world)
    bands = {b.key: b for b in sets.bands.all()}
    ids = [p.pk for p in world.pupils_a]
    teacher = world.users["teacher"]
    with pytest.raises(ValidationError, match="give a short reason"):
        confirm_bands(
            user=teacher,
            point=autumn,
            subject=world.maths,
            allowed_pupil_ids=ids,
            choices=[Choice(ids[0], sets.pk, bands["below"].pk)],
        )
    with pytest.raises(ValidationError, match="not in this class"):
        confirm_bands(
            user=teacher,
            point=autumn,
            subject=world.maths,
            allowed_pupil_ids=ids,
            choices=[Choice(world.pupils_b[0].pk, sets.pk, bands["well-below"].pk)],
        )
    confirm_bands(
        user=teacher,
        point=autumn,
        subject=world.maths,
        allowed_pupil_ids=ids,
        choices=[
            Choice(ids[0], sets.pk, bands["below"].pk, "Secure in class, not yet in books"),
            Choice(ids[1], sets.pk, bands["well-below"].pk),
        ],
    )
    close_point(user=world.users["leader"], point=autumn)
    first = SnapshotBand.objects.get(snapshot__pupil_id=ids[0], band_set=sets)
    assert (first.suggested_label, first.confirmed_label) == ("Well below", "Below")
    assert first.reason == "Secure in class, not yet in books"
    second = SnapshotBand.objects.get(snapshot__pupil_id=ids[1], band_set=sets)
    assert second.confirmed_label == "Well below" and second.reason == ""
    third = SnapshotBand.objects.get(snapshot__pupil_id=ids[2], band_set=sets)
    assert third.confirmed is None
    with pytest.raises(ValidationError, match="only while the assessment point is open"):
        confirm_bands(
            user=teacher, point=autumn, subject=world.maths, allowed_pupil_ids=ids, choices=[]
        )


def _last_year_summer(world: World) -> AssessmentPoint:
    """Last year: the class was Year 2; a closed summer point with no snapshot yet."""
    year = last_year(world)
    old_class = SchoolClass.objects.create(school=world.school, year=year, name="2 Oak", nc_year=2)
    Enrolment.objects.bulk_create(
        Enrolment(school=world.school, pupil=p, school_class=old_class) for p in world.pupils_a
    )
    y2 = objectives(world.framework_y2)
    june = timezone.make_aware(datetime(2026, 6, 1, 12))
    for o in y2:
        judge(world, world.pupils_a[0], o, "2", at=june)  # secure in all of last year's
    return AssessmentPoint.objects.create(
        school=world.school,
        year=year,
        name="Summer",
        date=date(2026, 7, 9),
        state=AssessmentPoint.State.CLOSED,
    )


def test_starting_points_come_from_last_years_final_band_or_by_hand(world: World) -> None:
    with_bands(world)
    summer = _last_year_summer(world)
    built = snapshot_closed_points(school=world.school)
    assert [b.closure.point_id for b in built] == [summer.pk]
    assert built[0].closure.from_history
    live = evaluate_live(point(world))
    first = live.rows[(world.pupils_a[0].pk, world.maths.pk)]
    assert first.starting_point == "secure-last-year"
    assert live.rows[(world.pupils_a[1].pk, world.maths.pk)].starting_point == (
        "working-on-last-year"
    )
    PupilStartingPoint.objects.create(
        school=world.school,
        pupil=world.pupils_a[1],
        subject=world.maths,
        year=world.year,
        starting_point=StartingPoint.objects.get(school=world.school, key="personalised"),
    )
    again = evaluate_live(point(world))
    assert again.rows[(world.pupils_a[1].pk, world.maths.pk)].starting_label == (
        "More than a year behind: personalised"
    )
    # Progress compares with last summer: on track then, well below now (nothing taught yet).
    assert first.progress is not None
    assert first.figures["band_change"] == -3
    assert first.progress.suggested.key == "small-steps"


def test_a_pupil_below_their_year_gets_bands_on_their_own_framework(world: World) -> None:
    with_bands(world)
    make_framework(world.school, world.maths, world.scale, 1, 3)
    from trackwell.analysis.services import set_pupil_framework

    pupil = world.pupils_a[3]
    set_pupil_framework(
        user=world.users["teacher"],
        pupil=pupil,
        subject=world.maths,
        framework=world.framework_y2,
        reason="Working on Year 2 number",
    )
    for o in objectives(world.framework_y2)[:2]:
        judge(world, pupil, o, "2")
    close_point(user=world.users["leader"], point=point(world))
    snap = Snapshot.objects.get(pupil=pupil)
    assert (snap.below_year, snap.framework_id, snap.framework_year, snap.nc_year) == (
        True,
        world.framework_y2.pk,
        2,
        3,
    )
    assert (snap.objectives, snap.secure) == (4, 2)
    band = SnapshotBand.objects.get(snapshot=snap, band_set__name="Attainment")
    assert band.suggested.key == "on-track"
    assert band.explanation["figures"]["pct_secure_of_year"] == 50.0
    assert AuditEntry.objects.filter(action="pupil.framework").exists()
