"""MIS sync through the API: the CSV import's validation, matching and plan; staff writes."""

import pytest

from tests.factories import World
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.interop.pipeline import prepare
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass
from trackwell.pupils.upn import make_upn

pytestmark = pytest.mark.django_db
SYNC = "/api/v1/pupils/sync/"


def _record(pupil: Pupil, **changes: object) -> dict:
    record = {
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
        "nc_year": pupil.nc_year,
    }
    return {**record, **changes}


def _new(n: int, **extra: object) -> dict:
    return {
        "upn": make_upn(801, 2000, 20, n),
        "first_name": f"New{n}",
        "last_name": "Pupil",
        "date_of_birth": "2018-02-03",
        "sex": "F",
        "nc_year": "Y3",
        **extra,
    }


def test_a_dry_run_returns_the_plan_and_writes_nothing(world: World, api) -> None:
    client = api(["people:write"])
    first = world.pupils_a[0]
    records = [_record(p) for p in world.pupils_a + world.pupils_b]
    records[0] = _record(first, last_name="Changed", fsm=True)
    for r in records[1:]:
        r["fsm"], r["class_name"] = False, None
    records[0]["class_name"] = None
    records.append(_new(1, fsm="Y", class_name="3 New"))
    before = Pupil.objects.count()
    response = client.post(SYNC, {"pupils": records, "dry_run": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and "done" not in body
    assert body["summary"] == {"create": 2, "change": 1}
    change = next(c for c in body["changes"] if c["action"] == "change")
    assert change["key"] == first.upn and change["record"] == 0
    assert {f["field"]: (f["old"], f["new"]) for f in change["fields"]} == {
        "last_name": (first.last_name, "Changed"),
        "fsm": (False, True),
    }
    kinds = {(c["action"], c["kind"]) for c in body["changes"]}
    assert ("create", "class") in kinds and ("create", "pupil") in kinds
    assert Pupil.objects.count() == before
    assert not SchoolClass.objects.filter(name="3 New").exists()


def test_a_sync_writes_all_audits_the_key_and_a_second_run_changes_nothing(
    world: World, api
) -> None:
    client = api(["people:write"])
    records = [_record(p, class_name=None) for p in world.pupils_a + world.pupils_b]
    records.append(_new(2, class_name=world.class_a.name))
    dry = client.post(SYNC, {"pupils": records, "dry_run": True}).json()
    response = client.post(SYNC, {"pupils": records, "plan_digest": dry["digest"]})
    assert response.status_code == 200, response.content
    assert response.json()["done"] == {"create pupil": 1}
    pupil = Pupil.objects.get(upn=records[-1]["upn"])
    assert Enrolment.objects.filter(pupil=pupil, school_class=world.class_a).exists()
    created = AuditEntry.objects.get(action="pupil.create", object_id=str(pupil.pk))
    assert created.user is not None and created.user.display_name == "API key: Test key"
    sync = AuditEntry.objects.get(action="api_pupils_sync")
    assert sync.new is not None
    assert sync.new["source"] == "api" and sync.new["key"] == "Test key"
    assert sync.object_type == "api.ApiKey"
    again = client.post(SYNC, {"pupils": records}).json()
    assert again["summary"] == {} and again["done"] == {}
    # The dry run's digest no longer matches: 409 and nothing is written.
    stale = client.post(SYNC, {"pupils": records, "plan_digest": dry["digest"]})
    assert stale.status_code == 409 and stale.json()["type"].endswith("/conflict")


def test_every_bad_value_is_named_by_record_and_field_and_nothing_is_saved(
    world: World, api
) -> None:
    client = api(["people:write"])
    records = [
        _new(3, date_of_birth="31/02/2018"),
        _new(4, upn="B123"),
        _new(5, sex="X", nc_year="Year 20"),
        _new(3),  # the same UPN as record 0
    ]
    response = client.post(SYNC, {"pupils": records})
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {
        "pupils[0].date_of_birth",
        "pupils[1].upn",
        "pupils[2].sex",
        "pupils[2].nc_year",
        "pupils[3].upn",
    }
    assert not Pupil.objects.filter(first_name__startswith="New").exists()


def test_records_must_send_the_same_fields_and_only_known_ones(world: World, api) -> None:
    client = api(["people:write"])
    response = client.post(SYNC, {"pupils": [_new(6, fsm=True), _new(7)]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "pupils[1]"
    response = client.post(SYNC, {"pupils": [_new(6, surname="X")]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "pupils[0].surname"
    # Required fields, as the mapping step requires their columns.
    response = client.post(SYNC, {"pupils": [{"upn": "A123", "first_name": "Ann"}]})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "pupils[0].last_name",
        "pupils[0].date_of_birth",
        "pupils[0].sex",
        "pupils[0].nc_year",
    }


def test_a_full_roll_marks_missing_pupils_as_left_and_lists_report_them(world: World, api) -> None:
    client = api(["people:write"])
    gone = world.pupils_b[-1]
    records = [_record(p) for p in world.pupils_a + world.pupils_b[:-1]]
    body = client.post(
        SYNC, {"pupils": records, "full_roll": True, "left_on": "2026-11-30", "dry_run": True}
    ).json()
    assert [(c["action"], c["key"]) for c in body["changes"]] == [("leave", gone.upn)]
    since = "2020-01-01T00:00:00Z"
    assert client.post(
        SYNC, {"pupils": records, "full_roll": True, "left_on": "2026-11-30"}
    ).json()["done"] == {"leave pupil": 1}
    gone.refresh_from_db()
    assert str(gone.left_on) == "2026-11-30"
    on_roll = client.get("/api/v1/pupils/").json()["results"]
    assert gone.pk not in {p["id"] for p in on_roll}
    every = client.get("/api/v1/pupils/", include_left="true").json()["results"]
    assert {p["id"]: p["left_on"] for p in every}[gone.pk] == "2026-11-30"
    changed = client.get("/api/v1/pupils/", updated_since=since).json()["results"]
    assert [(p["id"], p["left_on"]) for p in changed] == [(gone.pk, "2026-11-30")]
    assert client.get("/api/v1/pupils/", include_left="maybe").status_code == 400


def test_the_api_and_the_csv_import_plan_the_same_changes(world: World, api) -> None:
    records = [_record(world.pupils_a[0], last_name="Csv"), _new(8, class_name="3 Ash")]
    header = "UPN,Surname,First name,Date of birth,Sex,Year group,Class\n"
    lines = [
        f"{r['upn']},{r['last_name']},{r['first_name']},{r['date_of_birth']},{r['sex']},"
        f"{r['nc_year']},{r.get('class_name', '')}"
        for r in records
    ]
    records[0]["class_name"] = world.class_a.name
    lines[0] = lines[0] + world.class_a.name
    prepared = prepare(
        school=world.school,
        kind="pupils",
        data=(header + "\n".join(lines) + "\n").encode(),
        options={"full": False},
    )
    assert prepared.plan is not None and not prepared.problems
    body = api(["people:write"]).post(SYNC, {"pupils": records, "dry_run": True}).json()
    assert body["digest"] == prepared.plan.digest


def test_writes_need_people_write_and_a_people_manager(world: World, api, client_for) -> None:
    assert api(["people:read"]).post(SYNC, {"pupils": [_new(9)]}).status_code == 403
    teacher = client_for(world.users["teacher"])
    assert teacher.post(SYNC, {}, content_type="application/json").status_code == 404


def test_staff_are_created_changed_and_deactivated_through_the_staff_services(
    world: World, api, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client = api(["people:write"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/staff/",
            {
                "first_name": "Nia",
                "last_name": "Okafor",
                "email": "nia@example.org",
                "role": "teacher",
                "classes": [world.class_a.pk],
            },
        )
    assert response.status_code == 201, response.content
    staff = response.json()
    assert staff["classes"] == [world.class_a.pk] and staff["version"] == 1
    assert len(mailoutbox) == 1
    url = f"/api/v1/staff/{staff['id']}/"
    taken = client.post(
        "/api/v1/staff/",
        {"first_name": "A", "last_name": "B", "email": "nia@example.org", "role": "teacher"},
    )
    assert taken.status_code == 400 and taken.json()["errors"][0]["field"] == "email"
    changed = client.patch(url, {"version": 1, "last_name": "Okafor-Reid", "classes": []})
    assert changed.status_code == 200, changed.content
    assert changed.json()["classes"] == [] and changed.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "first_name": "Nina"})
    assert stale.status_code == 409
    assert stale.json()["conflict"]["current_version"] == 2
    off = client.patch(url, {"version": 2, "is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    user = User.objects.get(pk=staff["id"])
    assert user.role == Role.TEACHER and not user.is_active
    actions = set(
        AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"staff.create", "staff.update", "staff.deactivate"} <= actions
    assert (
        client.patch(
            f"/api/v1/staff/{world.users['admin'].pk + 10_000}/", {"version": 1}
        ).status_code
        == 404
    )


def test_another_schools_staff_are_not_found(world: World, other_world: World, api) -> None:
    client = api(["people:write"])
    other = other_world.users["teacher"]
    assert client.patch(f"/api/v1/staff/{other.pk}/", {"version": 1}).status_code == 404


def test_updated_since_takes_any_offset_in_utc(world: World, api) -> None:
    client = api(["people:read"])
    # A valid ISO 8601 offset PostgreSQL would refuse as it stands: read in UTC.
    assert (
        client.get("/api/v1/pupils/", updated_since="1009-08-31T03:36:12+22:55").status_code == 200
    )
    assert (
        client.get("/api/v1/deletions/", updated_since="0001-01-01T00:00:00+23:59").status_code
        == 400
    )


@pytest.mark.parametrize("role", ["admin", "leader", "senco", "governor"])
def test_a_key_cannot_make_an_account_that_reaches_the_whole_school(
    world: World, api, role: str
) -> None:
    client = api(["people:write"])
    response = client.post(
        "/api/v1/staff/",
        {"first_name": "Eve", "last_name": "Intruder", "email": "eve@example.org", "role": role},
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "role"
    assert not User.objects.filter(email="eve@example.org").exists()
    teacher = world.users["teacher"]
    raised = client.patch(
        f"/api/v1/staff/{teacher.pk}/", {"version": teacher.version, "role": role}
    )
    assert raised.status_code == 400
    teacher.refresh_from_db()
    assert teacher.role == Role.TEACHER


@pytest.mark.parametrize("who", ["admin", "leader", "senco"])
def test_a_key_cannot_change_or_lock_out_the_people_who_manage_the_school(
    world: World, api, who: str
) -> None:
    client = api(["people:write"])
    target = world.users[who]
    url = f"/api/v1/staff/{target.pk}/"
    for change in ({"email": "eve@example.org"}, {"is_active": False}, {"role": "teacher"}):
        response = client.patch(url, {"version": target.version, **change})
        assert response.status_code == 403, (change, response.content)
    target.refresh_from_db()
    assert target.is_active and target.email != "eve@example.org" and target.role == who
