"""Scheduling a round and the agenda built from the point's record."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_world
from tests.meetings.conftest import MeetingWorld, build
from trackwell.accounts.models import AuditEntry
from trackwell.meetings import services
from trackwell.meetings.models import Attendee, Meeting
from trackwell.meetings.queries import build_agenda

pytestmark = pytest.mark.django_db


def test_a_round_has_one_meeting_per_class_with_teacher_leader_and_senco(mw: MeetingWorld) -> None:
    w = mw.w
    meetings = Meeting.objects.filter(point=mw.autumn)
    assert {m.school_class_id for m in meetings} == {w.class_a.pk, w.class_b.pk}
    parts = {(a.user_id, a.part) for a in Attendee.objects.filter(meeting=mw.meeting)}
    assert parts == {
        (w.users["teacher"].pk, "teacher"),
        (w.users["leader"].pk, "leader"),
        (w.users["senco"].pk, "senco"),
    }
    assert AuditEntry.objects.filter(action="meetings.schedule_round").count() == 1
    again = services.schedule_round(
        user=w.users["leader"], point=mw.autumn, first_date=date.today()
    )
    assert again.created == [] and again.already == 2


def test_a_round_planned_ahead_of_an_open_point_shows_todays_figures(mw: MeetingWorld) -> None:
    summary = services.schedule_round(
        user=mw.w.users["leader"], point=mw.spring, first_date=date(2027, 3, 29)
    )
    assert len(summary.created) == 2
    agenda = build_agenda(summary.created[0], mw.w.users["leader"])
    assert agenda.live
    closed = build_agenda(mw.meeting, mw.w.users["leader"])
    assert not closed.live


def test_meetings_skip_weekends_and_spread_over_days(world) -> None:
    from trackwell.pupils.models import SchoolClass

    mw = build(world)
    Meeting.objects.all().delete()
    for n in range(5):
        SchoolClass.objects.create(school=world.school, year=world.year, name=f"4 X{n}", nc_year=4)
    summary = services.schedule_round(
        user=world.users["leader"], point=mw.autumn, first_date=date(2026, 12, 18), per_day=3
    )
    days = [m.date for m in summary.created]
    assert days[:3] == [date(2026, 12, 18)] * 3  # a Friday
    assert days[3:6] == [date(2026, 12, 21)] * 3  # then Monday, not the weekend


def test_the_agenda_lists_pupils_from_the_data(mw: MeetingWorld) -> None:
    agenda = build_agenda(mw.meeting, mw.w.users["teacher"])
    low = {p.pupil.pk for p in agenda.section("low")}
    changed = {p.pupil.pk for p in agenda.section("changed")}
    assert mw.low.pk in low and mw.strong.pk not in low
    assert changed == {mw.changed.pk}
    reason = next(r for p in agenda.section("changed") for r in p.reasons if r.kind == "changed")
    assert "Strong reasoning in class" in reason.text
    assert "where" in reason.text and reason.url == reverse(
        "report-confirm", args=[mw.w.class_a.pk, "maths"]
    )
    # The third and fourth objectives taught are secure for nobody: shared gaps for the class.
    from tests.analysis.helpers import objectives

    taught = objectives(mw.w.framework)[:4]
    codes = {s.gap.objective.code for s in agenda.shared}
    assert codes == {taught[2].code, taught[3].code}
    low_item = next(p for p in agenda.pupils if p.pupil.pk == mw.low.pk)
    assert low_item.gap_focus.startswith(taught[0].code)
    assert low_item.special == "SEN support"


def test_the_band_that_went_down_is_on_the_next_agenda(mw: MeetingWorld) -> None:
    from tests.analysis.helpers import judge, objectives
    from trackwell.analysis.services import close_point

    w = mw.w
    objs = objectives(w.framework)
    for o in objs[:2]:
        judge(w, mw.strong, o, "0")
    # Everyone else keeps up with the spring point's higher expectations.
    for pupil in w.pupils_a[3:]:
        for o in objs[:4]:
            judge(w, pupil, o, "2")
    close_point(user=w.users["leader"], point=mw.spring)
    mw.spring.refresh_from_db()
    services.schedule_round(user=w.users["leader"], point=mw.spring, first_date=date(2027, 3, 29))
    spring = Meeting.objects.get(point=mw.spring, school_class=w.class_a)
    agenda = build_agenda(spring, w.users["leader"])
    down = [p for p in agenda.section("down")]
    # The strong pupil fell; the one confirmed at greater depth in autumn is suggested lower now.
    assert {p.pupil.pk for p in down} == {mw.strong.pk, mw.changed.pk}
    strong = next(p for p in down if p.pupil.pk == mw.strong.pk)
    assert strong.reasons[0].text.startswith("Maths: On track to ")


def test_special_category_items_only_for_those_who_may_see_them(mw: MeetingWorld) -> None:
    teacher = build_agenda(mw.meeting, mw.w.users["teacher"])
    assert teacher.shows_special
    # A teaching assistant of another class attending sees no SEN labels.
    from tests.factories import make_user
    from trackwell.accounts.models import Role

    ta = make_user(mw.w.school, "visiting-ta", Role.TA)
    Attendee.objects.create(school=mw.w.school, meeting=mw.meeting, user=ta, part="other")
    visiting = build_agenda(mw.meeting, ta)
    assert not visiting.shows_special
    assert all(p.special == "" for p in visiting.pupils)
    assert not visiting.section("groups")


def test_agenda_queries_do_not_grow_with_the_class(db) -> None:
    small = build(make_world("Small Primary", pupils_per_class=5))
    large = build(make_world("Large Primary", pupils_per_class=5), extra_pupils=25)
    counts = []
    for case in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            build_agenda(case.meeting, case.w.users["teacher"])
        counts.append(len(ctx.captured_queries))
    assert len(large.w.pupils_a) == 30
    assert counts[0] == counts[1]


def test_a_pupil_added_from_another_class_keeps_their_flags_hidden(mw: MeetingWorld) -> None:
    from trackwell.pupils.models import SenStatus

    w = mw.w
    other = w.pupils_b[0]
    other.sen_status = SenStatus.EHCP
    other.save()
    services.add_pupil(user=w.users["teacher"], meeting=mw.meeting, pupil=other, reason="Friend")
    teacher = build_agenda(mw.meeting, w.users["teacher"])
    added = next(p for p in teacher.pupils if p.pupil.pk == other.pk)
    own = next(p for p in teacher.pupils if p.pupil.pk == mw.low.pk)
    assert added.special == "" and own.special == "SEN support"
    senco = build_agenda(mw.meeting, w.users["senco"])
    assert next(p for p in senco.pupils if p.pupil.pk == other.pk).special == "EHC plan"


def test_shared_gaps_count_only_the_years_own_pupils(mw: MeetingWorld) -> None:
    from tests.factories import make_pupils
    from trackwell.pupils.models import SchoolClass

    w = mw.w
    other_year = SchoolClass.objects.create(school=w.school, year=w.year, name="4 Elm", nc_year=4)
    visitor = make_pupils(w.school, other_year, 1)[0]
    services.add_pupil(user=w.users["teacher"], meeting=mw.meeting, pupil=visitor, reason="Visit")
    agenda = build_agenda(mw.meeting, w.users["teacher"])
    assert all(s.gap.pupils == len(w.pupils_a) for s in agenda.shared)
    assert all(visitor not in s.gap.not_secure for s in agenda.shared)
