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


def test_a_bulk_reimport_ends_a_staff_assignment_it_no_longer_lists(world: World) -> None:
    _apply(world, _bundle(users=STAFF, enrolments=ALL), full=False)
    grace = User.objects.get(email="g.hopper@school.example")
    robins = SchoolClass.objects.get(school=world.school, name="3 Robins")
    assert StaffAssignment.objects.filter(user=grace, school_class=robins).exists()
    # The MIS no longer has Grace teaching 3 Robins; the aide stays in the maths set.
    later = _bundle(users=STAFF, enrolments=[e for e in ALL if e[0] != "e4"])
    plan = _plan(world, later, full=False)
    (end,) = [c for c in plan.changes if c.kind == "staff"]
    assert (end.action, end.label) == ("end", "Grace Hopper with 3 Robins ends")
    today = pupil_services.today()
    assert [(f.label, f.old, f.new) for f in end.fields] == [("Ends on", None, f"{today:%d/%m/%Y}")]
    assert end.notes == ["Not in the bundle's enrollments; the end is kept in the audit log."]
    _apply(world, later, full=False)
    assert not StaffAssignment.objects.filter(user=grace, school_class=robins).exists()
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
    assert (
        "enrollments.csv lists no teacher or aide, so staff keep the classes they have in "
        "Trackwell."
    ) in plan.warnings


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
