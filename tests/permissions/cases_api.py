"""Permission matrix: the API with a staff session, the schema and docs, and the key pages.

API keys and their scopes have their own matrix in tests/api/test_permissions.py; here
every route is checked with each role's signed-in session, as the browser would call it.
Signed out, every endpoint answers 401 (problem details, `WWW-Authenticate: Bearer`).
"""

from datetime import date
from typing import Any

from tests.factories import World
from tests.permissions.cases_provision import _group as _intervention_of
from tests.permissions.cases_provision import _participant as _participant_of
from tests.permissions.matrix import Entry, Expect, expect, only
from tests.scores.conftest import make_reading_test
from trackwell.api.services import create_key
from trackwell.assessment.models import Judgement
from trackwell.meetings.models import Action, Decision, Meeting
from trackwell.pupils.models import Enrolment, PupilGroup
from trackwell.scores.models import Target, TestResult

API_ANON = 401
# Lists answer 200 for every signed-in member of a school (scoped to what they may see,
# often nothing); a trust leader's session has no school.
# Parents reach no staff page, the API included: 404 whatever they ask.
LIST = expect(200, anonymous=API_ANON, parent=404)
SCHOOL_LIST = expect(200, anonymous=API_ANON, trust_leader=404, parent=404)
READ_ONLY_POST = expect(405, anonymous=API_ANON)
PUPIL_ROLES = ("admin", "leader", "teacher", "other_teacher", "ta", "senco")
PUPIL_DETAIL = only(200, *PUPIL_ROLES, anonymous=API_ANON)
SCHOOL_DETAIL = expect(200, anonymous=API_ANON, trust_leader=404, parent=404)
CURRICULUM_DETAIL = only(200, *PUPIL_ROLES, anonymous=API_ANON)


def _pk(value: Any) -> dict[str, Any]:
    return {"pk": value.pk}


def _group(w: World) -> dict[str, Any]:
    group, _ = PupilGroup.objects.get_or_create(school=w.school, name="Matrix group")
    return _pk(group)


def _judgement(w: World) -> dict[str, Any]:
    judgement, _ = Judgement.objects.get_or_create(
        school=w.school,
        pupil=w.pupils_a[0],
        objective=w.objectives[0],
        defaults={"updated_at": w.year.start_date.isoformat() + "T09:00:00Z"},
    )
    return _pk(judgement)


def _key(w: World) -> dict[str, Any]:
    key, _ = create_key(by=w.users["admin"], name="Matrix", scopes=["people:read"])
    return {"key_id": key.pk}


def _read(detail: Expect = PUPIL_DETAIL, **kwargs: Any) -> Entry:
    return Entry(get=detail, post=READ_ONLY_POST, **kwargs)


def _result(w: World) -> dict[str, Any]:
    test = make_reading_test(w)
    result, _ = TestResult.objects.get_or_create(
        school=w.school, test=test, pupil=w.pupils_a[0], defaults={"raw_mark": 20, "version": 1}
    )
    return _pk(result)


def _target(w: World) -> dict[str, Any]:
    target, _ = Target.objects.get_or_create(
        school=w.school,
        pupil=w.pupils_a[0],
        subject=w.maths,
        point=w.year.assessment_points.first(),
        defaults={"kind": Target.Kind.PCT_SECURE, "value": 80},
    )
    return _pk(target)


def _meeting(w: World) -> Meeting:
    meeting, _ = Meeting.objects.get_or_create(
        school=w.school,
        point=w.year.assessment_points.first(),
        school_class=w.class_a,
        defaults={"date": date(2026, 12, 14)},
    )
    return meeting


def _decision(w: World) -> dict[str, Any]:
    meeting = _meeting(w)
    decision, _ = Decision.objects.get_or_create(
        school=w.school,
        meeting=meeting,
        pupil=w.pupils_a[0],
        kind=Decision.Kind.CLASSROOM,
        defaults={"text": "Word banks on tables"},
    )
    return _pk(decision)


