"""`snapshot_distributions`: the closed points' band counts the overview and trust pages show."""

from collections import Counter

import pytest

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.analysis.models import BandSet, Snapshot, SnapshotBand
from trackwell.analysis.services import Choice, close_point, confirm_bands, reopen_point
from trackwell.core.models import AssessmentPoint
from trackwell.reports.queries import snapshot_distributions

pytestmark = pytest.mark.django_db


def _plain_counts(closure_ids: list[int]) -> Counter[tuple[int, int, int, int]]:
    """Each stored band counted one by one: the shown band is the confirmed one, if any."""
    counts: Counter[tuple[int, int, int, int]] = Counter()
    for band in SnapshotBand.objects.filter(snapshot__closure_id__in=closure_ids):
        snapshot: Snapshot = band.snapshot
        shown = band.confirmed_id or band.suggested_id
        counts[(snapshot.point_id, snapshot.nc_year, snapshot.subject_id, shown)] += 1
    return counts


def test_the_counts_are_the_newest_closures_bands_with_confirmations_shown(world: World) -> None:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:4])
    for i, p in enumerate(world.pupils_a + world.pupils_b):
        for o in y3[: i % 5]:
            judge(world, p, o, "3" if i % 3 else "2")
    autumn = point(world)
    spring = AssessmentPoint.objects.create(
        school=world.school, year=world.year, name="Spring", date="2027-03-26"
    )
    leader = world.users["leader"]
    first = close_point(user=leader, point=autumn).closure
    # Reopened, a band confirmed against the suggestion, and closed again: the newest
    # closure is counted, with the confirmed band in place of the suggestion.
    reopen_point(user=leader, point=autumn, reason="Late moderation")
    attainment = BandSet.objects.get(school=world.school, kind=BandSet.Kind.ATTAINMENT)
    pupil = world.pupils_a[0]
    suggested = SnapshotBand.objects.get(
        snapshot__closure=first,
        snapshot__pupil=pupil,
        snapshot__subject=world.maths,
        band_set=attainment,
    ).suggested
    other = attainment.bands.exclude(pk=suggested.pk).order_by("order").first()
    assert other is not None
    confirm_bands(
        user=leader,
        point=autumn,
        subject=world.maths,
        allowed_pupil_ids=[pupil.pk],
        choices=[Choice(pupil.pk, attainment.pk, other.pk, "Strong in class work")],
    )
    newest = close_point(user=leader, point=autumn).closure
    judge(world, world.pupils_b[0], y3[0], "3")
    later = close_point(user=leader, point=spring).closure

    counts = snapshot_distributions([autumn.pk, spring.pk])

    assert counts == _plain_counts([newest.pk, later.pk])
    # The confirmation moved one pupil into the band the leader chose.
    key = (autumn.pk, world.class_a.nc_year, world.maths.pk, other.pk)
    assert counts[key] == _plain_counts([first.pk, later.pk])[key] + 1
    assert sum(n for (p, *_), n in counts.items() if p == autumn.pk) == (
        SnapshotBand.objects.filter(snapshot__closure=newest).count()
    )
    assert snapshot_distributions([]) == {}
