"""OneRoster kept in step: bulk re-imports end enrolments and offer leavers, delta bundles,
and academic sessions that match or create the school's years (small bundles of our own)."""

import csv
import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tests.factories import World
from tests.interop.conftest import upn
from tests.interop.test_oneroster import BUNDLE, _complete_bundle, needs_bundle
from trackwell.core.models import AcademicYear
from trackwell.interop import pipeline
from trackwell.interop.kinds.oneroster import bundle_from_folder
from trackwell.pupils.models import Enrolment, PastEnrolment, Pupil, SchoolClass

pytestmark = pytest.mark.django_db

SESSIONS = [
    ["y26", "2026-27", "schoolYear", "2026-09-01", "2027-07-31", ""],
    ["t1", "Autumn 2026", "term", "2026-09-01", "2026-12-18", "y26"],
    ["t2", "Spring 2027", "term", "2027-01-04", "2027-04-01", "y26"],
    ["t3", "Summer 2027", "term", "2027-04-19", "2027-07-21", "y26"],
]
USERS = [
    ["s1", "", "sch", "student", "Ada", "Lovelace", upn(41), "03"],
    ["s2", "", "sch", "student", "Alan", "Turing", upn(42), "03"],
    ["tt", "", "sch", "teacher", "Grace", "Hopper", "", "", "g.hopper@school.example"],
]
ENROLMENTS = [
    ["e1", "", "c1", "sch", "s1", "student"],
    ["e2", "", "c1", "sch", "s2", "student"],
    ["e3", "", "c2", "sch", "s1", "student"],
    ["e4", "", "c1", "sch", "tt", "teacher"],
]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue()