def _action(w: World) -> dict[str, Any]:
    meeting = _meeting(w)
    action, _ = Action.objects.get_or_create(
        school=w.school,
        meeting=meeting,
        pupil=w.pupils_a[0],
        description="Check reading book level",
        defaults={"due": date(2027, 1, 10), "owner": w.users["teacher"]},
    )
    return _pk(action)


# Writes: who may make them is checked before the body is read, so a form post (not
# JSON) answers 415 to those who may, and 403 or 404 to the rest.
PEOPLE_WRITE = only(415, "admin", anonymous=API_ANON)  # leaders too where the school lets them
PROVISION_PLAN = expect(
    403, admin=415, leader=415, senco=415, governor=404, trust_leader=404, anonymous=API_ANON
)
# Group A: planned by the SENCO, delivered by class A's assistant, class A's pupils.
GROUP_VIEW = only(200, "admin", "leader", "senco", "teacher", "ta", anonymous=API_ANON)
GROUP_EDIT = expect(404, admin=415, leader=415, senco=415, teacher=403, ta=403, anonymous=API_ANON)
GROUP_RECORD = expect(
    404, admin=415, leader=415, senco=415, ta=415, teacher=403, anonymous=API_ANON
)
# Class A's meeting: whole-school readers and class A's teacher.
MEETING_VIEW = only(200, "admin", "leader", "senco", "teacher", anonymous=API_ANON)
# Bulk writes read the body first (what each may write is checked row by row).
BULK = Entry(get=expect(405, anonymous=API_ANON), post=expect(415, anonymous=API_ANON, parent=404))
NO_GET = expect(405, anonymous=API_ANON)


