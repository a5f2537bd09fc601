"""Judgement history, the audit log and snapshots are append-only in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import World
from trackwell.accounts.models import AuditEntry, log_action
from trackwell.assessment.models import JudgementHistory
from trackwell.assessment.services import set_judgement
from trackwell.core.append_only import allow_erasure

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
