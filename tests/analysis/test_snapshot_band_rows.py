"""`snapshot_band_rows` reads the bands of the closures asked for, and only theirs."""

import pytest
from django.db.models.functions import Coalesce

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.analysis.history import snapshot_band_rows
from trackwell.analysis.models import BandSet, PointClosure, SnapshotBand
from trackwell.analysis.services import close_point, reopen_point

pytestmark = pytest.mark.django_db


def _expected(closures: list[int], sets: list[int], pupils: list[int] | None) -> list[tuple]:
    """The same rows through the ORM, as the function read them before."""
    qs = SnapshotBand.objects.filter(snapshot__closure_id__in=closures, band_set_id__in=sets)
    if pupils is not None:
        qs = qs.filter(snapshot__pupil_id__in=pupils)
    return sorted(
        qs.annotate(
            shown=Coalesce("confirmed_id", "suggested_id"),
            band_order=Coalesce("confirmed_order", "suggested_order"),
        ).values_list(
            "snapshot__closure_id",
            "band_set_id",
            "snapshot__pupil_id",
            "snapshot__subject_id",
            "shown",
            "band_order",
            "snapshot__framework_id",
            "snapshot__secure",
            "snapshot__objectives",
        )
    )


def test_rows_of_the_closures_sets_and_pupils_asked_for(world: World) -> None:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    autumn = point(world)
    leader = world.users["leader"]
    for n in range(3):  # three closures of one point, each with other ratings
        for i, pupil in enumerate(world.pupils_a):
            for o in y3[: (i + n) % 4 + 1]:
                judge(world, pupil, o, "23"[(i + n) % 2])
        close_point(user=leader, point=autumn)
        reopen_point(user=leader, point=autumn, reason="again")
    closures = list(PointClosure.objects.filter(point=autumn).values_list("pk", flat=True))
    sets = list(BandSet.objects.filter(school=world.school).values_list("pk", flat=True))
    assert len(closures) == 3 and sets
    pupils = [p.pk for p in world.pupils_a[:2]]
    for asked, of_sets, of_pupils in [
        (closures[:1], sets, None),
        (closures[1:], sets[:1], None),
        (closures, sets, pupils),
    ]:
        found = sorted(snapshot_band_rows(asked, of_sets, of_pupils))
        assert found and found == _expected(asked, of_sets, of_pupils)
    assert snapshot_band_rows(closures, sets, []) == []
    assert snapshot_band_rows([], sets, None) == []


def test_the_trust_stream_reads_the_same_rows(world: World) -> None:
    """`snapshot_band_stream` (a trust's feed, chunked) gives `snapshot_band_rows`'s rows."""
    from trackwell.analysis.feed import SchoolFeed
    from trackwell.analysis.history import snapshot_band_stream

    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    autumn = point(world)
    for i, pupil in enumerate(world.pupils_a):
        for o in y3[: i % 4 + 1]:
            judge(world, pupil, o, "23"[i % 2])
    close_point(user=world.users["leader"], point=autumn)
    closures = list(PointClosure.objects.filter(point=autumn).values_list("pk", flat=True))
    sets = list(BandSet.objects.filter(school=world.school).values_list("pk", flat=True))
    streamed = list(snapshot_band_stream(closures, sets, SchoolFeed([autumn])))
    assert streamed and sorted(streamed) == sorted(snapshot_band_rows(closures, sets, None))
    assert sorted(streamed) == _expected(closures, sets, None)
    assert list(snapshot_band_stream([], sets, SchoolFeed([autumn]))) == []
