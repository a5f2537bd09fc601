"""Uploads with a preview and an all-or-nothing commit; the admin commands."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import World
from tests.interop.test_case import CASE_DIR
from trackwell.accounts.models import AuditEntry
from trackwell.curriculum.models import Framework, Objective
from trackwell.interop.models import PendingImport

pytestmark = pytest.mark.django_db

GOOD = (
    b"subject,year,strand,code,statement,key,tags,order\n"
    b"Music,2,Listening,MU2-1,Listen with concentration,yes,,1\n"
    b"Music,2,Performing,MU2-2,Sing songs in tune,no,practical,2\n"
)


def _upload(client, data: bytes, **extra):
    return client.post(
        reverse("curriculum-import"),
        {"file": SimpleUploadedFile("music.csv", data), "kind": "csv", **extra},
    )


def test_a_bad_file_lists_every_problem_and_saves_nothing(world: World, client_for) -> None:
    client = client_for(world.users["leader"])
    bad = GOOD + b"Music,Year 99,,MU2-3,,perhaps,,\n"
    response = _upload(client, bad)
    assert response.status_code == 400
    errors = response.context["errors"]
    assert len(errors) == 4 and all(e.startswith("Row 4, column") for e in errors)
    assert not PendingImport.objects.exists()
    assert not Framework.objects.filter(subject__name="Music").exists()


def test_upload_preview_confirm_then_the_same_file_changes_nothing(
    world: World, client_for
) -> None:
    client = client_for(world.users["leader"])
    response = _upload(client, GOOD)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    plan = preview.context["plans"][0]
    assert plan.summary == {"create": 6, "change": 0, "archive": 0, "restore": 0}
    assert plan.count("create") == 2  # objectives; the rest: subject, framework, strands
    assert not Framework.objects.filter(subject__name="Music").exists()  # not yet
    done = client.post(response["Location"], {"digest": preview.context["digest"]})
    assert done.status_code == 302
    framework = Framework.objects.get(subject__name="Music")
    assert list(framework.objectives.order_by("order").values_list("code", flat=True)) == [
        "MU2-1",
        "MU2-2",
    ]
    assert AuditEntry.objects.filter(action="framework.import").count() == 1
    again = _upload(client, GOOD)
    page = client.get(again["Location"])
    assert page.context["total"] == 0
    assert "Nothing to change" in page.content.decode()


def test_a_preview_that_went_stale_is_not_committed(world: World, client_for) -> None:
    client = client_for(world.users["leader"])
    location = _upload(client, GOOD)["Location"]
    digest = client.get(location).context["digest"]
    # Someone creates the subject's framework meanwhile with a clashing objective.
    first = _upload(client, GOOD.replace(b"Sing songs", b"Chant"))["Location"]
    client.post(first, {"digest": client.get(first).context["digest"]})
    response = client.post(location, {"digest": digest}, follow=True)
    assert "changed since this preview" in response.content.decode()
    assert Objective.objects.get(code="MU2-2").statement == "Chant in tune"


@pytest.mark.skipif(not CASE_DIR.is_dir(), reason=f"CASE reference files not at {CASE_DIR}.")
def test_case_upload_needs_subject_and_year(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    data = (CASE_DIR / "SmartLevelFramework.json").read_bytes()
    missing = client.post(
        reverse("curriculum-import"),
        {"file": SimpleUploadedFile("f.json", data), "kind": "case"},
    )
    assert missing.status_code == 400
    assert any("year or phase" in e for e in missing.context["errors"])
    ok = client.post(
        reverse("curriculum-import"),
        {
            "file": SimpleUploadedFile("f.json", data),
            "kind": "case",
            "subject": "Computing",
            "year": "Key Stage 2",
        },
    )
    assert ok.status_code == 302
    client.post(ok["Location"], {"digest": client.get(ok["Location"]).context["digest"]})
    framework = Framework.objects.get(subject__name="Computing")
    assert framework.phase == "Key Stage 2" and framework.objectives.count() == 12


def test_commands_round_trip_csv_and_case(world: World, tmp_path: Path) -> None:
    csv_path = tmp_path / "maths.csv"
    out = StringIO()
    call_command(
        "export_frameworks",
        "--school",
        str(world.school.pk),
        "--output",
        str(csv_path),
        stdout=out,
        stderr=StringIO(),
    )
    assert "Wrote 2 framework(s)" in out.getvalue()
    out = StringIO()
    call_command(
        "import_frameworks",
        str(csv_path),
        "--school",
        world.school.name,
        stdout=out,
        stderr=StringIO(),
    )
    assert "Nothing to change" in out.getvalue()

    case_dir = tmp_path / "case"
    call_command(
        "export_frameworks",
        "--school",
        str(world.school.pk),
        "--format",
        "case",
        "--framework",
        str(world.framework.pk),
        "--output",
        str(case_dir),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    (package,) = case_dir.glob("*.json")
    assert json.loads(package.read_text())["CFDocument"]["title"] == world.framework.name
    out = StringIO()
    call_command(
        "import_frameworks",
        str(package),
        "--school",
        str(world.school.pk),
        "--subject",
        "Maths",
        "--year",
        "3",
        "--user",
        world.users["admin"].username,
        stdout=out,
        stderr=StringIO(),
    )
    assert "Nothing to change" in out.getvalue()


def test_import_command_reports_errors_and_writes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"subject,year,strand,code,statement\nArt,12x,Drawing,A1,Draw\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_frameworks", str(path), "--school", str(world.school.pk), stderr=err)
    assert "Row 2, column 'year'" in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    out = StringIO()
    call_command(
        "import_frameworks",
        str(good),
        "--school",
        str(world.school.pk),
        "--dry-run",
        stdout=out,
        stderr=StringIO(),
    )
    assert "2 to create" not in out.getvalue() and "Dry run" in out.getvalue()
    assert not Framework.objects.filter(subject__name="Music").exists()
