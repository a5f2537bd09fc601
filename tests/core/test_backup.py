"""The restore drill: demo school, backup, wipe, restore, the same rows and checksums."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from trackwell.accounts.models import AuditEntry, User
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.backup import manifest_path, sha256_of, stats
from trackwell.core.models import School
from trackwell.demo.generator import DemoOptions, generate

pytestmark = pytest.mark.django_db(transaction=True)


def _live_stats() -> tuple[dict[str, int], dict[str, str]]:
    if connection.vendor == "sqlite":
        from trackwell.core.backup import _sqlite_stats

        return _sqlite_stats(Path(connection.settings_dict["NAME"]))
    with connection.cursor() as cursor:
        return stats(cursor, "postgresql")


def test_backup_wipe_restore_gives_back_every_row(tmp_path: Path) -> None:
    generate(DemoOptions(schools=1, forms=1, pupils_per_class=5))
    assert Judgement.objects.count() > 1000
    counts_before, prints_before = _live_stats()
    history_before = JudgementHistory.objects.count()
    target = tmp_path / "school.backup"

    call_command("backup", output=target, verbosity=0)
    manifest = json.loads(manifest_path(target).read_text())
    assert manifest["sha256"] == sha256_of(target)
    assert manifest["row_counts"] == counts_before
    assert manifest["fingerprints"] == prints_before
    assert set(manifest["fingerprints"]) == {
        "assessment_judgement",
        "assessment_judgementhistory",
        "accounts_auditentry",
    }

    call_command("flush", "--noinput", verbosity=0)  # the wipe
    assert not School.objects.exists() and not JudgementHistory.objects.exists()

    call_command("restore", str(target), verbosity=0)
    counts_after, prints_after = _live_stats()
    assert counts_after == counts_before
    assert prints_after == prints_before
    assert JudgementHistory.objects.count() == history_before
    assert User.objects.filter(username="teacher3").exists()


def test_restore_refuses_a_database_in_use_and_a_damaged_file(tmp_path: Path) -> None:
    School.objects.create(name="Somewhere")
    AuditEntry.objects.create(action="x", object_type="t", object_id="1")
    target = tmp_path / "b.backup"
    call_command("backup", output=target, verbosity=0)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=target, verbosity=0)
    with pytest.raises(CommandError, match="already holds schools"):
        call_command("restore", str(target), verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    with target.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(CommandError, match="checksum does not match"):
        call_command("restore", str(target), verbosity=0)
    manifest_path(target).unlink()
    with pytest.raises(CommandError, match="No manifest"):
        call_command("restore", str(target), verbosity=0)
    assert not School.objects.exists()
