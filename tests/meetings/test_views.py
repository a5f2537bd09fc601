"""Holding a meeting: decisions that update provision, notes and actions version-checked."""

from datetime import date

import pytest
from django.http import HttpResponse
from django.urls import reverse

from tests.meetings.conftest import MeetingWorld
from trackwell.accounts.models import AuditEntry
from trackwell.meetings import services
from trackwell.meetings.models import (
    Action,
    Attendee,
    Decision,
    Meeting,
    MeetingPupil,
    PupilNote,
)
from trackwell.provision.models import ClassroomStrategy, Intervention, Participant, Status

pytestmark = pytest.mark.django_db


def _start(mw: MeetingWorld, client, **extra) -> HttpResponse:
    page = client.get(reverse("meetings:detail", args=[mw.meeting.pk]))
    item = next(p for p in page.context["agenda"].pupils if p.pupil.pk == mw.low.pk)
    data = {
        "kind": "start",
        "pupil": mw.low.pk,
        "text": "Small-group number sense, three times a week",
        "intervention_name": "Number sense group",
        "focus": item.gap_focus,
        "objective": item.gap_ids,
        "owner": mw.w.users["teacher"].pk,
        "due": "2027-01-29",
        **extra,
    }
    return client.post(reverse("meetings:decide", args=[mw.meeting.pk]), data)