CASES = {
    # The shape of the API is public; its docs load Swagger UI from static files.
    "api:schema": Entry(get=expect(200, anonymous=200), post=expect(405, anonymous=405)),
    "api:docs": Entry(get=expect(200, anonymous=200), post=expect(405, anonymous=405)),
    "api:not-found": Entry(
        get=expect(404, anonymous=404),
        post=expect(404, anonymous=404),
        kwargs=lambda w: {"path": "nothing-here/"},
        foreign=False,
    ),
    # Key pages: school admins and trust leaders; POST without a name is the form again.
    "api:keys": Entry(
        get=only(200, "admin", "trust_leader"), post=only(400, "admin", "trust_leader")
    ),
    "api:key-revoke": Entry(get=expect(405, anonymous=302), post=only(302, "admin"), kwargs=_key),
    "api:school": _read(SCHOOL_LIST),
    "api:figures": _read(SCHOOL_LIST),
    "api:figures-summary": _read(SCHOOL_LIST),
    # Without ?pupil= the request is refused naming the missing parameter.
    "api:gaps": _read(expect(400, anonymous=API_ANON, parent=404)),
    "api:trust-overview": _read(only(200, "trust_leader", anonymous=API_ANON)),
    "api:v1:pupil-list": _read(LIST),
    "api:v1:pupil-detail": _read(kwargs=lambda w: _pk(w.pupils_a[0])),
    "api:v1:class-list": _read(LIST),
    "api:v1:class-detail": _read(kwargs=lambda w: _pk(w.class_a)),
    "api:v1:enrolment-list": _read(LIST),
    "api:v1:enrolment-detail": _read(
        kwargs=lambda w: _pk(Enrolment.objects.get(pupil=w.pupils_a[0], school_class=w.class_a))
    ),
    "api:v1:group-list": _read(LIST),
    "api:v1:group-detail": _read(kwargs=_group),
    "api:v1:staff-list": Entry(get=LIST, post=PEOPLE_WRITE),
    "api:v1:staff-detail": _read(
        only(200, "admin", "leader", anonymous=API_ANON),
        kwargs=lambda w: _pk(w.users["teacher"]),
    ),
    "api:v1:year-list": _read(SCHOOL_LIST),
    "api:v1:year-detail": _read(SCHOOL_DETAIL, kwargs=lambda w: _pk(w.year)),
    "api:v1:point-list": _read(SCHOOL_LIST),
    "api:v1:point-detail": _read(
        SCHOOL_DETAIL, kwargs=lambda w: _pk(w.year.assessment_points.first())
    ),
    "api:v1:subject-list": _read(LIST),
    "api:v1:subject-detail": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.maths)),
    "api:v1:scale-list": _read(LIST),
    "api:v1:scale-detail": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.scale)),
    "api:v1:framework-list": _read(LIST),
    "api:v1:framework-detail": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.framework)),
    "api:v1:framework-case": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.framework)),
    "api:v1:strand-list": _read(LIST),
    "api:v1:strand-detail": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.objectives[0].strand)),
    "api:v1:objective-list": _read(LIST),
    "api:v1:objective-detail": _read(CURRICULUM_DETAIL, kwargs=lambda w: _pk(w.objectives[0])),
    "api:v1:judgement-list": _read(LIST),
    "api:v1:judgement-detail": _read(kwargs=_judgement),
    # A form post is not JSON: 415 naming the media type, for everyone signed in (what
    # each may write is checked cell by cell, tests/api/test_judgements.py).
    "api:v1:judgement-bulk": Entry(
        get=expect(405, anonymous=API_ANON), post=expect(415, anonymous=API_ANON)
    ),
    # MIS sync, deletions, and the areas that landed last session.
    "api:pupil-sync": Entry(get=NO_GET, post=PEOPLE_WRITE),
    "api:deletions": _read(SCHOOL_LIST),
    "api:v1:intervention-list": Entry(get=LIST, post=PROVISION_PLAN),
    "api:v1:intervention-detail": _read(GROUP_VIEW, kwargs=lambda w: _pk(_intervention_of(w))),
    "api:v1:intervention-participants": Entry(
        get=NO_GET, post=GROUP_EDIT, kwargs=lambda w: _pk(_intervention_of(w))
    ),
    "api:v1:participant-list": _read(LIST),
    "api:v1:participant-detail": _read(GROUP_VIEW, kwargs=lambda w: _pk(_participant_of(w))),
    "api:v1:participant-outcome": Entry(
        get=NO_GET, post=GROUP_RECORD, kwargs=lambda w: _pk(_participant_of(w))
    ),
    "api:v1:participant-remove": Entry(
        get=NO_GET, post=GROUP_EDIT, kwargs=lambda w: _pk(_participant_of(w))
    ),
    "api:v1:measure-list": _read(LIST),
    "api:v1:measure-detail": _read(
        kwargs=lambda w: _pk(_intervention_of(w).measures.order_by("pk").first())
    ),
    "api:v1:test-list": _read(LIST),
    "api:v1:test-detail": _read(kwargs=lambda w: _pk(make_reading_test(w))),
    "api:v1:conversion-table-list": _read(LIST),
    "api:v1:conversion-table-detail": _read(kwargs=lambda w: _pk(make_reading_test(w).table)),
    "api:v1:result-list": _read(LIST),
    "api:v1:result-detail": _read(kwargs=_result),
    "api:v1:result-bulk": BULK,
    "api:v1:target-list": _read(LIST),
    "api:v1:target-detail": _read(kwargs=_target),
    "api:v1:target-bulk": BULK,
    "api:v1:meeting-list": _read(LIST),
    "api:v1:meeting-detail": _read(MEETING_VIEW, kwargs=lambda w: _pk(_meeting(w))),
    "api:v1:meeting-agenda": _read(MEETING_VIEW, kwargs=lambda w: _pk(_meeting(w))),
    "api:v1:decision-list": _read(LIST),
    "api:v1:decision-detail": _read(MEETING_VIEW, kwargs=_decision),
    "api:v1:action-list": _read(LIST),
    "api:v1:action-detail": _read(MEETING_VIEW, kwargs=_action),
}
