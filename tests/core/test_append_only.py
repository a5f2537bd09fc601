"""Judgement and result history, the audit log and snapshots are append-only in the database."""

import re

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.factories import World
from tests.scores.conftest import make_reading_test
from trackwell.accounts.models import AuditEntry, log_action
from trackwell.assessment.models import JudgementHistory
from trackwell.assessment.services import set_judgement
from trackwell.core.append_only import (
    AppendOnlyError,
    allow_erasure,
    append_only_models,
    append_only_tables,
)
from trackwell.scores.models import TestResult, TestResultHistory

pytestmark = pytest.mark.django_db


def _history(world: World) -> JudgementHistory:
    set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[0].pk,
        objective_id=world.objectives[0].pk,
        code="2",
        expected_version=0,
    )
    return JudgementHistory.objects.get()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE assessment_judgementhistory SET new_note = 'rewritten'",
        "DELETE FROM assessment_judgementhistory",
        "UPDATE accounts_auditentry SET action = 'nothing happened'",
        "DELETE FROM accounts_auditentry",
    ],
)
def test_raw_sql_cannot_rewrite_history(world: World, sql: str) -> None:
    _history(world)
    log_action(school=world.school, user=None, action="test", obj=world.school)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert JudgementHistory.objects.filter(new_note="rewritten").count() == 0
    assert AuditEntry.objects.filter(action="test").count() == 1


def test_bulk_queryset_calls_are_refused_too(world: World) -> None:
    _history(world)
    with pytest.raises(DatabaseError), transaction.atomic():
        JudgementHistory.objects.all().update(new_note="bulk")
    with pytest.raises(DatabaseError), transaction.atomic():
        JudgementHistory.objects.all()._raw_delete(JudgementHistory.objects.db)
    assert JudgementHistory.objects.count() == 1


def test_erasure_is_the_one_way_past(world: World) -> None:
    _history(world)
    with allow_erasure():
        JudgementHistory.objects.all().update(new_note="erased")
    assert JudgementHistory.objects.get().new_note == "erased"
    # The permission ends with the block.
    with pytest.raises(DatabaseError), transaction.atomic():
        JudgementHistory.objects.all().update(new_note="again")


def test_inserts_still_work(world: World) -> None:
    _history(world)
    _history_count = JudgementHistory.objects.count()
    log_action(school=world.school, user=None, action="another", obj=world.school)
    assert AuditEntry.objects.filter(action="another").exists()
    assert _history_count == 1


def test_truncate_is_refused_on_postgresql(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is a PostgreSQL statement; SQLite has DELETE only")
    _history(world)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Run the test transaction's deferred checks first, so only our trigger can refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE assessment_judgementhistory CASCADE")
    assert JudgementHistory.objects.count() == 1


def _triggers_on(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = %s AND NOT t.tgisinternal",
                [table],
            )
        return int(cursor.fetchone()[0])


@pytest.mark.parametrize("table", ["analysis_snapshot", "analysis_snapshotband"])
def test_snapshot_tables_are_append_only_too(world: World, table: str) -> None:
    assert _triggers_on(table) == 2


def test_every_append_only_model_has_its_triggers(db) -> None:
    tables = append_only_tables()
    for table in (
        "accounts_auditentry",
        "assessment_judgementhistory",
        "scores_testresulthistory",
        "analysis_snapshot",
    ):
        assert table in tables
    # A model given the base class without a migration adding the triggers fails here.
    assert {table: _triggers_on(table) for table in tables} == {table: 2 for table in tables}


# Models named like history that are not a record of changes; none today.
NOT_HISTORY: set[str] = set()


def test_every_history_model_is_append_only() -> None:
    names = re.compile(r"(History|Revision|Event|Log)$")
    append_only = {model._meta.label for model in append_only_models()}
    history = {
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("trackwell.") and names.search(model.__name__)
    }
    assert history - append_only - NOT_HISTORY == set(), (
        "give these AppendOnlyModel (trackwell/core/append_only.py) and a migration "
        "with append_only.migration_operations"
    )


def _result_history(world: World) -> TestResultHistory:
    test = make_reading_test(world)
    pupil = world.pupils_a[0]
    result = TestResult.objects.create(school=world.school, test=test, pupil=pupil, raw_mark=20)
    return TestResultHistory.objects.create(
        school=world.school,
        result=result,
        new_raw=20,
        version=1,
        changed_at=timezone.now(),
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE scores_testresulthistory SET new_raw = 1",
        "DELETE FROM scores_testresulthistory",
    ],
)
def test_test_result_history_cannot_be_rewritten(world: World, sql: str) -> None:
    _result_history(world)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert TestResultHistory.objects.filter(new_raw=20).count() == 1


def test_test_result_history_models_refuse_and_erasure_gets_past(world: World) -> None:
    entry = _result_history(world)
    with pytest.raises(AppendOnlyError, match="append-only"):
        entry.save()
    with pytest.raises(AppendOnlyError, match="append-only"):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        TestResultHistory.objects.all().update(new_raw=3)
    with allow_erasure():
        TestResultHistory.objects.all().delete()
    assert not TestResultHistory.objects.exists()
