"""Importing results on the one pipeline: mapping, matching, preview, all or nothing;
and the import_results and export_results commands."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import World
from trackwell.interop import pipeline
from trackwell.scores.imports import ResultsImport
from trackwell.scores.models import Test, TestResult, TestResultHistory

pytestmark = pytest.mark.django_db


def _csv(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or ["UPN", "Surname", "Forename", "DOB", "Raw score"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _row(pupil, mark: str, *, upn: bool = True) -> list[str]:
    return [
        pupil.upn if upn else "",
        pupil.last_name,
        pupil.first_name,
        pupil.date_of_birth.strftime("%d/%m/%Y"),
        mark,
    ]


def test_command_imports_by_upn_and_by_name_and_birth_date(
    world: World, reading_test: Test, tmp_path: Path
) -> None:
    a, b = world.pupils_a[0], world.pupils_a[1]
    path = tmp_path / "marks.csv"
    path.write_bytes(_csv([_row(a, "27"), _row(b, "40", upn=False)]))
    out = io.StringIO()
    call_command(
        "import_results",
        str(path),
        "--school",
        world.school.name,
        "--test",
        reading_test.name,
        "--dry-run",
        stdout=out,
    )
    assert "nothing written" in out.getvalue()
    assert not TestResult.objects.exists()
    call_command(
        "import_results",
        str(path),
        "--school",
        str(world.school.pk),
        "--test",
        str(reading_test.pk),
        stdout=io.StringIO(),
    )
    scores = dict(TestResult.objects.values_list("pupil_id", "score"))
    assert scores == {a.pk: 100, b.pk: 110}
    assert TestResultHistory.objects.filter(source="import").count() == 2
    # Importing the same file again changes nothing.
    call_command(
        "import_results",
        str(path),
        "--school",
        world.school.name,
        "--test",
        reading_test.name,
        stdout=io.StringIO(),
    )
    assert TestResultHistory.objects.count() == 2


def test_problems_are_named_by_row_and_column_and_nothing_is_written(
    world: World, reading_test: Test, tmp_path: Path
) -> None:
    a, b, c = world.pupils_a[:3]
    rows = [
        _row(a, "27"),
        _row(b, "55"),
        ["", "Nobody", "Known", "01/01/2018", "10"],
        _row(a, "12"),
        ["N000000000000", "", "", "", "3"],
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_results",
            str(path),
            "--school",
            world.school.name,
            "--test",
            reading_test.name,
            stderr=err,
            stdout=io.StringIO(),
        )
    text = err.getvalue()
    assert "Row 3, column 'Raw score': A raw mark of 55 is outside 0-50 for this test." in text
    assert "Row 4: no pupil called Known Nobody with that date of birth." in text
    assert f"Row 5: {a.full_name} is also on row 2." in text
    assert "Row 6: no pupil of the school has UPN N000000000000." in text
    assert not TestResult.objects.exists()
    path.write_bytes(_csv([_row(a, "27"), _row(c, "lots")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_results",
            str(path),
            "--school",
            world.school.name,
            "--test",
            reading_test.name,
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "Row 3, column 'Raw score': 'lots' is not a raw mark" in err.getvalue()
    assert not TestResult.objects.exists()


def test_export_command_writes_the_results(
    world: World, reading_test: Test, tmp_path: Path
) -> None:
    path = tmp_path / "marks.csv"
    path.write_bytes(_csv([_row(world.pupils_a[0], "46")]))
    call_command(
        "import_results",
        str(path),
        "--school",
        world.school.name,
        "--test",
        reading_test.name,
        stdout=io.StringIO(),
    )
    out = tmp_path / "out.csv"
    call_command(
        "export_results",
        "--school",
        world.school.name,
        "--test",
        reading_test.name,
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[0] == ["UPN", "Name", "Raw mark", "Score", "Score band", "Percentile"]
    assert rows[1] == [
        world.pupils_a[0].upn,
        world.pupils_a[0].full_name,
        "46",
        "118",
        "High score",
        "",
    ]


def test_unknown_test_is_refused(world: World, other_test: Test, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_bytes(_csv([]))
    with pytest.raises(CommandError, match="No test"):
        call_command(
            "import_results", str(path), "--school", world.school.name, "--test", str(other_test.pk)
        )


def test_web_upload_maps_previews_and_commits(world: World, client_for, reading_test: Test) -> None:
    client = client_for(world.users["leader"])
    data = _csv([_row(world.pupils_a[0], "30")], ["Pupil", "Family", "Known as", "Born", "Marks"])
    response = client.post(
        reverse("imports:upload", args=["results"]),
        {"file": SimpleUploadedFile("marks.csv", data), "test": reading_test.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    columns = response["Location"]
    mapped = client.post(
        columns,
        {
            "column-0": "upn",
            "column-1": "last_name",
            "column-2": "first_name",
            "column-3": "date_of_birth",
            "column-4": "raw_mark",
            "remember": "on",
        },
    )
    assert mapped.status_code == 302
    preview = client.get(mapped["Location"])
    assert preview.context["plan"].summary == {"create": 1}
    assert not TestResult.objects.exists()
    # Meanwhile a teacher types a mark: the preview is stale and nothing is overwritten.
    TestResult.objects.create(
        school=world.school,
        test=reading_test,
        pupil=world.pupils_a[0],
        raw_mark=10,
        score=88,
        version=1,
    )
    stale = client.post(mapped["Location"], {"digest": preview.context["digest"]})
    assert stale.status_code == 409
    assert TestResult.objects.get().raw_mark == 10
    fresh = client.get(mapped["Location"])
    done = client.post(mapped["Location"], {"digest": fresh.context["digest"]})
    assert done.status_code == 302
    assert TestResult.objects.get().raw_mark == 30


def test_teachers_cannot_import_results(world: World, client_for, reading_test: Test) -> None:
    response = client_for(world.users["teacher"]).post(
        reverse("imports:upload", args=["results"]),
        {"file": SimpleUploadedFile("marks.csv", _csv([])), "test": reading_test.pk},
    )
    assert response.status_code == 404


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_parse_never_raises(world: World, data: bytes) -> None:
    table, problems = pipeline.read_table(data, ResultsImport.limits)
    if table is None:
        assert problems
        return
    columns = {"upn": 0, "raw_mark": min(1, len(table.headers) - 1)}
    ResultsImport().parse(table, {"columns": columns})
