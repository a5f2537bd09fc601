"""How closing a point writes its rows: ids taken beforehand, COPY on PostgreSQL."""

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.analysis.models import PointClosure, Snapshot, SnapshotBand
from trackwell.analysis.services import (
    _SNAPSHOT_COLUMNS,
    _insert_many,
    close_point,
    reopen_point,
)
from trackwell.core.append_only import allow_erasure

pytestmark = pytest.mark.django_db


def _closed(world: World) -> PointClosure:
    with_bands(world)
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    for o in y3[:3]:
        judge(world, world.pupils_a[0], o, "2")
    return close_point(user=world.users["leader"], point=point(world)).closure


def test_each_band_points_at_its_own_pupils_snapshot(world: World) -> None:
    closure = _closed(world)
    snapshots = list(Snapshot.objects.filter(closure=closure))
    assert len(snapshots) == 8
    bands = SnapshotBand.objects.filter(snapshot__closure=closure).select_related("snapshot")
    assert {b.snapshot_id for b in bands} == {s.pk for s in snapshots}
    for band in bands:
        # The stored explanation lists the figures of the pupil of the snapshot it hangs on.
        assert band.explanation["figures"]["objectives"] == band.snapshot.objectives
        assert band.explanation["figures"].get("secure") == band.snapshot.secure


def test_ids_taken_for_a_close_are_not_given_again(world: World) -> None:
    """Neither by the next close after the newest rows were erased, nor by a plain INSERT."""
    first = _closed(world)
    newest = max(Snapshot.objects.filter(closure=first).values_list("pk", flat=True))
    with allow_erasure("test"):
        SnapshotBand.objects.filter(snapshot__closure=first).delete()
        Snapshot.objects.filter(closure=first).delete()
    autumn = point(world)
    reopen_point(user=world.users["leader"], point=autumn, reason="again")
    second = close_point(user=world.users["leader"], point=autumn).closure
    ids = list(Snapshot.objects.filter(closure=second).values_list("pk", flat=True))
    assert len(ids) == 8 and min(ids) > newest
    one = Snapshot.objects.filter(closure=second).values().first()
    assert one is not None
    third = PointClosure.objects.create(school=world.school, point=autumn)
    fields = {k: v for k, v in one.items() if k != "id"}
    added = Snapshot.objects.create(**{**fields, "closure_id": third.pk})
    assert added.pk > max(ids)


def _row(values: tuple, **changes: object) -> tuple:
    """A snapshot row (in `_SNAPSHOT_COLUMNS` order) with some columns changed."""
    row = list(values)
    for column, value in changes.items():
        row[_SNAPSHOT_COLUMNS.index(column)] = value
    return tuple(row)


def _copy_of_a_snapshot(world: World) -> tuple[tuple, PointClosure]:
    closure = _closed(world)
    row = Snapshot.objects.filter(closure=closure).values_list(*_SNAPSHOT_COLUMNS).first()
    assert row is not None
    return row, PointClosure.objects.create(school=world.school, point=closure.point)


def test_bulk_write_is_counted_as_one_query(world: World) -> None:
    row, other = _copy_of_a_snapshot(world)
    rows = [
        _row(row, id=10_000 + i, closure_id=other.pk, pupil_id=pupil.pk)
        for i, pupil in enumerate(world.pupils_a[:2])
    ]
    with CaptureQueriesContext(connection) as ctx:
        _insert_many(Snapshot, _SNAPSHOT_COLUMNS, rows)
    assert len(ctx.captured_queries) == 1
    assert sorted(Snapshot.objects.filter(closure=other).values_list("pk", "pupil_id")) == [
        (10_000 + i, pupil.pk) for i, pupil in enumerate(world.pupils_a[:2])
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite does not limit a text's length"
)
def test_text_too_long_for_its_column_is_refused_not_cut(world: World) -> None:
    row, other = _copy_of_a_snapshot(world)
    too_long = _row(row, id=10_000, closure_id=other.pk, starting_point_label="x" * 500)
    with pytest.raises(DataError), transaction.atomic():
        _insert_many(Snapshot, _SNAPSHOT_COLUMNS, [too_long])
    assert not Snapshot.objects.filter(closure=other).exists()
