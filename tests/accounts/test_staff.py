"""Staff pages: add with an emailed set-password link, edit, deactivate, reset a password."""

import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from tests.factories import World
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.pupils.models import StaffAssignment

pytestmark = pytest.mark.django_db


def link_in(message: str) -> str:
    match = re.search(r"https?://[^\s]+/accounts/password/set/[^\s]+/", message)
    assert match, message
    return match.group(0).split("testserver", 1)[1]


def add_staff(client: Client, world: World, **extra: object) -> User:
    data: dict[str, object] = {
        "first_name": "Nia",
        "last_name": "Okafor",
        "email": "Nia.Okafor@example.org",
        "role": "teacher",
        "classes": [world.class_b.pk],
    }
    data.update(extra)
    # Invitations go out when the account's transaction commits; tests run inside one.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("people-staff-add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(email="nia.okafor@example.org")


def test_admin_adds_staff_who_activates_from_the_emailed_link(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    staff = add_staff(admin, world)
    assert staff.school == world.school and staff.role == Role.TEACHER
    assert not staff.has_usable_password()
    assert StaffAssignment.objects.filter(user=staff, school_class=world.class_b).exists()
    assert AuditEntry.objects.filter(action="staff.create", object_id=str(staff.pk)).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia.okafor@example.org"]
    assert "Test Primary" in message.subject and "3 days" in message.body
    path = link_in(str(message.body))

    newcomer = Client()
    response = newcomer.get(path, follow=True)
    assert response.status_code == 200
    assert b"Choose your password" in response.content
    set_url = response.redirect_chain[-1][0]
    response = newcomer.post(
        set_url, {"new_password1": "a-long-secret-9281", "new_password2": "a-long-secret-9281"}
    )
    assert response.status_code == 302
    assert newcomer.login(username="nia.okafor@example.org", password="a-long-secret-9281")
    # The link works once.
    again = Client().get(path, follow=True)
    assert b"This link has expired" in again.content


def test_set_password_link_expires(world: World, client_for, settings) -> None:
    add_staff(client_for(world.users["admin"]), world)
    path = link_in(str(mail.outbox[0].body))
    settings.PASSWORD_RESET_TIMEOUT = -1
    response = Client().get(path, follow=True)
    assert b"This link has expired" in response.content


def test_bad_staff_input_is_named_beside_the_field(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("people-staff-add"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": world.users["teacher"].username + "@x.org",
            "role": "governor",
            "classes": [world.class_a.pk],
        },
    )
    assert response.status_code == 400
    assert b"Only teachers and teaching assistants are given classes" in response.content
    User.objects.filter(pk=world.users["teacher"].pk).update(email="taken@example.org")
    response = admin.post(
        reverse("people-staff-add"),
        {"first_name": "A", "last_name": "B", "email": "TAKEN@example.org", "role": "teacher"},
    )
    assert response.status_code == 400
    assert b"There is already an account for taken@example.org" in response.content
    assert len(mail.outbox) == 0


def test_role_and_class_changes_take_effect_on_the_next_request(world: World, client_for) -> None:
    teacher = world.users["teacher"]
    teacher_client = client_for(teacher)
    grid_b = reverse("grid", args=[world.class_b.pk, "maths"])
    assert teacher_client.get(grid_b).status_code == 200  # read-only view allowed
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("people-staff-edit", args=[teacher.pk]),
        {
            "first_name": teacher.first_name,
            "last_name": teacher.last_name,
            "email": "teacher@example.org",
            "role": "ta",
            "classes": [world.class_b.pk],
            "version": teacher.version,
        },
    )
    assert response.status_code == 302
    # Now a teaching assistant of 3 Ash only: 3 Oak is out of sight on the next request.
    assert teacher_client.get(reverse("grid", args=[world.class_a.pk, "maths"])).status_code == 404
    assert teacher_client.get(grid_b).status_code == 200
    entry = AuditEntry.objects.get(action="staff.update", object_id=str(teacher.pk))
    assert entry.old is not None and entry.new is not None
    assert entry.old["role"] == "teacher" and entry.new["role"] == "ta"


def test_stale_staff_edit_is_a_conflict_showing_both_values(world: World, client_for) -> None:
    teacher = world.users["teacher"]
    admin = client_for(world.users["admin"])
    form = {
        "first_name": "Changed",
        "last_name": teacher.last_name,
        "email": "t@example.org",
        "role": "teacher",
        "classes": [world.class_a.pk],
        "version": teacher.version,
    }
    assert admin.post(reverse("people-staff-edit", args=[teacher.pk]), form).status_code == 302
    form["first_name"] = "Mine"
    response = admin.post(reverse("people-staff-edit", args=[teacher.pk]), form)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Mine" in body and "Changed" in body
    teacher.refresh_from_db()
    assert teacher.first_name == "Changed"


def test_deactivating_ends_sessions_at_once(world: World, client_for) -> None:
    teacher = world.users["teacher"]
    teacher_client = Client()
    assert teacher_client.login(username=teacher.username, password="test-pass-123")
    assert teacher_client.get(reverse("home")).status_code == 200
    admin = client_for(world.users["admin"])
    response = admin.post(reverse("people-staff-active", args=[teacher.pk]), {"active": "0"})
    assert response.status_code == 302
    response = teacher_client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Client().login(username=teacher.username, password="test-pass-123")
    entry = AuditEntry.objects.get(action="staff.deactivate", object_id=str(teacher.pk))
    assert entry.new is not None and entry.new["sessions_ended"] == 1
    # And back again.
    admin.post(reverse("people-staff-active", args=[teacher.pk]), {"active": "1"})
    assert Client().login(username=teacher.username, password="test-pass-123")


def test_admin_cannot_deactivate_themselves(world: World, client_for) -> None:
    admin_user = world.users["admin"]
    client = client_for(admin_user)
    client.post(reverse("people-staff-active", args=[admin_user.pk]), {"active": "0"})
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_leader_with_the_setting_manages_staff_but_never_admins(world: World, client_for) -> None:
    leader = client_for(world.users["leader"])
    assert leader.get(reverse("people-staff")).status_code == 404
    world.school.leaders_manage_people = True
    world.school.save()
    assert leader.get(reverse("people-staff")).status_code == 200
    response = leader.post(
        reverse("people-staff-add"),
        {"first_name": "A", "last_name": "B", "email": "boss@example.org", "role": "admin"},
    )
    assert response.status_code == 400
    assert b"Only a school admin can give or change the admin role" in response.content


def test_forgotten_password_from_the_login_page(world: World) -> None:
    teacher = world.users["teacher"]
    User.objects.filter(pk=teacher.pk).update(email="teacher@example.org")
    client = Client()
    login_page = client.get(reverse("login"))
    assert reverse("password_reset").encode() in login_page.content
    response = client.post(reverse("password_reset"), {"email": "Teacher@Example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = link_in(str(mail.outbox[0].body))
    response = client.get(path, follow=True)
    set_url = response.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "fresh-pass-5521", "new_password2": "fresh-pass-5521"})
    assert Client().login(username=teacher.username, password="fresh-pass-5521")
    # An unknown address gets the same answer and no email.
    client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1


def test_invited_staff_with_an_expired_link_can_ask_for_a_new_one(world: World, client_for) -> None:
    add_staff(client_for(world.users["admin"]), world)
    Client().post(reverse("password_reset"), {"email": "nia.okafor@example.org"})
    assert len(mail.outbox) == 2
    response = client_for(world.users["admin"]).post(
        reverse("people-staff-invite", args=[User.objects.get(email="nia.okafor@example.org").pk])
    )
    assert response.status_code == 302 and len(mail.outbox) == 3
