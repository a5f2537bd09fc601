"""Pupil, class and group management pages, and data out."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.pupils.models import Enrolment, PastEnrolment, Pupil, PupilGroup, SchoolClass
from trackwell.pupils.upn import make_upn

pytestmark = pytest.mark.django_db


def pupil_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "upn": make_upn(823, 4444, 20, 12),
        "first_name": "Siân",
        "last_name": "D'Arcy",
        "date_of_birth": "2018-05-06",
        "sex": "F",
        "nc_year": "3",
        "sen_status": "N",
    }
    data.update(extra)
    return data


def test_add_pupil_into_a_class(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    response = admin.post(reverse("people-pupil-add"), pupil_form(school_class=world.class_a.pk))
    assert response.status_code == 302
    pupil = Pupil.objects.get(last_name="D'Arcy")
    assert Enrolment.objects.filter(pupil=pupil, school_class=world.class_a).exists()
    listing = admin.get(reverse("people-pupils")).content.decode()
    assert "D&#x27;Arcy" in listing


def test_bad_upn_is_named_beside_the_field(world: World, client_for) -> None:
    response = client_for(world.users["admin"]).post(
        reverse("people-pupil-add"), pupil_form(upn="A12345678901B")
    )
    assert response.status_code == 400
    assert "is not a valid UPN" in response.content.decode()


def test_edit_pupil_dates_the_change_and_shows_history(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    pupil = world.pupils_a[0]
    form = {
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
        "nc_year": pupil.nc_year,
        "sen_status": "K",
        "disadvantaged": "on",
        "effective_from": "2026-11-02",
        "version": pupil.version,
    }
    response = admin.post(reverse("people-pupil", args=[pupil.pk]), form)
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert pupil.sen_status == "K" and pupil.disadvantaged
    page = admin.get(reverse("people-pupil", args=[pupil.pk])).content.decode()
    assert "2 November 2026" in page and "sen_status" in page
    # The same form again is stale: a conflict showing both values.
    form["sen_status"] = "E"
    response = admin.post(reverse("people-pupil", args=[pupil.pk]), form)
    assert response.status_code == 409
    pupil.refresh_from_db()
    assert pupil.sen_status == "K"


def test_leaver_is_kept_read_only_and_out_of_current_lists(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    pupil = world.pupils_a[0]
    response = admin.post(
        reverse("people-pupil-leave", args=[pupil.pk]),
        {"left_on": "2027-01-10", "reason": "Moved area", "version": pupil.version},
    )
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert pupil.left_on == dt.date(2027, 1, 10)
    assert b"read-only" in admin.get(reverse("people-pupil", args=[pupil.pk])).content
    assert pupil.last_name not in admin.get(reverse("people-pupils")).content.decode()
    assert pupil.last_name in admin.get(reverse("people-pupils") + "?status=left").content.decode()
    # Out of the class's grid (current figures), record still readable.
    grid = admin.get(reverse("grid", args=[world.class_a.pk, "maths"])).content.decode()
    assert pupil.last_name not in grid
    assert admin.get(reverse("people-pupil", args=[pupil.pk])).status_code == 200
    response = admin.post(
        reverse("people-pupil", args=[pupil.pk]),
        {**{"upn": pupil.upn, "first_name": "X"}, "version": pupil.version},
    )
    assert response.status_code == 400
    pupil.refresh_from_db()
    assert pupil.first_name != "X"


def test_class_add_edit_move_and_enrol(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    teacher = world.users["other_teacher"]
    response = admin.post(
        reverse("people-class-add"),
        {"year": world.year.pk, "name": "3 Yew", "nc_year": "3", "teachers": [teacher.pk]},
    )
    assert response.status_code == 302
    yew = SchoolClass.objects.get(name="3 Yew")
    assert yew.assignments.filter(user=teacher).exists()
    moving = world.pupils_a[:2]
    response = admin.post(
        reverse("people-class-move", args=[world.class_a.pk]),
        {"pupil": [p.pk for p in moving], "to_class": yew.pk},
    )
    assert response.status_code == 302
    assert set(yew.pupils.values_list("pk", flat=True)) == {p.pk for p in moving}
    assert PastEnrolment.objects.filter(school_class=world.class_a, reason="moved").count() == 2
    # The teacher of 3 Yew can now edit its grid: the assignment works on the next request.
    assert client_for(teacher).get(reverse("grid", args=[yew.pk, "maths"])).status_code == 200
    # Rename with a stale version: a conflict, nothing saved.
    form = {"name": "3 Rowan", "nc_year": "3", "teachers": [teacher.pk], "version": 99}
    response = admin.post(reverse("people-class", args=[yew.pk]), form)
    assert response.status_code == 409
    yew.refresh_from_db()
    assert yew.name == "3 Yew"


def test_move_is_all_or_nothing(world: World, client_for, other_world: World) -> None:
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("people-class-move", args=[world.class_a.pk]),
        {"pupil": [world.pupils_a[0].pk, other_world.pupils_a[0].pk], "to_class": world.class_b.pk},
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(pupil=world.pupils_a[0], school_class=world.class_a).exists()


def test_groups_edit_and_delete_with_audit(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("people-group-add"),
        {"name": "Young carers", "description": "", "pupils": [world.pupils_a[0].pk]},
    )
    assert response.status_code == 302
    group = PupilGroup.objects.get(name="Young carers")
    response = admin.post(
        reverse("people-group", args=[group.pk]),
        {
            "name": "Young carers",
            "description": "Known to the school",
            "pupils": [world.pupils_a[1].pk],
            "version": group.version,
        },
    )
    assert response.status_code == 302
    assert list(group.pupils.values_list("pk", flat=True)) == [world.pupils_a[1].pk]
    assert admin.post(reverse("people-group-delete", args=[group.pk])).status_code == 302
    assert PupilGroup.objects.filter(pk=group.pk).exists()  # not without the confirm box
    admin.post(reverse("people-group-delete", args=[group.pk]), {"confirm": "yes"})
    assert not PupilGroup.objects.filter(pk=group.pk).exists()
    entry = AuditEntry.objects.get(action="group.delete")
    assert entry.old is not None and entry.old["pupils"] == [world.pupils_a[1].pk]


def test_exports_are_formula_safe_csv(world: World, client_for) -> None:
    pupil = world.pupils_a[0]
    Pupil.objects.filter(pk=pupil.pk).update(first_name="=HYPERLINK(1)")
    admin = client_for(world.users["admin"])
    response = admin.get(reverse("people-export-file", args=["pupils", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["UPN", "Legal Surname", "Legal Forename"]
    mine = next(r for r in rows if r[0] == pupil.upn)
    assert mine[2] == "'=HYPERLINK(1)"
    assert mine[6] == "3 Oak"
    assert len(rows) == 1 + 8
    staff = admin.get(reverse("people-export-file", args=["staff", "csv"])).content.decode()
    assert "test-teacher" in staff and "Class teacher" in staff
    classes = admin.get(reverse("people-export-file", args=["classes", "csv"])).content.decode()
    assert "3 Oak" in classes and "2026/27" in classes
    assert admin.get(reverse("people-export-file", args=["pupils", "pdf"])).status_code == 404
