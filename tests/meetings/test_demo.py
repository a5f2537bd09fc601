"""The demo school's meetings: last point's round held and followed up in part, this one planned."""

import pytest
from django.urls import reverse

from trackwell.accounts.models import User
from trackwell.demo.generator import DemoOptions, generate
from trackwell.meetings.models import Action, Decision, Meeting
from trackwell.pupils.models import SchoolClass

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_held_round_and_a_planned_one(client_for) -> None:
    school = generate(DemoOptions(pupils_per_class=8)).schools[0]
    last = Meeting.objects.filter(school=school, point__year__is_current=False)
    this = Meeting.objects.filter(school=school, point__year__is_current=True)
    assert last.count() == SchoolClass.objects.filter(school=school, year__is_current=False).count()
    assert set(last.values_list("status", flat=True)) == {"held", "followed_up"}
    assert this.count() == SchoolClass.objects.filter(school=school, year__is_current=True).count()
    assert set(this.values_list("status", flat=True)) == {"planned"}
    statuses = set(Action.objects.filter(meeting__in=last).values_list("status", flat=True))
    assert statuses == {"done", "open"}
    assert Decision.objects.filter(
        meeting__in=last, kind="start", intervention_ref__isnull=False
    ).exists()
    # A teacher whose pupils had an action left open sees it at the next meeting.
    open_action = Action.objects.filter(
        meeting__in=last, status="open", pupil__isnull=False
    ).first()
    assert open_action is not None and open_action.pupil is not None
    meeting = this.get(school_class__enrolments__pupil=open_action.pupil)
    teacher = User.objects.get(assignments__school_class=meeting.school_class, role="teacher")
    page = client_for(teacher).get(reverse("meetings:detail", args=[meeting.pk]))
    assert open_action.pk in {a.pk for a in page.context["agenda"].previous_actions}
    # And its owner has it on their home page.
    home = client_for(open_action.owner).get(reverse("home")).content.decode()
    assert open_action.description in home
