"""OneRoster bulk re-imports end staff assignments the bundle no longer lists, as pupils'."""

import pytest

from tests.factories import World
from tests.interop.test_oneroster_sync import ENROLMENTS, USERS, _apply, _bundle, _plan
from trackwell.accounts.models import AuditEntry, User
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import SchoolClass, StaffAssignment

pytestmark = pytest.mark.django_db

STAFF = [*USERS, ["ta", "", "sch", "aide", "Alan", "Kay", "", "", "a.kay@school.example"]]
ALL = [*ENROLMENTS, ["e5", "", "c2", "sch", "ta", "aide"]]
# Grace moved from 3 Robins (e4) to the maths set.
MOVED = [*(e for e in ALL if e[0] != "e4"), ["e7", "", "c2", "sch", "tt", "teacher"]]


def test_a_bulk_reimport_ends_a_staff_assignment_it_no_longer_lists(world: World) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    grace = User.objects.get(email="g.hopper@school.example")
    robins = SchoolClass.objects.get(school=world.school, name="3 Robins")
    assert StaffAssignment.objects.filter(user=grace, school_class=robins).exists()
    # The MIS has Grace teaching the maths set now, not 3 Robins; the aide stays there.
    later = _bundle(users=STAFF, enrolments=MOVED)
    plan = _plan(world, later, full=False)
    (end,) = [c for c in plan.changes if c.kind == "staff" and c.action == "end"]
    assert (end.action, end.label) == ("end", "Grace Hopper with 3 Robins ends")
    today = pupil_services.today()
    assert [(f.label, f.old, f.new) for f in end.fields] == [("Ends on", None, f"{today:%d/%m/%Y}")]
    assert end.notes == ["Not in the bundle's enrollments; the end is kept in the audit log."]
    _apply(world, later, full=False)
    assert not StaffAssignment.objects.filter(user=grace, school_class=robins).exists()
    assert StaffAssignment.objects.filter(user=grace).count() == 1
    assert StaffAssignment.objects.filter(user__email="a.kay@school.example").count() == 1
    grace.refresh_from_db()
    assert grace.is_active  # only the assignment ends
    (entry,) = AuditEntry.objects.filter(action="class.unassign")
    assert entry.object_id == str(robins.pk)
    assert entry.old == {"user": grace.pk, "name": "Grace Hopper"}
    assert entry.new == {"ended_on": today.isoformat(), "reason": "Not in the OneRoster bundle"}
    assert _plan(world, later, full=False).changes == []


def test_a_bulk_file_without_staff_leaves_their_assignments(world: World) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    pupils_only = [e for e in ALL if e[5] == "student"]
    plan = _plan(world, _bundle(users=STAFF, enrolments=pupils_only), full=False)
    assert [c for c in plan.changes if c.kind == "staff"] == []
    assert [w for w in plan.warnings if w.startswith("enrollments.csv lists no")] == [
        "enrollments.csv lists no teacher, so teachers keep the classes they have in Trackwell.",
        "enrollments.csv lists no aide, so aides keep the classes they have in Trackwell.",
    ]


def test_a_bulk_file_with_teachers_but_no_aides_leaves_the_aides_assignments(
    world: World,
) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    aide = User.objects.get(email="a.kay@school.example")
    no_aides = [e for e in ALL if e[5] != "aide"]
    plan = _plan(world, _bundle(users=STAFF, enrolments=no_aides), full=False)
    assert [c for c in plan.changes if c.kind == "staff"] == []
    assert [w for w in plan.warnings if w.startswith("enrollments.csv lists no")] == [
        "enrollments.csv lists no aide, so aides keep the classes they have in Trackwell."
    ]
    _apply(world, _bundle(users=STAFF, enrolments=no_aides), full=False)
    assert StaffAssignment.objects.filter(user=aide).count() == 1
    # With aides listed again, the one no longer listed does end.
    other = [*no_aides, ["e6", "", "c2", "sch", "ta2", "aide"]]
    second = [*STAFF, ["ta2", "", "sch", "aide", "Ida", "Rhodes", "", "", "i.r@school.example"]]
    plan = _plan(world, _bundle(users=second, enrolments=other), full=False)
    ends = [(c.action, c.label) for c in plan.changes if c.action == "end"]
    assert ends == [("end", "Alan Kay with Maths set ends")]


def test_staff_assigned_in_trackwell_keep_classes_a_bulk_bundle_knows(world: World) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    robins = SchoolClass.objects.get(school=world.school, name="3 Robins")
    by_hand = [world.users[name] for name in ("admin", "leader", "senco", "ta", "teacher")]
    for user in by_hand:
        StaffAssignment.objects.create(school=world.school, user=user, school_class=robins)
    # Grace leaves 3 Robins in the MIS: only her assignment, the bundle's, ends.
    later = _bundle(users=STAFF, enrolments=MOVED)
    plan = _plan(world, later, full=False)
    assert [(c.action, c.label) for c in plan.changes if c.action == "end"] == [
        ("end", "Grace Hopper with 3 Robins ends")
    ]
    _apply(world, later, full=False)
    assert set(
        StaffAssignment.objects.filter(school_class=robins).values_list("user", flat=True)
    ) == {user.pk for user in by_hand}


def test_a_member_of_staff_linked_by_an_earlier_import_ends_when_no_longer_listed(
    world: World,
) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    # The aide leaves the MIS (gone from users.csv and enrollments.csv, still linked);
    # another aide joins, so the file does list aides.
    ida = ["ta2", "", "sch", "aide", "Ida", "Rhodes", "", "", "i.r@school.example"]
    enrolments = [*(e for e in ALL if e[0] != "e5"), ["e6", "", "c1", "sch", "ta2", "aide"]]
    later = _bundle(users=[*USERS, ida], enrolments=enrolments)
    plan = _plan(world, later, full=False)
    assert [(c.action, c.label) for c in plan.changes if c.action == "end"] == [
        ("end", "Alan Kay with Maths set ends")
    ]
    _apply(world, later, full=False)
    assert not StaffAssignment.objects.filter(user__email="a.kay@school.example").exists()


def test_a_delta_removing_a_staff_enrolment_ends_it(world: World) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    modes = {name: "absent" for name in ("orgs", "academicSessions", "classes", "demographics")}
    modes |= {"users": "delta", "enrollments": "delta"}
    delta = _bundle(
        modes,
        users=[],
        enrolments=[["e5", "tobedeleted", "c2", "sch", "ta", "aide"]],
        skip=("orgs", "classes", "academicSessions", "demographics"),
    )
    plan = _plan(world, delta)
    assert [(c.action, c.label) for c in plan.changes] == [("end", "Alan Kay with Maths set ends")]
    _apply(world, delta)
    assert not StaffAssignment.objects.filter(user__email="a.kay@school.example").exists()
