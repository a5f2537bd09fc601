"""Permission matrix: the REST API as staff sessions see it (API keys: tests/api/).

Lists answer 200 with only what the access layer lets the person see (empty for a
governor's pupils, a trust leader's classes); a detail outside it is 404.
"""

from typing import Any

from tests.curriculum.helpers import rate
from tests.factories import World
from tests.permissions.matrix import Entry, Expect, expect, only
from trackwell.pupils.models import Enrolment, PupilGroup

API_NO_METHOD = Expect(405, anonymous=401)
ALL = expect(200, anonymous=401)
SCHOOL = expect(200, trust_leader=404, anonymous=401)
STAFF_DETAIL = expect(200, governor=404, trust_leader=404, anonymous=401)
NOBODY = expect(404, anonymous=401)


def _pk(get: Any) -> Any:
    return lambda w: {"pk": get(w).pk}


def _group(w: World) -> Any:
    group, _ = PupilGroup.objects.get_or_create(school=w.school, name="Young carers")
    return group


def _judgement(w: World) -> Any:
    from trackwell.assessment.models import Judgement

    rate(w, w.pupils_a[0], w.objectives[0], "2")
    return Judgement.objects.get(pupil=w.pupils_a[0], objective=w.objectives[0])


def _list(get: Expect = ALL) -> Entry:
    return Entry(get=get, post=API_NO_METHOD)


def _detail(get: Expect, obj: Any) -> Entry:
    return Entry(get=get, post=API_NO_METHOD, kwargs=_pk(obj))


CASES = {
    "api:schema": Entry(get=expect(200, anonymous=200), post=Expect(405, anonymous=405)),
    "api:docs": Entry(get=expect(200, anonymous=200), post=Expect(405, anonymous=405)),
    "api:keys": Entry(
        get=only(200, "admin", "trust_leader"), post=only(400, "admin", "trust_leader")
    ),
    # No key of that id: 404 for everyone (tests/api/test_keys.py revokes real keys).
    "api:key-revoke": Entry(
        get=Expect(405, anonymous=302), post=expect(404), kwargs=lambda w: {"key_id": 10**9}
    ),
    "api:school": _list(SCHOOL),
    "api:figures": _list(SCHOOL),
    "api:figures-summary": _list(SCHOOL),
    "api:gaps": _list(expect(400, anonymous=401)),  # without its class and subject
    "api:trust-overview": _list(only(200, "trust_leader", anonymous=401)),
    "api:v1:pupil-list": _list(),
    "api:v1:pupil-detail": _detail(STAFF_DETAIL, lambda w: w.pupils_a[0]),
    "api:v1:class-list": _list(),
    "api:v1:class-detail": _detail(STAFF_DETAIL, lambda w: w.class_a),
    "api:v1:enrolment-list": _list(),
    "api:v1:enrolment-detail": _detail(
        STAFF_DETAIL, lambda w: Enrolment.objects.get(pupil=w.pupils_a[0])
    ),
    "api:v1:group-list": _list(),
    "api:v1:group-detail": _detail(STAFF_DETAIL, _group),
    "api:v1:staff-list": _list(),
    "api:v1:staff-detail": _detail(
        expect(404, admin=200, leader=200, anonymous=401), lambda w: w.users["teacher"]
    ),
    "api:v1:year-list": _list(SCHOOL),
    "api:v1:year-detail": _detail(SCHOOL, lambda w: w.year),
    "api:v1:point-list": _list(SCHOOL),
    "api:v1:point-detail": _detail(SCHOOL, lambda w: w.year.assessment_points.first()),
    "api:v1:subject-list": _list(),
    "api:v1:subject-detail": _detail(STAFF_DETAIL, lambda w: w.maths),
    "api:v1:scale-list": _list(),
    "api:v1:scale-detail": _detail(STAFF_DETAIL, lambda w: w.scale),
    "api:v1:framework-list": _list(),
    "api:v1:framework-detail": _detail(STAFF_DETAIL, lambda w: w.framework),
    "api:v1:framework-case": _detail(STAFF_DETAIL, lambda w: w.framework),
    "api:v1:strand-list": _list(),
    "api:v1:strand-detail": _detail(STAFF_DETAIL, lambda w: w.objectives[0].strand),
    "api:v1:objective-list": _list(),
    "api:v1:objective-detail": _detail(STAFF_DETAIL, lambda w: w.objectives[0]),
    "api:v1:judgement-list": _list(),
    "api:v1:judgement-bulk": Entry(get=API_NO_METHOD, post=expect(400, anonymous=401)),
    "api:v1:judgement-detail": _detail(STAFF_DETAIL, _judgement),
    "api:not-found": Entry(
        get=expect(404, anonymous=404),
        post=expect(404, anonymous=404),
        kwargs=lambda w: {"path": "nothing-here"},
        foreign=False,
    ),
}
