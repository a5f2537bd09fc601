"""Every meetings and home URL against every role, another school's ids, and wrong methods."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import World
from tests.meetings.conftest import MeetingWorld, build
from trackwell.meetings import decisions, services
from trackwell.meetings.models import Action, Decision

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]


def _codes(
    ok: set[str], forbidden: frozenset[str] | set[str] = frozenset(), good: int = 200
) -> dict[str, int]:
    return {r: good if r in ok else 403 if r in forbidden else 404 for r in ROLES}


STAFF = _codes({"admin", "leader", "teacher", "other_teacher", "ta", "senco"})
SCHEDULE = _codes({"admin", "leader"}, {"teacher", "other_teacher", "ta", "senco"}, 302)
MANAGE = _codes({"admin", "leader"}, {"teacher", "other_teacher", "ta", "senco"})
MANAGE_POST = _codes({"admin", "leader"}, {"teacher", "other_teacher", "ta", "senco"}, 302)
COLLATION = _codes({"admin", "leader", "senco"}, {"teacher", "other_teacher", "ta"})
# Class A's meeting: its teacher, the leader and SENCO attending, and the admin.
MEETING = _codes({"admin", "leader", "teacher", "senco"})
MEETING_POST = _codes({"admin", "leader", "teacher", "senco"}, good=302)


def _extras(mw: MeetingWorld) -> tuple[Decision, Action]:
    w = mw.w
    decision = decisions.record_decision(
        user=w.users["teacher"],
        meeting=mw.meeting,
        kind=Decision.Kind.PARENTS,
        text="Share the number bonds games",
        pupil=mw.low,
        action_owner=w.users["teacher"],
        action_due=date(2027, 1, 29),
    )
    return decision, Action.objects.get(decision=decision)


def _cases(mw: MeetingWorld) -> list[tuple[str, str, dict, dict[str, int]]]:
    w = mw.w
    m = mw.meeting
    decision, action = _extras(mw)
    return [
        ("get", reverse("meetings:index"), {}, STAFF),
        (
            "post",
            reverse("meetings:schedule"),
            {"point": mw.autumn.pk, "first_date": "2026-12-14"},
            SCHEDULE,
        ),
        ("get", reverse("meetings:provision"), {}, COLLATION),
        ("get", reverse("meetings:new"), {}, MANAGE),
        (
            "post",
            reverse("meetings:new"),
            {"point": mw.spring.pk, "date": "2027-03-30", "nc_year": 3},
            MANAGE_POST,
        ),
        ("get", reverse("meetings:detail", args=[m.pk]), {}, MEETING),
        ("get", reverse("meetings:record", args=[m.pk]), {}, MEETING),
        ("get", reverse("meetings:record-pdf", args=[m.pk]), {}, MEETING),
        (
            "post",
            reverse("meetings:edit", args=[m.pk]),
            {"version": m.version, "date": "2026-12-15", "status": "held", "notes": ""},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:add-pupil", args=[m.pk]),
            {"pupil": w.pupils_a[3].pk, "reason": "Quiet in class"},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:note", args=[m.pk, mw.low.pk]),
            {"version": 0, "worked": "Concrete apparatus", "not_worked": ""},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:decide", args=[m.pk]),
            {"kind": "senco", "pupil": mw.low.pk, "text": "Assess for dyscalculia"},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:withdraw", args=[m.pk, decision.pk]),
            {"version": decision.version},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:add-action", args=[m.pk]),
            {"owner": w.users["teacher"].pk, "due": "2027-01-15", "description": "Regroup tables"},
            MEETING_POST,
        ),
        (
            "post",
            reverse("meetings:action", args=[action.pk]),
            {"version": action.version, "status": "done", "outcome": "Spoke to mum"},
            MEETING_POST,
        ),
        ("get", reverse("home:search") + "?q=Pupil01", {}, STAFF),
    ]


def _names(mw: MeetingWorld) -> list[str]:
    return [url for _, url, _, _ in _cases(mw)]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_for_every_role(world: World, client_for, role: str) -> None:
    mw = build(world)
    for method, url, data, expected in _cases(mw):
        client = client_for(world.users[role])
        response = getattr(client, method)(url, data)
        assert response.status_code == expected[role], (method, url, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_another_schools_ids_are_404(
    world: World, other_world: World, client_for, role: str
) -> None:
    build(world)
    theirs = build(other_world, extra_pupils=3)
    for method, url, data, _ in _cases(theirs):
        if url.startswith(reverse("home:search")) or url in {
            reverse("meetings:index"),
            reverse("meetings:provision"),
            reverse("meetings:new"),
        }:
            continue
        if url == reverse("meetings:schedule"):
            data = {**data, "point": theirs.autumn.pk}
        response = getattr(client_for(world.users[role]), method)(url, data)
        assert response.status_code in {403, 404}, (url, role)
        if url != reverse("meetings:schedule") or role in {"admin", "leader", "governor"}:
            assert response.status_code == 404, (url, role, response.status_code)


def test_another_schools_pupil_and_owner_are_refused(
    world: World, other_world: World, client_for
) -> None:
    mw = build(world)
    theirs = build(other_world, extra_pupils=3)
    client = client_for(world.users["teacher"])
    url = reverse("meetings:decide", args=[mw.meeting.pk])
    assert client.post(url, {"kind": "parents", "pupil": theirs.low.pk}).status_code == 404
    response = client.post(
        url, {"kind": "parents", "owner": other_world.users["teacher"].pk, "due": "2027-01-01"}
    )
    assert response.status_code == 400
    assert "member of staff of your school" in response.content.decode()
    add = reverse("meetings:add-pupil", args=[mw.meeting.pk])
    assert client.post(add, {"pupil": theirs.low.pk}).status_code == 400


def test_wrong_methods(world: World, client_for) -> None:
    mw = build(world)
    client = client_for(world.users["leader"])
    for method, url, _, _ in _cases(mw):
        if url == reverse("meetings:new"):
            assert client.put(url).status_code == 405
            continue
        other = "get" if method == "post" else "post"
        assert getattr(client, other)(url).status_code == 405, url


def test_anonymous_is_sent_to_login(world: World, client) -> None:
    mw = build(world)
    for method, url, _, _ in _cases(mw):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_governors_never_see_notes_about_pupils(world: World, client_for) -> None:
    mw = build(world)
    services.save_pupil_note(
        user=world.users["teacher"],
        meeting=mw.meeting,
        pupil=mw.low,
        expected_version=0,
        worked="Private detail about Pupil01",
        not_worked="",
    )
    governor = client_for(world.users["governor"])
    # Even listed as an attendee, a governor opens nothing of a meeting.
    from trackwell.meetings.models import Attendee

    Attendee.objects.create(
        school=world.school, meeting=mw.meeting, user=world.users["governor"], part="other"
    )
    for url in [
        reverse("meetings:detail", args=[mw.meeting.pk]),
        reverse("meetings:record", args=[mw.meeting.pk]),
        reverse("meetings:record-pdf", args=[mw.meeting.pk]),
        reverse("meetings:index"),
        reverse("meetings:provision"),
    ]:
        assert governor.get(url).status_code == 404
    assert "Private detail" not in governor.get(reverse("home")).content.decode()


def test_a_teacher_sees_only_their_own_classes_meetings(world: World, client_for) -> None:
    mw = build(world)
    from trackwell.meetings.models import Meeting

    theirs = Meeting.objects.get(point=mw.autumn, school_class=world.class_b)
    teacher = client_for(world.users["teacher"])
    assert teacher.get(reverse("meetings:detail", args=[theirs.pk])).status_code == 404
    page = teacher.get(reverse("meetings:index")).content.decode()
    assert reverse("meetings:detail", args=[mw.meeting.pk]) in page
    assert reverse("meetings:detail", args=[theirs.pk]) not in page
    # A teaching assistant who attends sees that meeting, and no other.
    from trackwell.meetings.models import Attendee

    Attendee.objects.create(school=world.school, meeting=theirs, user=world.users["ta"])
    ta = client_for(world.users["ta"])
    assert ta.get(reverse("meetings:detail", args=[theirs.pk])).status_code == 200
    assert ta.get(reverse("meetings:detail", args=[mw.meeting.pk])).status_code == 404
