"""Sign-in: throttling, the audit trail, session limits, password rules."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, World, make_trust_leader
from trackwell.accounts.models import AuditEntry, User
from trackwell.core.models import Trust
from trackwell.security import sessions
from trackwell.security.models import SecurityPolicy


def _sign_in(client: Client, user: User, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": user.username, "password": password}, **extra)


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_sign_ins_and_failures_are_in_the_audit_log(world: World) -> None:
    teacher = world.users["teacher"]
    client = Client()
    assert _sign_in(client, teacher, "wrong-password").status_code == 200
    assert _sign_in(client, teacher).status_code == 302
    client.post(reverse("login"), {"username": "nobody-here", "password": "x"})
    failed, signed_in, unknown = AuditEntry.objects.order_by("id")
    assert (failed.action, failed.school, failed.user) == (
        "auth.sign_in_failed",
        world.school,
        teacher,
    )
    assert failed.new is not None and unknown.new is not None
    assert failed.new["address"] == "127.0.0.1" and "password" not in str(failed.new)
    assert (signed_in.action, signed_in.user) == ("auth.signed_in", teacher)
    assert unknown.action == "auth.sign_in_failed" and unknown.school is None
    assert unknown.new["username"] == "nobody-here"


def test_an_account_is_locked_after_repeated_failures_and_an_admin_unlocks_it(
    world: World, settings, client_for, real_axes
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    teacher = world.users["teacher"]
    client = Client()
    for _ in range(3):
        _sign_in(client, teacher, "guess")
    locked = _sign_in(client, teacher)  # the right password, but locked now
    assert locked.status_code == 429
    assert "too many unsuccessful sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert "auth.locked_out" in _actions() and "auth.sign_in_refused_locked" in _actions()
    # From another computer too: the account itself is locked.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _sign_in(other, teacher).status_code == 429

    admin = client_for(world.users["admin"])
    page = admin.get(reverse("security:accounts"))
    assert page.status_code == 200 and f"Unlock {teacher.username}" in page.content.decode()
    response = admin.post(reverse("security:unlock", args=[teacher.pk]))
    assert response.status_code == 303
    assert not AccessAttempt.objects.filter(username=teacher.username).exists()
    assert _sign_in(other, teacher).status_code == 302
    unlocked = AuditEntry.objects.get(action="auth.unlocked")
    assert unlocked.user == world.users["admin"] and unlocked.object_id == str(teacher.pk)


def test_one_address_trying_many_accounts_is_locked(world: World, settings, real_axes) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.7")
    for role in ("teacher", "ta", "senco"):
        _sign_in(client, world.users[role], "guess")
    assert _sign_in(client, world.users["governor"]).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="192.0.2.8"), world.users["governor"]).status_code == 302


def test_unlocking_is_for_the_admin_of_the_same_school(
    world: World, other_world: World, client_for
) -> None:
    target = world.users["teacher"]
    url = reverse("security:unlock", args=[target.pk])
    assert client_for(other_world.users["admin"]).post(url).status_code == 404
    for role in ("leader", "teacher", "senco"):
        assert client_for(world.users[role]).post(url).status_code == 403
    assert client_for(world.users["admin"]).get(url).status_code == 405


def test_the_idle_timeout_signs_out(world: World, client_for) -> None:
    SecurityPolicy.objects.create(school=world.school, idle_timeout_minutes=10)
    client = client_for(world.users["teacher"])
    assert client.session[sessions.IDLE_SECONDS] == 600
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[sessions.LAST_SEEN] = int(time.time()) - 601
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    follow = client.get(response["Location"])
    assert "signed out after 10 minutes without activity" in follow.content.decode()


def test_activity_keeps_a_session_until_its_absolute_lifetime(
    world: World, client_for, settings
) -> None:
    client = client_for(world.users["teacher"])
    session = client.session
    session[sessions.LAST_SEEN] = int(time.time()) - 25 * 60  # idle 25 of 30 minutes
    session.save()
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    assert session[sessions.LAST_SEEN] >= int(time.time()) - 5  # the request touched it
    session[sessions.SIGNED_IN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    assert client.get(reverse("home")).status_code == 302
    assert settings.SESSION_ABSOLUTE_SECONDS <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_password_change_ends_every_other_session_at_once(world: World) -> None:
    teacher = world.users["teacher"]
    laptop, staffroom = Client(), Client()
    _sign_in(laptop, teacher)
    _sign_in(staffroom, teacher)
    assert staffroom.get(reverse("home")).status_code == 200
    new = "violet-harbour-kettle-42"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert staffroom.get(reverse("home")).status_code == 302
    assert "auth.password_changed" in _actions()


@pytest.mark.parametrize(
    "password",
    ["TestPrimary2026!", "t3stprimary-rocks", "Teacher-Test-1999", "test-teacher-pw!"],
)
def test_passwords_built_from_names_are_refused(world: World, password: str) -> None:
    # School "Test Primary"; user "test-teacher", Teacher Test.
    with pytest.raises(ValidationError):
        validate_password(password, world.users["teacher"])


def test_a_trust_name_and_a_short_password_are_refused_and_a_passphrase_is_fine(
    world: World,
) -> None:
    lead = make_trust_leader(Trust.objects.create(name="Northbridge Learning Trust"), "jo-b")
    with pytest.raises(ValidationError, match="trust's name"):
        validate_password("n0rthbridge-4ever!", lead)
    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("Kq8#vb2!", world.users["teacher"])
    validate_password("violet-harbour-kettle-42", world.users["teacher"])
