"""Permission matrix: the API with a staff session, the schema and docs, and the key pages.

API keys and their scopes have their own matrix in tests/api/test_permissions.py; here
every route is checked with each role's signed-in session, as the browser would call it.
Signed out, every endpoint answers 401 (problem details, `WWW-Authenticate: Bearer`).
"""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import Entry, Expect, expect, only
from trackwell.api.services import create_key
from trackwell.assessment.models import Judgement
from trackwell.pupils.models import Enrolment, PupilGroup

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
    "api:v1:staff-list": _read(LIST),
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
}
