"""Closing a point writes every index of its snapshots: migration 0009 drops the three
that other indexes already cover, and keeps the tables (and their append-only triggers)."""

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

from trackwell.analysis.models import Snapshot, SnapshotBand

BEFORE = [("analysis", "0008_snapshot_band_shown")]
DROPPED = {
    (Snapshot, "closure_id"): "analysis_snapshot_closure_id_965b574a",
    (Snapshot, "point_id"): "analysis_snapshot_point_id_016e061d",
    (SnapshotBand, "snapshot_id"): "analysis_snapshotband_snapshot_id_6e3e083f",
}


def _indexes(model: type[models.Model]) -> dict[str, list[str]]:
    """Each index and unique constraint of the model's table, by name: its columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: info["columns"]
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


def _triggers(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_each_dropped_index_is_covered_by_another_that_begins_with_its_column() -> None:
    for (model, column), name in DROPPED.items():
        indexes = _indexes(model)
        assert name not in indexes
        covering = [n for n, columns in indexes.items() if columns and columns[0] == column]
        assert len(covering) >= 1, (model, column, indexes)


@pytest.mark.django_db(transaction=True)
def test_migration_0009_drops_only_the_indexes_and_can_be_undone() -> None:
    tables = {model._meta.db_table for model, _ in DROPPED}
    triggers = {table: _triggers(table) for table in tables}
    assert all(len(found) >= 2 for found in triggers.values()), triggers
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        for (model, column), name in DROPPED.items():
            assert _indexes(model).get(name) == [column]
        assert {table: _triggers(table) for table in tables} == triggers
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    for (model, _), name in DROPPED.items():
        assert name not in _indexes(model)
    # The tables were not rebuilt: their append-only triggers are the ones they had.
    assert {table: _triggers(table) for table in tables} == triggers
