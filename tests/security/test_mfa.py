"""Two-step sign-in: who needs it, setting it up, the second step, recovery codes, resets."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, World, make_trust_leader
from tests.security.conftest import app_code
from trackwell.accounts.models import AuditEntry, User
from trackwell.security.models import SecurityPolicy

pytestmark = pytest.mark.usefixtures("real_mfa")


def _sign_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _set_up(client: Client, user: User) -> list[str]:
    page = client.get(reverse("security:mfa-setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, inline
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("security:mfa-setup"), {"code": app_code(device)})
    assert done.status_code == 200, done.content
    return re.findall(r"<code>([a-z0-9-]{23})</code>", done.content.decode())


def _actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.mark.parametrize("role", ["admin", "leader", "senco"])
def test_roles_that_need_it_cannot_reach_a_page_before_setting_it_up(
    world: World, role: str
) -> None:
    user = world.users[role]
    client = _sign_in(user)
    for url in (reverse("home"), reverse("report-school"), reverse("security:mfa")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("security:mfa-setup"))
    json = client.get(reverse("home"), HTTP_ACCEPT="application/json")
    assert json.status_code == 401


def test_a_trust_leader_needs_it_too(world: World) -> None:
    assert world.school.trust is not None
    lead = make_trust_leader(world.school.trust)
    response = _sign_in(lead).get(reverse("home"))
    assert response["Location"].startswith(reverse("security:mfa-setup"))


def test_a_teacher_may_go_without_unless_the_school_requires_it(world: World) -> None:
    teacher = world.users["teacher"]
    assert _sign_in(teacher).get(reverse("home")).status_code == 200
    SecurityPolicy.objects.create(school=world.school, require_mfa_for_all=True)
    response = _sign_in(teacher).get(reverse("home"))
    assert response["Location"].startswith(reverse("security:mfa-setup"))


def test_setting_up_then_signing_in_with_the_app_and_with_a_recovery_code(world: World) -> None:
    leader = world.users["leader"]
    client = _sign_in(leader)
    codes = _set_up(client, leader)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("home")).status_code == 200
    device = TOTPDevice.objects.get(user=leader, confirmed=True)
    # Codes are kept only as hashes.
    from django_otp.plugins.otp_static.models import StaticToken

    stored = set(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes} and len(stored) == 10

    second = _sign_in(leader)
    assert second.get(reverse("home"))["Location"].startswith(reverse("security:mfa-verify"))
    # A password alone cannot set up a new app over the existing one.
    setup = second.get(reverse("security:mfa-setup"))
    assert setup["Location"].startswith(reverse("security:mfa-verify"))
    wrong = second.post(reverse("security:mfa-verify"), {"code": "000000"})
    assert wrong.status_code == 400 and "did not work" in wrong.content.decode()
    time.sleep(1.1)  # django-otp makes each wrong code double the wait (1 s after one)
    ok = second.post(
        reverse("security:mfa-verify"),
        {"code": app_code(device, offset_steps=1), "next": reverse("report-school")},
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("report-school")
    assert second.get(reverse("report-school")).status_code == 200

    third = _sign_in(leader)
    used = third.post(reverse("security:mfa-verify"), {"code": codes[0].upper()})
    assert used.status_code == 302
    assert third.get(reverse("home")).status_code == 200
    again = _sign_in(leader).post(reverse("security:mfa-verify"), {"code": codes[0]})
    assert again.status_code == 400  # a recovery code works once
    assert _actions(leader) == [
        "auth.signed_in",
        "auth.mfa_enabled",
        "auth.signed_in",
        "auth.mfa_failed",
        "auth.mfa_verified",
        "auth.signed_in",
        "auth.mfa_recovery_code_used",
        "auth.signed_in",
        "auth.mfa_failed",
    ]


def test_an_open_redirect_is_refused_after_the_second_step(world: World) -> None:
    teacher = world.users["teacher"]
    client = _sign_in(teacher)
    _set_up(client, teacher)
    device = TOTPDevice.objects.get(user=teacher)
    second = _sign_in(teacher)
    response = second.post(
        reverse("security:mfa-verify"),
        {"code": app_code(device, 1), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_a_teacher_can_turn_it_off_with_a_code_and_a_leader_cannot(world: World) -> None:
    teacher, leader = world.users["teacher"], world.users["leader"]
    client = _sign_in(teacher)
    _set_up(client, teacher)
    device = TOTPDevice.objects.get(user=teacher)
    refused = client.post(reverse("security:mfa-remove"), {"code": "123"})
    assert refused.status_code == 303 and TOTPDevice.objects.filter(user=teacher).exists()
    client.post(reverse("security:mfa-remove"), {"code": app_code(device, 1)})
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert "auth.mfa_removed" in _actions(teacher)

    lead_client = _sign_in(leader)
    _set_up(lead_client, leader)
    lead_device = TOTPDevice.objects.get(user=leader)
    lead_client.post(reverse("security:mfa-remove"), {"code": app_code(lead_device, 1)})
    assert TOTPDevice.objects.filter(user=leader).exists()


def test_new_recovery_codes_replace_the_old(world: World) -> None:
    leader = world.users["leader"]
    client = _sign_in(leader)
    old = _set_up(client, leader)
    page = client.post(reverse("security:mfa-recovery"))
    new = re.findall(r"<code>([a-z0-9-]{23})</code>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    verify = reverse("security:mfa-verify")
    assert _sign_in(leader).post(verify, {"code": old[1]}).status_code == 400
    time.sleep(1.1)
    assert _sign_in(leader).post(verify, {"code": new[1]}).status_code == 302


def test_an_admin_resets_a_colleagues_lost_phone(world: World) -> None:
    teacher = world.users["teacher"]
    _set_up(_sign_in(teacher), teacher)
    admin = _sign_in(world.users["admin"])
    _set_up(admin, world.users["admin"])
    assert "Set up" in admin.get(reverse("security:accounts")).content.decode()
    assert admin.post(reverse("security:reset-mfa", args=[teacher.pk])).status_code == 303
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert _sign_in(teacher).get(reverse("home")).status_code == 200
    entry = AuditEntry.objects.get(action="auth.mfa_reset")
    assert entry.user == world.users["admin"] and entry.object_id == str(teacher.pk)
