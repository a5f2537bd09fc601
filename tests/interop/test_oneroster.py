"""OneRoster 1.1 bundles: the real reference bundle, a complete English bundle, bad bundles."""

import csv
import io
import shutil
import zipfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import World
from tests.interop.conftest import upn
from tests.interop.test_case import _refdata
from trackwell.accounts.models import Role, User
from trackwell.interop import pipeline
from trackwell.interop.kinds.oneroster import bundle_from_folder
from trackwell.interop.models import ExternalId
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, StaffAssignment

pytestmark = pytest.mark.django_db

BUNDLE = _refdata() / "oneroster" / "oat-sa_OneRosterv1p1BaseCSV"
needs_bundle = pytest.mark.skipif(
    not BUNDLE.is_dir(), reason=f"OneRoster reference bundle not found at {BUNDLE}."
)


def _prepare(world: World, data: bytes, **options: str) -> pipeline.Prepared:
    return pipeline.prepare(school=world.school, kind="oneroster", data=data, options=options)


@needs_bundle
def test_the_reference_bundle_is_read_and_its_gaps_named_by_file_row_and_column(
    world: World,
) -> None:
    prepared = _prepare(world, bundle_from_folder(BUNDLE))
    assert prepared.parsed.errors == []
    data = prepared.parsed.data
    assert [o["sourcedid"] for o in data["orgs"]] == ["12345", "54321"]
    assert len(data["classes"]) == 3 and len(data["users"]) == 2
    assert len(data["enrollments"]) == 3
    # Two schools in the bundle and none is ours by URN: the admin must choose.
    assert prepared.problems == [
        "orgs.csv: Choose which of the bundle's schools is Test Primary: "
        "12345 (School 1); 54321 (School 2)."
    ]
    chosen = _prepare(world, bundle_from_folder(BUNDLE), org="12345")
    problems = chosen.problems
    # The bundle is US test data: no UPNs, no dates of birth, no year groups. Each is named.
    assert (
        "users.csv, row 2, column 'identifier': 'user identifier' is not a UPN. Trackwell "
        "matches pupils by UPN: put each pupil's UPN in identifier (or an ext_upn column)."
    ) in problems
    assert any(
        p.startswith("users.csv, row 2, column 'sourcedId': demographics.csv has no row")
        for p in problems
    )
    assert any(p.startswith("users.csv, row 2, column 'grades'") for p in problems)
    assert not Pupil.objects.filter(first_name="ionut").exists()


