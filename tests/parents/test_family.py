"""Parents and carers: invitations, codes, revocation, what they read and when."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.parents import services
from trackwell.parents.models import ChildLink, Invitation, ParentRelease, ParentSettings
from trackwell.printed.models import ReportComment, ReportRound

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-family-password-42"


def _add_contact(world: World, client: Client, pupil, email: str = "sam@example.org") -> ChildLink:
    response = client.post(
        reverse("parents:pupil-contacts", args=[pupil.pk]),
        {"first_name": "Sam", "last_name": "Rivers", "email": email, "relationship": "Mother"},
    )
    assert response.status_code == 302
    return ChildLink.objects.filter(pupil=pupil).latest("pk")


def test_an_emailed_invitation_creates_the_parents_account_for_their_child(
    world: World, released: ReportRound, client_for
) -> None:
    admin = client_for(world.users["admin"])
    child = world.pupils_a[0]
    link = _add_contact(world, admin, child)
    assert admin.post(reverse("parents:link-email", args=[link.pk])).status_code == 302
    assert len(mail.outbox) == 1
    found = re.search(r"/family/invite/([^/\s]+)/", str(mail.outbox[0].body))
    assert found is not None
    token = found.group(1)
    assert mail.outbox[0].to == ["sam@example.org"]
    stored = Invitation.objects.get()
    assert token not in stored.secret_hash  # only a hash is kept

    visitor = Client()
    page = visitor.get(reverse("parents:accept", args=[token]))
    assert page.status_code == 200 and child.first_name in page.content.decode()
    response = visitor.post(
        reverse("parents:accept", args=[token]),
        {"username": "sam@example.org", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    parent = User.objects.get(username="sam@example.org")
    assert parent.role == Role.PARENT and parent.school_id == world.school.pk
    home = visitor.get(reverse("parents:home")).content.decode()
    assert child.full_name in home
    assert visitor.get(reverse("parents:child", args=[child.pk])).status_code == 200
    # The link works once.
    again = Client().get(reverse("parents:accept", args=[token]))
    assert again.status_code == 404


def test_a_printed_code_adds_a_second_child_to_a_signed_in_parent(
    world: World, released: ReportRound, client_for
) -> None:
    leader = world.users["leader"]
    first = services.add_contact(
        user=leader, pupil=world.pupils_a[0], first_name="Jo", last_name="Lane"
    )
    code = services.print_code(user=leader, link=first).secret
    visitor = Client()
    response = visitor.post(
        reverse("parents:join"),
        {"code": code.lower(), "username": "jo", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    parent = User.objects.get(username="jo")
    # The school entered Jo again for another child; the code joins it to the same account.
    second = services.add_contact(
        user=leader, pupil=world.pupils_b[0], first_name="Jo", last_name="Lane"
    )
    code2 = services.print_code(user=leader, link=second).secret
    assert visitor.post(reverse("parents:join"), {"code": code2}).status_code == 302
    from trackwell.accounts import access

    assert set(access.children_of(parent)) == {world.pupils_a[0], world.pupils_b[0]}
    used = visitor.post(reverse("parents:join"), {"code": code2})
    assert used.status_code == 400
    assert "does not work" in used.content.decode()


def test_a_wrong_or_expired_code_says_so_and_creates_nothing(world: World) -> None:
    link = services.add_contact(
        user=world.users["admin"], pupil=world.pupils_a[0], first_name="A", last_name="B"
    )
    made = services.print_code(user=world.users["admin"], link=link)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    for code in (made.secret, "ABCD-EFGH-JKMN", "", "x" * 500):
        response = Client().post(
            reverse("parents:join"),
            {"code": code, "username": "new", "password": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 400
    assert not User.objects.filter(username="new").exists()


def test_a_weak_password_is_refused_with_the_reason(world: World) -> None:
    link = services.add_contact(
        user=world.users["admin"], pupil=world.pupils_a[0], first_name="A", last_name="B"
    )
    code = services.print_code(user=world.users["admin"], link=link).secret
    response = Client().post(
        reverse("parents:join"),
        {"code": code, "username": "pat", "password": "123", "password2": "123"},
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(username="pat").exists()
    assert Invitation.objects.get().used_at is None


def test_revoking_a_link_ends_access_at_once(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    client = client_for(parent)
    assert client.get(reverse("parents:child", args=[child.pk])).status_code == 200
    link = ChildLink.objects.get(pupil=child)
    pending = services.print_code(user=world.users["admin"], link=link)
    response = client_for(world.users["admin"]).post(reverse("parents:link-revoke", args=[link.pk]))
    assert response.status_code == 302
    assert client.get(reverse("parents:child", args=[child.pk])).status_code == 404
    assert child.full_name not in client.get(reverse("parents:home")).content.decode()
    assert services.find_invitation(pending.secret) is None
    assert AuditEntry.objects.filter(action="family.revoke").exists()


def test_parents_see_nothing_before_the_school_shares_a_point(
    world: World, parent: User, report_round: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    html = client_for(parent).get(reverse("parents:child", args=[child.pk])).content.decode()
    assert "has not shared an update yet" in html
    assert "Maths" not in html
    leader = client_for(world.users["leader"])
    leader.post(reverse("parents:release", args=[report_round.point_id]))
    assert ParentRelease.objects.filter(point=report_round.point).exists()
    html = client_for(parent).get(reverse("parents:child", args=[child.pk])).content.decode()
    assert "Maths" in html and "How you can help at home" in html
    leader.post(reverse("parents:release", args=[report_round.point_id]), {"withdraw": "1"})
    html = client_for(parent).get(reverse("parents:child", args=[child.pk])).content.decode()
    assert "has not shared an update yet" in html


def test_the_parent_page_has_no_percentages_staff_labels_or_comparisons(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    ReportComment.objects.create(
        school=world.school,
        round=released,
        pupil=child,
        subject=world.maths,
        text="Loves number puzzles.",
    )
    html = client_for(parent).get(reverse("parents:child", args=[child.pk])).content.decode()
    main = html[html.index("<main") :]
    assert "%" not in main
    for staff_label in ("Well below", "Just below", "On track", "Greater depth", ">Below<"):
        assert staff_label not in main
    for comparison in ("class average", "other pupils", "ranked"):
        assert comparison not in main.lower()
    assert "Loves number puzzles." in main
    assert any(
        words in main
        for words in (
            "Learning what we expect at this time of year",
            "Nearly where we expect at this time of year",
            "Building up the year's learning with support",
            "Working on earlier steps with extra support",
            "Learning securely and applying it in depth",
        )
    )


def test_staff_preview_shows_the_parents_page(
    world: World, released: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    for role in ("admin", "leader", "teacher", "other_teacher", "ta", "senco"):
        response = client_for(world.users[role]).get(reverse("parents:preview", args=[child.pk]))
        assert response.status_code == 200, role
        assert "exactly what" in response.content.decode()
    assert (
        client_for(world.users["governor"])
        .get(reverse("parents:preview", args=[child.pk]))
        .status_code
        == 404
    )


def test_parent_settings_change_the_words_and_a_stale_form_is_a_conflict(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    leader = client_for(world.users["leader"])
    url = reverse("parents:settings")
    form = leader.get(url)
    assert form.status_code == 200
    version = ParentSettings.objects.get(school=world.school).version
    response = leader.post(
        url,
        {
            "version": version,
            "welcome": "Welcome to Oak class.",
            "show_home_help": "on",
            "home_maths": "Play dominoes together.",
        },
    )
    assert response.status_code == 302
    html = (
        client_for(parent).get(reverse("parents:child", args=[world.pupils_a[0].pk])).content
    ).decode()
    assert "Play dominoes together." in html
    assert "Next steps" not in html  # switched off
    stale = client_for(world.users["admin"]).post(
        url, {"version": version, "welcome": "Hello", "home_maths": "Count stairs."}
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Welcome to Oak class." in body and "Hello" in body
    assert ParentSettings.objects.get(school=world.school).welcome == "Welcome to Oak class."


def test_a_parent_downloads_their_childs_released_report(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    response = client_for(parent).get(reverse("parents:child-report", args=[child.pk, released.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    ParentRelease.objects.all().delete()
    response = client_for(parent).get(reverse("parents:child-report", args=[child.pk, released.pk]))
    assert response.status_code == 404
