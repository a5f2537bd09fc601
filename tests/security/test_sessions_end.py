"""Sessions end at once when what let them in goes: a two-step reset, a role that needs
more, a password set from an emailed link (deactivation: tests/accounts/test_staff.py;
a password change: tests/security/test_sign_in.py)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, World
from tests.security.conftest import app_code
from trackwell.accounts.models import AuditEntry, User

pytestmark = pytest.mark.usefixtures("real_mfa")


def _sign_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _set_up(client: Client, user: User) -> None:
    assert client.get(reverse("security:mfa-setup")).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("security:mfa-setup"), {"code": app_code(device)}).status_code == 200


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_mfa_reset_ends_every_session_of_the_colleague(world: World) -> None:
    teacher = world.users["teacher"]
    laptop = _sign_in(teacher)
    _set_up(laptop, teacher)  # this session is verified by the (now lost) phone
    assert laptop.get(reverse("home")).status_code == 200
    staffroom = _sign_in(teacher)  # signed in, second step not done yet
    admin_user = world.users["admin"]
    admin = _sign_in(admin_user)
    _set_up(admin, admin_user)
    assert admin.post(reverse("security:reset-mfa", args=[teacher.pk])).status_code == 303
    assert _signed_out(laptop.get(reverse("home")))
    assert _signed_out(staffroom.get(reverse("home")))
    assert admin.get(reverse("home")).status_code == 200  # the admin's own session lives on
    entry = AuditEntry.objects.get(action="auth.mfa_reset")
    assert entry.user == admin_user and entry.object_id == str(teacher.pk)
    assert entry.new is not None and entry.new["sessions_ended"] == 2
    # Signing in again works, without the old app.
    assert _sign_in(teacher).get(reverse("home")).status_code == 200


def test_a_teacher_made_a_leader_mid_session_must_set_up_the_second_step(world: World) -> None:
    teacher = world.users["teacher"]
    client = _sign_in(teacher)
    assert client.get(reverse("home")).status_code == 200  # teachers may go without
    User.objects.filter(pk=teacher.pk).update(role="leader")
    response = client.get(reverse("report-school"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:mfa-setup"))


def test_a_role_change_that_needs_no_more_keeps_the_session(world: World) -> None:
    teacher = world.users["teacher"]
    client = _sign_in(teacher)
    User.objects.filter(pk=teacher.pk).update(role="ta")
    assert client.get(reverse("home")).status_code == 200


def test_a_password_set_from_an_emailed_link_ends_every_session(world: World) -> None:
    teacher = world.users["teacher"]
    User.objects.filter(pk=teacher.pk).update(email="t.test@example.org")
    old = _sign_in(teacher)
    assert old.get(reverse("home")).status_code == 200
    visitor = Client()
    sent = visitor.post(reverse("password_reset"), {"email": "t.test@example.org"})
    assert sent.status_code == 302 and len(mail.outbox) == 1
    match = re.search(r"/accounts/password/set/[^\s]+/", str(mail.outbox[0].body))
    assert match
    form = visitor.get(match.group(0), follow=True)
    assert form.status_code == 200
    new = "violet-harbour-kettle-42"
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302, done.content
    assert _signed_out(old.get(reverse("home")))
    entry = AuditEntry.objects.filter(action="auth.password_changed").get()
    assert entry.object_id == str(teacher.pk)
    assert entry.new is not None and entry.new["how"] == "emailed link"
