"""A school whose autumn point is closed, with pupils whose data puts them on the agenda."""

from dataclasses import dataclass
from datetime import date

import pytest

from tests.analysis.helpers import add_points, judge, objectives, point, teach, with_bands
from tests.factories import World, make_pupils
from trackwell.analysis.models import BandSet
from trackwell.analysis.services import Choice, close_point, confirm_bands
from trackwell.core.models import AssessmentPoint
from trackwell.meetings import services
from trackwell.meetings.models import Meeting
from trackwell.pupils.models import Pupil, SenStatus


@dataclass
class MeetingWorld:
    w: World
    autumn: AssessmentPoint
    spring: AssessmentPoint
    meeting: Meeting  # class A's autumn meeting
    strong: Pupil  # on track in autumn
    low: Pupil  # nothing secure: a low band
    changed: Pupil  # band confirmed differently from the suggestion


def build(w: World, extra_pupils: int = 0) -> MeetingWorld:
    """Autumn closed with class A's pupils spread over the bands; the round scheduled."""
    with_bands(w)
    add_points(w)
    if extra_pupils:
        w.pupils_a.extend(make_pupils(w.school, w.class_a, extra_pupils))
    objs = objectives(w.framework)
    teach(w, objs[:4])
    teach(w, objs[:4], w.class_b)
    strong, low, changed = w.pupils_a[0], w.pupils_a[1], w.pupils_a[2]
    for pupil in w.pupils_a:
        if pupil.pk == low.pk:
            continue
        for o in objs[:2]:
            judge(w, pupil, o, "2")
    for o in objs[:4]:
        judge(w, low, o, "1")
    low.sen_status = SenStatus.SUPPORT
    low.save()
    autumn, spring = point(w), point(w, "Spring")
    attainment = BandSet.objects.get(school=w.school, name="Attainment")
    greater = attainment.bands.get(key="greater-depth")
    confirm_bands(
        user=w.users["teacher"],
        point=autumn,
        subject=w.maths,
        allowed_pupil_ids=[changed.pk],
        choices=[Choice(changed.pk, attainment.pk, greater.pk, "Strong reasoning in class")],
    )
    close_point(user=w.users["leader"], point=autumn)
    autumn.refresh_from_db()
    services.schedule_round(user=w.users["leader"], point=autumn, first_date=date(2026, 12, 14))
    meeting = Meeting.objects.get(point=autumn, school_class=w.class_a)
    return MeetingWorld(w, autumn, spring, meeting, strong, low, changed)


@pytest.fixture
def mw(world: World) -> MeetingWorld:
    return build(world)
