"""`manage.py import_pupils`: exit 0 when applied or previewed, else non-zero with the errors."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import World
from tests.interop.conftest import csv_bytes, sims_row, upn
from trackwell.pupils.models import Pupil

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_pupils", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_previews_and_writes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "sims.csv"
    path.write_bytes(csv_bytes([sims_row(1, "O'Brien", "Siobhán")]))
    out, _ = _run(str(path), "--school", str(world.school.pk), "--dry-run")
    assert "create pupil Siobhán O'Brien" in out
    assert "Dry run of sims.csv: 2 to create; nothing written." in out
    assert not Pupil.objects.filter(upn=upn(1)).exists()


def test_apply_then_again_changes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "sims.csv"
    path.write_bytes(csv_bytes([sims_row(1, "O'Brien", "Siobhán"), sims_row(2, "Lee", "Ash")]))
    out, _ = _run(str(path), "--school", world.school.name, "--user", world.users["admin"].username)
    assert "Imported: 3 created." in out
    assert Pupil.objects.filter(upn__in=[upn(1), upn(2)]).count() == 2
    out, _ = _run(str(path), "--school", world.school.name)
    assert "Nothing to change" in out


def test_full_marks_missing_pupils_as_left(world: World, tmp_path: Path) -> None:
    path = tmp_path / "sims.csv"
    path.write_bytes(csv_bytes([sims_row(1, "O'Brien", "Siobhán")]))
    out, _ = _run(str(path), "--school", str(world.school.pk), "--full", "--left-on", "30/11/2026")
    assert "marked as left" in out
    assert Pupil.objects.filter(school=world.school, left_on__isnull=True).count() == 1


def test_a_bad_file_exits_non_zero_with_row_and_column(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_bytes([sims_row(1, "Ok", "Pupil"), sims_row(2, "Bad", "Dob", DOB="3/13/2018")])
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_pupils", str(path), "--school", str(world.school.pk), stderr=err)
    assert "Row 3, column 'DOB': '3/13/2018' is not a real date." in err.getvalue()
    assert not Pupil.objects.filter(upn=upn(1)).exists()


def test_missing_file_and_unknown_school_are_clear(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No school"):
        _run(str(tmp_path / "nope.csv"), "--school", "Nowhere High")
    with pytest.raises(CommandError, match="No file"):
        _run(str(tmp_path / "nope.csv"), "--school", str(world.school.pk))
