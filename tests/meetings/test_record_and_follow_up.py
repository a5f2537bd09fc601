"""The meeting record as PDF, and a meeting followed up once its actions are all done."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.meetings.conftest import MeetingWorld
from trackwell.accounts.models import AuditEntry
from trackwell.core.versioning import EditConflict
from trackwell.meetings import decisions, services
from trackwell.meetings.models import Action, Decision, Meeting

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())


def _held(mw: MeetingWorld) -> Meeting:
    meeting = mw.meeting
    services.update_meeting(
        user=mw.w.users["leader"],
        meeting=meeting,
        expected_version=meeting.version,
        meeting_date=meeting.date,
        status=Meeting.Status.HELD,
        notes="",
    )
    meeting.refresh_from_db()
    return meeting


def _two_actions(mw: MeetingWorld) -> tuple[Action, Action]:
    w = mw.w
    decisions.record_decision(
        user=w.users["teacher"],
        meeting=mw.meeting,
        kind=Decision.Kind.PARENTS,
        text="Share the number games",
        pupil=mw.low,
        action_owner=w.users["teacher"],
        action_due=date(2027, 1, 29),
    )
    decisions.add_action(
        user=w.users["senco"],
        meeting=mw.meeting,
        owner=w.users["senco"],
        due=date(2027, 2, 5),
        description="Observe the maths lesson",
    )
    first, second = Action.objects.filter(meeting=mw.meeting).order_by("pk")
    return first, second


def _close(mw: MeetingWorld, action: Action, status: str = Action.Status.DONE) -> Action:
    action.refresh_from_db()
    return decisions.update_action(
        user=mw.w.users["teacher"],
        action=action,
        expected_version=action.version,
        status=status,
        outcome="" if status == Action.Status.OPEN else "Done in January",
        due=action.due,
        owner=action.owner,
    )


def test_the_record_downloads_as_an_a4_pdf_with_attendees_decisions_and_actions(
    mw: MeetingWorld, client_for
) -> None:
    _two_actions(mw)
    senco = client_for(mw.w.users["senco"])
    page = senco.get(reverse("meetings:detail", args=[mw.meeting.pk])).content.decode()
    pdf_url = reverse("meetings:record-pdf", args=[mw.meeting.pk])
    assert f'href="{pdf_url}"' in page  # "Download PDF" on the meeting page
    response = senco.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        210,
        297,
    )
    text = _text(response.content)
    assert mw.meeting.label in text
    for part in ("teacher", "leader", "senco"):
        assert mw.w.users[part].display_name in text  # attendees
    assert "Decision: Talk to parents" in text and "Share the number games" in text
    assert "Actions agreed at this meeting" in text
    assert "Observe the maths lesson" in text and "5 February 2027" in text
    assert "29 January 2027" in text
    assert "Download PDF" not in text and "Back to the meeting" not in text
    # Access as the page: another school's staff and parents get 404, governors too.
    for role in ("other_teacher", "governor", "parent"):
        user = mw.w.users.get(role)
        if user is not None:
            assert client_for(user).get(pdf_url).status_code == 404, role


def test_a_held_meeting_is_followed_up_when_every_action_is_done_and_held_again_if_reopened(
    mw: MeetingWorld,
) -> None:
    first, second = _two_actions(mw)
    meeting = _held(mw)
    assert meeting.status == Meeting.Status.HELD
    _close(mw, first)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD  # one still open
    version = meeting.version
    _close(mw, second, Action.Status.DROPPED)  # "no longer needed" closes it too
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FOLLOWED_UP
    assert meeting.version == version + 1  # version-safe: a form on the old status conflicts
    audit = AuditEntry.objects.filter(action="meetings.followed_up").get()
    assert (audit.new or {})["automatic"] is True and audit.old == {"status": "held"}

    _close(mw, second, Action.Status.OPEN)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert AuditEntry.objects.filter(action="meetings.follow_up_reopened").count() == 1

    # A form opened before the automatic change is a conflict, not a silent overwrite.
    with pytest.raises(EditConflict):
        services.update_meeting(
            user=mw.w.users["leader"],
            meeting=meeting,
            expected_version=version,
            meeting_date=meeting.date,
            status=Meeting.Status.HELD,
            notes="Late notes",
        )


def test_a_planned_meeting_is_not_followed_up_and_marking_it_held_does_it(
    mw: MeetingWorld,
) -> None:
    first, second = _two_actions(mw)
    _close(mw, first)
    _close(mw, second)
    mw.meeting.refresh_from_db()
    assert mw.meeting.status == Meeting.Status.PLANNED
    meeting = _held(mw)
    assert meeting.status == Meeting.Status.FOLLOWED_UP


def test_a_leader_may_move_a_followed_up_meeting_back_to_held_by_hand(mw: MeetingWorld) -> None:
    first, second = _two_actions(mw)
    meeting = _held(mw)
    _close(mw, first)
    _close(mw, second)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FOLLOWED_UP
    services.update_meeting(
        user=mw.w.users["leader"],
        meeting=meeting,
        expected_version=meeting.version,
        meeting_date=meeting.date,
        status=Meeting.Status.HELD,
        notes="Not finished with this one",
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD  # the hand edit is obeyed, not undone


def test_a_meeting_without_actions_stays_held_and_a_new_open_action_reopens_it(
    mw: MeetingWorld,
) -> None:
    meeting = _held(mw)
    assert meeting.status == Meeting.Status.HELD
    first, second = _two_actions(mw)
    _close(mw, first)
    _close(mw, second)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FOLLOWED_UP
    decisions.add_action(
        user=mw.w.users["leader"],
        meeting=meeting,
        owner=mw.w.users["teacher"],
        due=date(2027, 3, 1),
        description="One more thing",
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_from_the_page_the_action_update_follows_the_meeting_up(
    mw: MeetingWorld, client_for
) -> None:
    (first, second) = _two_actions(mw)
    _held(mw)
    _close(mw, first)
    second.refresh_from_db()
    client = client_for(mw.w.users["senco"])
    response = client.post(
        reverse("meetings:action", args=[second.pk]),
        {"version": second.version, "status": "done", "outcome": "Seen", "next": "/"},
        follow=True,
    )
    assert response.status_code == 200
    mw.meeting.refresh_from_db()
    assert mw.meeting.status == Meeting.Status.FOLLOWED_UP
    assert "followed up" in response.content.decode()