def _bundle(
    modes: dict[str, str] | None = None,
    *,
    sessions: list[list[str]] | None = None,
    classes: list[list[str]] | None = None,
    users: list[list[str]] | None = None,
    enrolments: list[list[str]] | None = None,
    orgs: list[list[str]] | None = None,
    skip: tuple[str, ...] = (),
) -> bytes:
    """A bundle of one school ('sch'): bulk files unless `modes` says delta or absent."""
    modes = modes or {}
    files = {
        "orgs": _csv(["sourcedId", "name", "type"], orgs or [["sch", "Test Primary", "school"]]),
        "academicSessions": _csv(
            ["sourcedId", "title", "type", "startDate", "endDate", "parentSourcedId"],
            SESSIONS if sessions is None else sessions,
        ),
        "classes": _csv(
            ["sourcedId", "status", "title", "schoolSourcedId", "termSourcedIds", "grades"],
            classes
            if classes is not None
            else [
                ["c1", "", "3 Robins", "sch", "t1", "03"],
                ["c2", "", "Maths set", "sch", "t1", ""],
            ],
        ),
        "users": _csv(
            [
                "sourcedId",
                "status",
                "orgSourcedIds",
                "role",
                "givenName",
                "familyName",
                "identifier",
                "grades",
                "email",
                "agents",
            ],
            USERS if users is None else users,
        ),
        "enrollments": _csv(
            ["sourcedId", "status", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
            ENROLMENTS if enrolments is None else enrolments,
        ),
        "demographics": _csv(
            ["userSourcedId", "birthDate", "sex"],
            [["s1", "2018-05-01", "female"], ["s2", "2018-06-02", "male"]],
        ),
    }
    manifest = [["oneroster.version", "1.1"]] + [
        [f"file.{name}", modes.get(name, "bulk")] for name in files
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("manifest.csv", _csv(["propertyName", "value"], manifest))
        for name, text in files.items():
            if name not in skip:
                bundle.writestr(f"{name}.csv", text)
    return buffer.getvalue()


def _plan(world: World, data: bytes, **options: object) -> pipeline.Plan:
    prepared = pipeline.prepare(school=world.school, kind="oneroster", data=data, options=options)
    assert prepared.problems == []
    assert prepared.plan is not None
    return prepared.plan


def _apply(world: World, data: bytes, **options: object) -> None:
    pipeline.apply_now(user=None, school=world.school, kind="oneroster", data=data, options=options)


def _actions(plan: pipeline.Plan) -> list[tuple[str, str]]:
    return [(c.action, c.label) for c in plan.changes]


def test_a_bulk_reimport_ends_missing_enrolments_and_offers_missing_pupils_as_leavers(
    world: World,
) -> None:
    _apply(world, _bundle(), full=False)
    ada, alan = Pupil.objects.get(upn=upn(41)), Pupil.objects.get(upn=upn(42))
    maths = SchoolClass.objects.get(school=world.school, name="Maths set")
    assert Enrolment.objects.filter(pupil=ada, school_class=maths).exists()
    # The MIS no longer has Ada in the maths set, and Alan has left the school.
    later = _bundle(users=USERS[::2], enrolments=[ENROLMENTS[0], ENROLMENTS[3]])
    plan = _plan(world, later, left_on="2026-11-30")
    leavers = [c for c in plan.changes if c.action == "leave"]
    # Alan, and every pupil of the school the bundle does not list (the test world's own).
    assert "Alan Turing" in [c.label for c in leavers]
    assert len(leavers) == 1 + len(world.pupils_a) + len(world.pupils_b)
    assert [c.label for c in plan.changes if c.action == "leave class"] == [
        "Ada Lovelace leaves Maths set"
    ]
    assert plan.count("enrol") == plan.count("create") == plan.count("change") == 0
    _apply(world, later, left_on="2026-11-30")
    ada.refresh_from_db()
    alan.refresh_from_db()
    assert ada.left_on is None and alan.left_on == date(2026, 11, 30)  # kept, never deleted
    assert not Enrolment.objects.filter(pupil=ada, school_class=maths).exists()
    assert PastEnrolment.objects.filter(pupil=ada, school_class=maths, reason="moved").exists()
    assert PastEnrolment.objects.filter(pupil=alan, reason="left").count() == 1
    assert Enrolment.objects.filter(pupil=ada, school_class__name="3 Robins").exists()
    # The same bundle again changes nothing.
    assert _plan(world, later).changes == []


def test_leavers_can_be_left_out_of_a_bulk_import(world: World) -> None:
    plan = _plan(world, _bundle(), full=False)
    assert plan.count("leave") == 0 and plan.count("create", "pupil") == 2


def test_a_delta_bundle_updates_removes_and_offers_no_other_leavers(world: World) -> None:
    _apply(world, _bundle(), full=False)
    delta = {name: "absent" for name in ("orgs", "academicSessions", "classes", "demographics")}
    delta |= {"users": "delta", "enrollments": "delta"}
    data = _bundle(
        delta,
        users=[
            ["s1", "active", "sch", "student", "Ada", "King", upn(41), "03"],
            ["s2", "tobedeleted", "sch", "student", "Alan", "Turing", upn(42), "03"],
        ],
        enrolments=[["e3", "tobedeleted", "c2", "sch", "s1", "student"]],
        skip=("orgs", "classes", "academicSessions", "demographics"),
    )
    plan = _plan(world, data)
    assert _actions(plan) == [
        ("change", "Ada Lovelace"),
        ("leave", "Alan Turing"),
        ("leave class", "Ada Lovelace leaves Maths set"),
    ]
    (change,) = [c for c in plan.changes if c.action == "change"]
    assert [(f.field, f.old, f.new) for f in change.fields] == [("last_name", "Lovelace", "King")]
    _apply(world, data)
    assert Pupil.objects.get(upn=upn(41)).last_name == "King"
    assert Pupil.objects.get(upn=upn(42)).left_on is not None
    # The world's own pupils, not in any file of the delta, are untouched.
    assert all(p.left_on is None for p in Pupil.objects.filter(pk__in=[world.pupils_a[0].pk]))
    assert _plan(world, data).changes == []


def test_absent_files_of_a_delta_change_nothing(world: World) -> None:
    _apply(world, _bundle(), full=False)
    modes = {name: "absent" for name in ("academicSessions", "classes", "users", "demographics")}
    modes["enrollments"] = "delta"
    # The absent files still hold rows (and one class with no pupils): none of it is read.
    data = _bundle(
        modes,
        classes=[["c9", "", "Ghost class", "sch", "t1", "03"]],
        users=[],
        enrolments=[["e5", "active", "c2", "sch", "s2", "student"]],
    )
    assert _actions(_plan(world, data)) == [("enrol", "Alan Turing into Maths set")]


def test_school_years_and_terms_from_academic_sessions(world: World) -> None:
    plan = _plan(world, _bundle(), full=False)
    # 2026-27 is the Trackwell year 2026/27: matched by its dates, its terms shown.
    assert plan.count("create", "year") == 0
    (note,) = [w for w in plan.warnings if "Terms:" in w]
    assert "2026-27" in note and "Autumn 2026 (01/09/2026 to 18/12/2026)" in note
    assert "terms are not assessment points" in note
    # Next year's bundle: the year is created, its points at the end of each term (the
    # school's own pattern has one point only, so it cannot be copied).
    sessions = [
        ["y27", "2027/28", "schoolYear", "2027-09-01", "2028-07-31", ""],
        ["a", "Autumn", "term", "2027-09-01", "2027-12-17", "y27"],
        ["b", "Spring", "term", "2028-01-04", "2028-03-31", "y27"],
        ["c", "Summer", "term", "2028-04-17", "2028-07-20", "y27"],
    ]
    data = _bundle(sessions=sessions, classes=[["c1", "", "4 Robins", "sch", "a", "04"]])
    plan = _plan(world, data, full=False)
    (year,) = [c for c in plan.changes if c.kind == "year"]
    assert year.action == "create" and year.fields[-1].new == (
        "Autumn 17/12/2027, Spring 31/03/2028, Summer 20/07/2028"
    )
    assert year.notes and year.notes[0].startswith("Terms: Autumn (01/09/2027")
    (new_class,) = [c for c in plan.changes if c.kind == "class"]
    assert new_class.label == "4 Robins (Year 4, 2027/28)"
    _apply(world, data, full=False)
    made = AcademicYear.objects.get(school=world.school, name="2027/28")
    assert not made.is_current and made.assessment_points.count() == 3
    assert SchoolClass.objects.get(school=world.school, name="4 Robins").year == made
    assert _plan(world, data, full=False).changes == []


def test_a_school_year_overlapping_another_is_named(world: World) -> None:
    sessions = [["y", "Odd year", "schoolYear", "2027-06-01", "2028-05-31", ""]]
    data = _bundle(sessions=sessions, classes=[["c1", "", "Robins", "sch", "y", "03"]])
    prepared = pipeline.prepare(school=world.school, kind="oneroster", data=data, options={})
    assert prepared.problems == [
        "academicSessions.csv, row 2, column 'startDate': the school year 'Odd year' "
        "(01/06/2027 to 31/05/2028) overlaps 2026/27 but is not the same year: correct its "
        "dates (here or on the Years page)."
    ]


@needs_bundle
def test_the_reference_bundle_then_a_delta_of_it(world: World, tmp_path: Path) -> None:
    folder = _complete_bundle(tmp_path)
    _apply(world, bundle_from_folder(folder), org="12345", full=False)
    ionut = Pupil.objects.get(upn=upn(31))
    assert Enrolment.objects.filter(pupil=ionut, school_class__name="Class 2 title").exists()
    # The same export as a delta: only enrol2 changed (removed); the other files absent.
    delta = tmp_path / "delta"
    delta.mkdir()
    manifest = (BUNDLE / "manifest.csv").read_text()
    for name in ("academicSessions", "orgs", "courses", "classes", "users", "demographics"):
        manifest = manifest.replace(f"file.{name},bulk", f"file.{name},absent")
    (delta / "manifest.csv").write_text(
        manifest.replace("file.enrollments,bulk", "file.enrollments,delta")
    )
    rows = list(csv.reader(io.StringIO((folder / "enrollments.csv").read_text())))
    status, modified = rows[0].index("status"), rows[0].index("dateLastModified")
    enrol2 = rows[2]
    enrol2[status], enrol2[modified] = "tobedeleted", "2026-11-20"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([rows[0], enrol2])
    (delta / "enrollments.csv").write_text(out.getvalue())
    shutil.copy(folder / "orgs.csv", delta / "orgs.csv")  # absent: not read
    plan = _plan(world, bundle_from_folder(delta))
    (change,) = plan.changes
    assert (change.action, change.label, change.row) == (
        "leave class",
        "ionut padurariu leaves Class 2 title",
        2,
    )
    assert change.notes[0].startswith("Removed in the bundle (changed 2026-11-20)")
    _apply(world, bundle_from_folder(delta))
    assert not Enrolment.objects.filter(pupil=ionut, school_class__name="Class 2 title").exists()
    assert Enrolment.objects.filter(pupil=ionut, school_class__name="Class 1 title").exists()


def _errors(world: World, data: bytes, **options: object) -> list[str]:
    prepared = pipeline.prepare(school=world.school, kind="oneroster", data=data, options=options)
    problems = list(prepared.problems) + (list(prepared.plan.errors) if prepared.plan else [])
    return [str(getattr(p, "message", p)) for p in problems]


def test_another_schools_bundle_is_refused_not_read_as_every_pupil_leaving(
    world: World,
) -> None:
    _apply(world, _bundle(), full=False)
    other = _bundle(
        users=[[*u[:2], "oth", *u[3:]] for u in USERS],
        enrolments=[[*e[:3], "oth", *e[4:]] for e in ENROLMENTS],
        classes=[
            ["c1", "", "3 Robins", "oth", "t1", "03"],
            ["c2", "", "Maths set", "oth", "t1", ""],
        ],
        orgs=[["oth", "Other Primary", "school"]],
    )
    errors = _errors(world, other)
    assert any("imported from sch last time" in e for e in errors), errors
    # Named on purpose, it is read.
    assert not any("last time" in e for e in _errors(world, other, org="oth"))


def test_a_users_file_without_pupils_or_enrolments_without_pupils_is_refused(
    world: World,
) -> None:
    _apply(world, _bundle(), full=False)
    staff_only = _bundle(users=[USERS[2]], enrolments=[ENROLMENTS[3]])
    errors = _errors(world, staff_only)
    assert any("lists no pupil of this school" in e for e in errors), errors
    no_pupils_enrolled = _bundle(enrolments=[ENROLMENTS[3]])
    errors = _errors(world, no_pupils_enrolled, full=False)
    assert any("enrollments.csv lists no pupil" in e for e in errors), errors


def test_a_bundle_that_would_make_many_pupils_leave_says_so_first(world: World) -> None:
    _apply(world, _bundle(), full=False)
    plan = _plan(world, _bundle(users=USERS[::2], enrolments=[ENROLMENTS[0], ENROLMENTS[3]]))
    assert any("pupils on roll would be marked as left" in w for w in plan.warnings)