def _complete_bundle(tmp_path: Path) -> Path:
    """The reference bundle with what an English school's export carries added to it."""
    folder = tmp_path / "bundle"
    shutil.copytree(BUNDLE, folder)

    def rewrite(name: str, change) -> None:
        path = folder / f"{name}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text())))
        rows = change(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        path.write_text(out.getvalue())

    def users(rows):
        header = rows[0]
        i = header.index("identifier")
        grade = header.index("ext_imagineLearning_studentGrade")
        email = header.index("email")
        rows[1][i], rows[1][grade] = upn(31), "3"
        rows[2][i], rows[2][grade] = upn(32), "4"
        teacher = [""] * len(header)
        teacher[:9] = ["t1", "TRUE", "", "", "12345", "teacher", "mhale", "", "Mary"]
        teacher[header.index("familyName")] = "Hale"
        teacher[email] = "m.hale@school.example"
        return [*rows, teacher]

    def demographics(rows):
        return [
            rows[0],
            ["user1", "", "", "2018-04-02", "female"],
            ["user2", "", "", "2017-10-30", "male"],
        ]

    def enrollments(rows):
        return [*rows, ["enrol4", "class1", "12345", "t1", "teacher", "active", "", "TRUE"]]

    rewrite("users", users)
    rewrite("demographics", demographics)
    rewrite("enrollments", enrollments)
    return folder


@needs_bundle
def test_a_complete_bundle_imports_classes_pupils_staff_and_enrolments_then_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    folder = _complete_bundle(tmp_path)
    out = StringIO()
    call_command(
        "import_oneroster",
        str(folder),
        "--school",
        str(world.school.pk),
        "--org",
        "12345",
        stdout=out,
        stderr=StringIO(),
    )
    assert "Imported:" in out.getvalue()
    ionut = Pupil.objects.get(upn=upn(31))
    assert (ionut.first_name, ionut.last_name, ionut.date_of_birth, ionut.sex, ionut.nc_year) == (
        "ionut",
        "padurariu",
        date(2018, 4, 2),
        "F",
        3,
    )
    # user2 belongs to the other school in the bundle: not imported here.
    assert not Pupil.objects.filter(upn=upn(32)).exists()
    class1 = SchoolClass.objects.get(school=world.school, name="Class 1 title")
    class2 = SchoolClass.objects.get(school=world.school, name="Class 2 title")
    assert class1.year == world.year and class1.nc_year == 2  # its own grade
    assert class2.nc_year == 3  # no grade: the year group of its pupils
    assert set(
        Enrolment.objects.filter(pupil=ionut).values_list("school_class__name", flat=True)
    ) == {
        "Class 1 title",
        "Class 2 title",
    }
    mary = User.objects.get(email="m.hale@school.example")
    assert (
        mary.role == Role.TEACHER and mary.school == world.school and not mary.has_usable_password()
    )
    assert StaffAssignment.objects.filter(user=mary, school_class=class1).exists()
    # Two classes, a pupil, a teacher and the school's org (for delta bundles without orgs).
    assert ExternalId.objects.filter(school=world.school, system="oneroster").count() == 5
    again = _prepare(world, bundle_from_folder(folder), org="12345")
    assert again.problems == [] and again.plan is not None and again.plan.changes == []


@needs_bundle
def test_a_renamed_class_is_matched_by_its_sourced_id(world: World, tmp_path: Path) -> None:
    folder = _complete_bundle(tmp_path)
    pipeline.apply_now(
        user=None,
        school=world.school,
        kind="oneroster",
        data=bundle_from_folder(folder),
        options={"org": "12345"},
    )
    classes = folder / "classes.csv"
    classes.write_text(classes.read_text().replace("Class 1 title", "Robins"))
    plan = _prepare(world, bundle_from_folder(folder), org="12345").plan
    assert plan is not None
    (change,) = plan.changes
    assert change.action == "change" and [(f.old, f.new) for f in change.fields] == [
        ("Class 1 title", "Robins")
    ]


@needs_bundle
def test_upload_as_a_zip_through_the_web_app(world: World, client_for, tmp_path: Path) -> None:
    folder = _complete_bundle(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for file in folder.iterdir():
            bundle.write(file, f"export/{file.name}")
    client = client_for(world.users["admin"])
    response = client.post(
        reverse("imports:upload", args=["oneroster"]),
        {"file": SimpleUploadedFile("roster.zip", buffer.getvalue()), "org": "12345"},
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and preview.context["errors"] == []
    done = client.post(response["Location"], {"digest": preview.context["digest"]})
    assert done.status_code == 302
    assert Pupil.objects.filter(upn=upn(31)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a zip"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a zip"),
    ],
)
def test_broken_bundles_are_refused_with_a_message(world: World, data: bytes, message: str) -> None:
    prepared = _prepare(world, data)
    assert prepared.plan is None and message in prepared.problems[0]


def test_a_zip_without_a_manifest_or_with_a_bomb_is_refused(world: World) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("users.csv", "sourcedId,role,givenName,familyName\n")
    assert "no manifest.csv" in _prepare(world, buffer.getvalue()).problems[0]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.csv", "propertyName,value\n")
        bundle.writestr("users.csv", b"a" * 30_000_000)
    problems = _prepare(world, bomb.getvalue()).problems
    assert "unpacks to more than the limit" in problems[0]


def _zip(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("manifest.csv", "propertyName,value\noneroster.version,1.1\n")
        for name, text in files.items():
            bundle.writestr(f"{name}.csv", text)
    return buffer.getvalue()


def test_missing_columns_and_repeated_ids_are_named(world: World) -> None:
    orgs = "sourcedId,name,type\nx,School,school\nx,Again,school\n"
    problems = _prepare(world, _zip(orgs=orgs, users="sourcedId,role\nu1,student\n")).problems
    assert problems == ["users.csv, row 1: the header needs the column(s) givenname, familyname."]
    users = "sourcedId,role,givenName,familyName\nu1,student,A,B\n"
    problems = _prepare(world, _zip(orgs=orgs, users=users)).problems
    assert problems == ["orgs.csv, row 3, column 'sourcedId': sourcedId 'x' is also on row 2."]


def test_the_command_refuses_a_missing_path(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No folder or zip"):
        call_command("import_oneroster", str(tmp_path / "none"), "--school", str(world.school.pk))


def test_terms_whose_parents_go_round_in_a_circle_do_not_hang(world: World) -> None:
    sessions = (
        "sourcedId,title,type,startDate,endDate,parentSourcedId\n"
        "a,Autumn,term,2026-09-01,2026-12-20,b\nb,Spring,term,2027-01-04,2027-03-31,a\n"
    )
    data = _zip(
        orgs="sourcedId,name,type\nsch,School,school\n",
        academicSessions=sessions,
        classes="sourcedId,title,schoolSourcedId,termSourcedIds,grades\nc1,Robins,sch,a,3\n",
        users="sourcedId,role,givenName,familyName,orgSourcedIds,email\nt,teacher,A,B,sch,ab@x.example\n",
    )
    prepared = _prepare(world, data)
    assert prepared.plan is not None and prepared.plan.count("create", "class") == 1


def test_a_school_year_not_set_up_is_named(world: World) -> None:
    sessions = (
        "sourcedId,title,type,startDate,endDate,parentSourcedId\n"
        "y,2030-31,schoolYear,2030-09-01,2031-07-31,\n"
    )
    data = _zip(
        orgs="sourcedId,name,type\nsch,School,school\n",
        academicSessions=sessions,
        classes="sourcedId,title,schoolSourcedId,termSourcedIds,grades\nc1,Robins,sch,y,3\n",
        users="sourcedId,role,givenName,familyName,orgSourcedIds,email\nt,teacher,A,B,sch,ab@x.example\n",
    )
    problems = _prepare(world, data).problems
    assert any(
        p.startswith("academicSessions.csv, row 2, column 'title': the school year '2030-31'")
        for p in problems
    ), problems
    # A users file with no pupil would also have marked the test world's pupils as left.
    assert any("lists no pupil of this school" in p for p in problems), problems


@needs_bundle
def test_two_users_with_one_upn_are_refused_in_the_preview(world: World, tmp_path: Path) -> None:
    folder = _complete_bundle(tmp_path)
    users = folder / "users.csv"
    rows = list(csv.reader(io.StringIO(users.read_text())))
    twin = list(rows[1])
    twin[0], twin[rows[0].index("givenName")] = "user9", "twin"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([*rows, twin])
    users.write_text(out.getvalue())
    demographics = folder / "demographics.csv"
    demographics.write_text(demographics.read_text() + "user9,,,2018-05-01,female\r\n")
    prepared = _prepare(world, bundle_from_folder(folder), org="12345")
    assert (
        f"users.csv, row 5, column 'identifier': UPN {upn(31)} is also on row 2; each pupil once."
        in prepared.problems
    )
    _, result = pipeline.apply_now(
        user=None,
        school=world.school,
        kind="oneroster",
        data=bundle_from_folder(folder),
        options={"org": "12345"},
    )
    assert result is None and not Pupil.objects.filter(upn=upn(31)).exists()


@needs_bundle
def test_enrolments_into_a_year_that_has_ended_are_refused_in_the_preview(
    world: World, tmp_path: Path
) -> None:
    from trackwell.core.models import AcademicYear

    AcademicYear.objects.create(
        school=world.school,
        name="2024/25",
        start_date=date(2024, 9, 1),
        end_date=date(2025, 8, 31),
        is_current=False,
    )
    folder = _complete_bundle(tmp_path)
    (folder / "academicSessions.csv").write_text(
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId\r\n"
        "1,active,,2024-25,schoolYear,2024-09-01,2025-08-31,\r\n"
    )
    prepared = _prepare(world, bundle_from_folder(folder), org="12345")
    assert (
        "enrollments.csv, row 2, column 'classSourcedId': Class 1 title is a class of 2024/25, "
        "which has ended: its pupils are kept as they were. Export this year's enrolments."
    ) in prepared.problems
    _, result = pipeline.apply_now(
        user=None,
        school=world.school,
        kind="oneroster",
        data=bundle_from_folder(folder),
        options={"org": "12345"},
    )
    assert result is None


@needs_bundle
def test_staff_the_commit_would_refuse_are_named_in_the_preview(
    world: World, tmp_path: Path
) -> None:
    folder = _complete_bundle(tmp_path)
    users = folder / "users.csv"
    rows = list(csv.reader(io.StringIO(users.read_text())))
    header = rows[0]
    again = list(rows[3])  # the teacher, a second time under another sourcedId
    again[0] = "t2"
    nameless = list(rows[3])
    nameless[0], nameless[header.index("email")] = "t3", "x@school.example"
    nameless[header.index("givenName")] = ""
    nameless[header.index("familyName")] = "L" * 151
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([*rows, again, nameless])
    users.write_text(out.getvalue())
    problems = _prepare(world, bundle_from_folder(folder), org="12345").problems
    assert problems == [
        "users.csv, row 5, column 'email': m.hale@school.example is also on row 4; each member "
        "of staff once.",
        "users.csv, row 6, column 'givenName': the name is missing.",
        "users.csv, row 6, column 'familyName': the name is longer than 150 characters.",
    ]
