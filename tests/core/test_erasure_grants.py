"""PostgreSQL: the runtime role cannot get past the append-only triggers by itself.

A restricted role, like the one Trackwell runs as in production (docs/deploy.md), is
given every privilege on every table, the grants table included, and still cannot
change history: not by UPDATE or DELETE, not by setting the old session setting, not by
writing a grant or switching the triggers off. `allow_erasure()` (retention, flush)
works, and leaves a record it cannot remove.
"""

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests.factories import World
from tests.security.test_subject_access_retention import _leaver
from trackwell.accounts.models import AuditEntry, log_action
from trackwell.assessment.models import JudgementHistory
from trackwell.assessment.services import set_judgement
from trackwell.core.append_only import PG_GRANTS, allow_erasure
from trackwell.pupils.models import Pupil
from trackwell.security.models import SecurityPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def runtime_role(db) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("roles and SECURITY DEFINER functions are PostgreSQL's; see docs/operations.md")
    role = f"tw_runtime_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        # Inside the test's transaction: the role goes again when it rolls back.
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
            f"TO {role}"
        )
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        # The test transaction's deferred checks first, so only the triggers can refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET ROLE {role}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _history(world: World) -> None:
    log_action(school=world.school, user=None, action="test", obj=world.school)
    set_judgement(
        user=world.users["teacher"],
        school_class=world.class_a,
        framework=world.framework,
        pupil_id=world.pupils_a[0].pk,
        objective_id=world.objectives[0].pk,
        code="2",
        expected_version=0,
    )


def _refused(sql: str, match: str | None = None) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE assessment_judgementhistory SET new_note = 'rewritten'",
        "DELETE FROM assessment_judgementhistory",
        "DELETE FROM accounts_auditentry",
        "TRUNCATE assessment_judgementhistory CASCADE",
    ],
)
def test_ordinary_changes_are_refused(world: World, runtime_role: str, sql: str) -> None:
    _history(world)
    _refused(sql, "append-only")
    assert JudgementHistory.objects.count() == 1


def test_setting_the_old_session_setting_is_refused(world: World, runtime_role: str) -> None:
    _history(world)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('trackwell.may_erase', 'on', true)")
        cursor.execute("SET LOCAL trackwell.may_erase = 'on'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE assessment_judgementhistory SET new_note = 'rewritten'")
    assert not JudgementHistory.objects.filter(new_note="rewritten").exists()


@pytest.mark.parametrize(
    "sql",
    [
        f"INSERT INTO {PG_GRANTS} (txid, granted_to) VALUES (txid_current(), 'me')",
        f"UPDATE {PG_GRANTS} SET ended_at = NULL",
        f"DELETE FROM {PG_GRANTS}",
        f"TRUNCATE {PG_GRANTS}",
        "ALTER TABLE assessment_judgementhistory DISABLE TRIGGER USER",
        "DROP TRIGGER assessment_judgementhistory_no_update ON assessment_judgementhistory",
        "CREATE OR REPLACE FUNCTION trackwell_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    ],
)
def test_the_runtime_role_cannot_grant_itself_or_switch_triggers_off(
    world: World, runtime_role: str, sql: str
) -> None:
    _history(world)
    with allow_erasure("an earlier erasure"):
        pass  # leaves a closed grant to try to reopen or remove
    _refused(sql)
    _refused("UPDATE assessment_judgementhistory SET new_note = 'rewritten'", "append-only")


def test_allow_erasure_works_and_leaves_a_record(world: World, runtime_role: str) -> None:
    _history(world)
    with allow_erasure("a test of erasure"):
        JudgementHistory.objects.all().update(new_note="erased")
    assert JudgementHistory.objects.get().new_note == "erased"
    # The grant ends with the block, though the transaction goes on.
    _refused("UPDATE assessment_judgementhistory SET new_note = 'again'", "append-only")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reason, ended_at IS NOT NULL, txid = txid_current() FROM {PG_GRANTS} "
            "WHERE reason = 'a test of erasure'"
        )
        assert cursor.fetchall() == [("a test of erasure", True, True)]


def test_retention_still_erases(world: World, runtime_role: str) -> None:
    SecurityPolicy.objects.create(
        school=world.school, retention_action="erase", retention_years_after_leaving=6
    )
    pupil = _leaver(world, dob=dt.date(1990, 1, 1))
    call_command("apply_retention", "--today", "2018-01-01")
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert not JudgementHistory.objects.filter(judgement__pupil_id=pupil.pk).exists()
    assert AuditEntry.objects.filter(action="privacy.retention_erase").count() == 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PG_GRANTS} WHERE reason = 'retention'")
        assert cursor.fetchone()[0] == 1


def test_what_flush_does_still_works_under_a_grant(world: World, runtime_role: str) -> None:
    # `manage.py flush` itself runs as the owner role (it restarts sequences, which only
    # their owner may; docs/deploy.md), as in the test below. Its TRUNCATE of the
    # append-only tables passes the triggers under a grant, whoever sends it.
    _history(world)
    with allow_erasure("flush"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE assessment_judgementhistory, accounts_auditentry CASCADE")
    assert JudgementHistory.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_flush_as_the_owner_empties_everything(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite flush is tested by every transactional test's teardown")
    _history(world)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert JudgementHistory.objects.count() == 0 and AuditEntry.objects.count() == 0
    assert Pupil.objects.count() == 0