def test_the_meeting_page_shows_the_agenda(mw: MeetingWorld, client_for) -> None:
    page = client_for(mw.w.users["teacher"]).get(reverse("meetings:detail", args=[mw.meeting.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert mw.low.full_name in html and "Well below" in html
    assert "Strong reasoning in class" in html
    assert reverse("report-pupil", args=[mw.low.pk]) in html
    assert reverse("report-class-gaps", args=[mw.w.class_a.pk, "maths"]) in html
    assert "SEN support" in html


def test_starting_an_intervention_puts_it_on_the_provision_map(
    mw: MeetingWorld, client_for
) -> None:
    client = client_for(mw.w.users["teacher"])
    response = _start(mw, client)
    assert response.status_code == 302
    decision = Decision.objects.get(meeting=mw.meeting, kind="start")
    assert decision.intervention_ref is not None
    intervention = Intervention.objects.get(pk=decision.intervention_ref)
    assert intervention.name == "Number sense group"
    assert list(
        Participant.objects.filter(intervention=intervention).values_list("pupil_id", flat=True)
    ) == [mw.low.pk]
    page = client.get(reverse("meetings:detail", args=[mw.meeting.pk]))
    item = next(p for p in page.context["agenda"].pupils if p.pupil.pk == mw.low.pk)
    assert set(intervention.objectives.values_list("pk", flat=True)) == set(item.gap_ids)
    assert "On the provision map: Number sense group" in decision.provision_summary
    action = Action.objects.get(decision=decision)
    assert action.owner == mw.w.users["teacher"] and action.due == date(2027, 1, 29)
    assert action.description == f"Start the intervention for {mw.low.full_name}"
    # The owner sees it on their home page.
    home = client.get(reverse("home")).content.decode()
    assert action.description in home
    assert AuditEntry.objects.filter(action="provision.intervention.create").exists()


def test_extend_and_stop_change_the_intervention(mw: MeetingWorld, client_for) -> None:
    client = client_for(mw.w.users["senco"])
    _start(mw, client)
    intervention = Intervention.objects.get()
    end = intervention.end_date
    url = reverse("meetings:decide", args=[mw.meeting.pk])
    response = client.post(
        url, {"kind": "extend", "pupil": mw.low.pk, "intervention": intervention.pk, "weeks": 4}
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.end_date - end).days == 28
    response = client.post(
        url,
        {"kind": "stop", "pupil": mw.low.pk, "intervention": intervention.pk, "text": "Secure now"},
    )
    intervention.refresh_from_db()
    assert intervention.status == Status.ENDED
    # Without a chosen intervention the change is refused with a reason.
    response = client.post(url, {"kind": "adapt", "pupil": mw.low.pk})
    assert response.status_code == 400
    assert "Choose which intervention to change" in response.content.decode()


def test_a_classroom_strategy_is_added_to_the_provision_map(mw: MeetingWorld, client_for) -> None:
    client = client_for(mw.w.users["teacher"])
    client.post(
        reverse("meetings:decide", args=[mw.meeting.pk]),
        {"kind": "classroom", "text": "Daily five-minute fluency starter"},
    )
    strategy = ClassroomStrategy.objects.get()
    assert strategy.school_class == mw.w.class_a and strategy.pupil is None
    assert strategy.title == "Daily five-minute fluency starter"


def test_two_people_editing_one_note_see_both_values(mw: MeetingWorld, client_for) -> None:
    url = reverse("meetings:note", args=[mw.meeting.pk, mw.low.pk])
    teacher, senco = client_for(mw.w.users["teacher"]), client_for(mw.w.users["senco"])
    assert (
        teacher.post(url, {"version": 0, "worked": "Counters", "not_worked": ""}).status_code == 302
    )
    # The SENCO opened the page before the teacher saved (no note yet: version 0).
    response = senco.post(url, {"version": 0, "worked": "Bead strings", "not_worked": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Counters" in html and "Bead strings" in html
    assert PupilNote.objects.get().worked == "Counters"
    note = PupilNote.objects.get()
    assert (
        senco.post(url, {"version": note.version, "worked": "Counters; bead strings"}).status_code
        == 302
    )
    stale = teacher.post(url, {"version": note.version, "worked": "Counters only"})
    assert stale.status_code == 409
    assert "Counters; bead strings" in stale.content.decode()


def test_meeting_edits_are_version_checked(mw: MeetingWorld, client_for) -> None:
    url = reverse("meetings:edit", args=[mw.meeting.pk])
    leader, teacher = client_for(mw.w.users["leader"]), client_for(mw.w.users["teacher"])
    version = mw.meeting.version
    data = {"version": version, "date": "2026-12-14", "status": "held", "notes": "Good meeting"}
    assert leader.post(url, data).status_code == 302
    response = teacher.post(url, {**data, "notes": "My notes"})
    assert response.status_code == 409
    assert "Good meeting" in response.content.decode() and "My notes" in response.content.decode()
    mw.meeting.refresh_from_db()
    assert mw.meeting.notes == "Good meeting" and mw.meeting.status == "held"


def test_bad_input_is_a_clear_message_not_a_500(mw: MeetingWorld, client_for) -> None:
    client = client_for(mw.w.users["teacher"])
    edit = reverse("meetings:edit", args=[mw.meeting.pk])
    bad_date = client.post(
        edit, {"version": mw.meeting.version, "date": "14/12/2026", "status": "held"}
    )
    assert bad_date.status_code == 400 and "give a date" in bad_date.content.decode()
    bad_status = client.post(
        edit, {"version": mw.meeting.version, "date": "2026-12-14", "status": "x"}
    )
    assert bad_status.status_code == 400
    decide = reverse("meetings:decide", args=[mw.meeting.pk])
    assert client.post(decide, {"kind": "nonsense"}).status_code == 400
    assert client.post(decide, {"kind": "start", "pupil": mw.low.pk}).status_code == 400
    assert client.post(decide, {"kind": "parents", "pupil": "abc"}).status_code == 404
    assert (
        client.post(
            decide, {"kind": "parents", "owner": mw.w.users["ta"].pk, "due": "no"}
        ).status_code
        == 400
    )
    add = reverse("meetings:add-action", args=[mw.meeting.pk])
    assert (
        client.post(add, {"owner": mw.w.users["teacher"].pk, "due": "2027-01-01"}).status_code
        == 400
    )
    assert client.post(add, {"due": "2027-01-01", "description": "x"}).status_code == 400
    assert (
        client.post(
            add, {"owner": mw.w.users["governor"].pk, "due": "2027-01-01", "description": "x"}
        ).status_code
        == 400
    )
    assert Action.objects.count() == 0
    schedule = reverse("meetings:schedule")
    leader = client_for(mw.w.users["leader"])
    response = leader.post(
        schedule, {"point": mw.spring.pk, "first_date": "29/03/2027"}, follow=True
    )
    assert "First meeting: give a date" in response.content.decode()
    response = leader.post(
        schedule, {"point": mw.spring.pk, "first_date": "2027-03-29", "per_day": "0"}, follow=True
    )
    assert "Meetings a day: between 1 and 20" in response.content.decode()
    assert leader.post(schedule, {"point": "x"}).status_code == 404


def test_the_next_meeting_opens_with_last_times_actions(mw: MeetingWorld, client_for) -> None:
    from tests.analysis.helpers import judge, objectives
    from trackwell.analysis.services import close_point

    w = mw.w
    client = client_for(w.users["teacher"])
    _start(mw, client)
    action = Action.objects.get()
    client.post(
        reverse("meetings:add-action", args=[mw.meeting.pk]),
        {"owner": w.users["teacher"].pk, "due": "2027-02-01", "description": "Regroup the tables"},
    )
    done = Action.objects.get(description="Regroup the tables")
    client.post(
        reverse("meetings:action", args=[done.pk]),
        {"version": done.version, "status": "done", "outcome": "Mixed groups since January"},
    )
    judge(w, mw.low, objectives(w.framework)[0], "2")
    close_point(user=w.users["leader"], point=mw.spring)
    mw.spring.refresh_from_db()
    services.schedule_round(user=w.users["leader"], point=mw.spring, first_date=date(2027, 3, 29))
    spring = Meeting.objects.get(point=mw.spring, school_class=w.class_a)
    page = client.get(reverse("meetings:detail", args=[spring.pk]))
    previous = page.context["agenda"].previous_actions
    assert {a.pk for a in previous} == {action.pk, done.pk}
    html = page.content.decode()
    assert "Last time's actions" in html and "Mixed groups since January" in html
    # Stale status updates are conflicts.
    stale = client.post(
        reverse("meetings:action", args=[done.pk]),
        {"version": done.version, "status": "open", "outcome": "", "next": "/"},
    )
    assert stale.status_code == 409


def test_a_teacher_adds_a_pupil_and_a_note_before_the_meeting(mw: MeetingWorld, client_for) -> None:
    client = client_for(mw.w.users["teacher"])
    quiet = mw.w.pupils_a[4]
    response = client.post(
        reverse("meetings:add-pupil", args=[mw.meeting.pk]),
        {"pupil": quiet.pk, "reason": "Very quiet since half term"},
    )
    assert response.status_code == 302
    assert MeetingPupil.objects.get().reason == "Very quiet since half term"
    html = client.get(reverse("meetings:detail", args=[mw.meeting.pk])).content.decode()
    assert f'id="pupil-{quiet.pk}"' in html and "Very quiet since half term" in html


def test_the_printable_record_and_the_senco_collation(mw: MeetingWorld, client_for) -> None:
    senco = client_for(mw.w.users["senco"])
    _start(mw, senco)
    services.save_pupil_note(
        user=mw.w.users["senco"],
        meeting=mw.meeting,
        pupil=mw.low,
        expected_version=0,
        worked="Counters",
        not_worked="Worksheets",
    )
    record = senco.get(reverse("meetings:record", args=[mw.meeting.pk])).content.decode()
    assert "<link" not in record and "<style>" in record  # self-contained for PDF output
    assert "Worksheets" in record and "Number sense group" in record
    collation = senco.get(reverse("meetings:provision")).content.decode()
    assert "Number sense group" in collation and mw.meeting.label in collation


def test_schedule_a_round_from_the_page(mw: MeetingWorld, client_for) -> None:
    Meeting.objects.all().delete()
    leader = client_for(mw.w.users["leader"])
    page = leader.get(reverse("meetings:index")).content.decode()
    assert "Schedule 2 meetings" in page
    response = leader.post(
        reverse("meetings:schedule"),
        {"point": mw.autumn.pk, "first_date": "2026-12-14", "per_day": "1"},
        follow=True,
    )
    assert "Scheduled 2 meetings" in response.content.decode()
    assert "14 December 2026" in response.content.decode()
    assert sorted(Meeting.objects.values_list("date", flat=True)) == [
        date(2026, 12, 14),
        date(2026, 12, 15),
    ]


def test_a_meeting_for_a_year_group_and_one_for_a_few_pupils(mw: MeetingWorld, client_for) -> None:
    w = mw.w
    leader = client_for(w.users["leader"])
    response = leader.post(
        reverse("meetings:new"),
        {
            "point": mw.autumn.pk,
            "date": "2026-12-16",
            "nc_year": "3",
            "attendees": [w.users["leader"].pk, w.users["senco"].pk],
        },
    )
    assert response.status_code == 302
    year_meeting = Meeting.objects.get(nc_year=3)
    assert year_meeting.label == "Year 3 review"
    page = leader.get(response["Location"])
    pupils = {p.pupil.pk for p in page.context["agenda"].pupils}
    assert pupils == {p.pk for p in w.pupils_a + w.pupils_b}
    chosen = [w.pupils_a[0], w.pupils_b[0]]
    response = leader.post(
        reverse("meetings:new"),
        {
            "point": mw.autumn.pk,
            "date": "2026-12-17",
            "title": "Young carers",
            "pupils": [p.pk for p in chosen],
        },
    )
    few = Meeting.objects.get(title="Young carers")
    page = leader.get(reverse("meetings:detail", args=[few.pk]))
    assert {p.pupil.pk for p in page.context["agenda"].pupils} == {p.pk for p in chosen}
    # Nothing chosen, or a second meeting for one class at one point, is refused with a reason.
    empty = leader.post(reverse("meetings:new"), {"point": mw.autumn.pk, "date": "2026-12-17"})
    assert empty.status_code == 400
    assert "Choose a class, a year group or at least one pupil" in empty.content.decode()
    twice = leader.post(
        reverse("meetings:new"),
        {"point": mw.autumn.pk, "date": "2026-12-17", "class": w.class_a.pk},
    )
    assert twice.status_code == 400 and "already has a meeting" in twice.content.decode()
    governor = leader.post(
        reverse("meetings:new"),
        {
            "point": mw.autumn.pk,
            "date": "2026-12-17",
            "nc_year": "3",
            "attendees": [w.users["governor"].pk],
        },
    )
    # Governors are not offered as attendees; one sent anyway is ignored.
    assert governor.status_code == 302
    assert not Attendee.objects.filter(user=w.users["governor"]).exists()


def test_interventions_ending_are_on_the_agenda_with_their_outcomes(
    mw: MeetingWorld, client_for
) -> None:
    from datetime import timedelta

    from trackwell.provision import from_gaps

    w = mw.w
    intervention = from_gaps.create_from_pupil_gaps(
        user=w.users["senco"],
        pupil=mw.low,
        objective_ids=[w.objectives[0].pk],
        name="Fluency club",
        start_date=mw.autumn.date - timedelta(weeks=6),
        weeks=6,
    )
    agenda = (
        client_for(w.users["teacher"])
        .get(reverse("meetings:detail", args=[mw.meeting.pk]))
        .context["agenda"]
    )
    assert [i.ref for i in agenda.interventions] == [intervention.pk]
    item = next(p for p in agenda.pupils if p.pupil.pk == mw.low.pk)
    assert [i.name for i in item.interventions] == ["Fluency club"]


def test_only_the_pupils_own_interventions_can_be_changed(mw: MeetingWorld, client_for) -> None:
    from datetime import timedelta

    from trackwell.provision import from_gaps

    w = mw.w
    someone_else = from_gaps.create_from_pupil_gaps(
        user=w.users["senco"],
        pupil=mw.strong,
        objective_ids=[w.objectives[0].pk],
        name="Another pupil's group",
        start_date=mw.autumn.date - timedelta(weeks=2),
    )
    response = client_for(w.users["teacher"]).post(
        reverse("meetings:decide", args=[mw.meeting.pk]),
        {"kind": "stop", "pupil": mw.low.pk, "intervention": someone_else.pk},
    )
    assert response.status_code == 400
    assert "not one" in response.content.decode()
    someone_else.refresh_from_db()
    assert someone_else.status == "planned"
