"""Permission matrix: the family pages (issue 12)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from trackwell.parents.models import ChildLink, Contact

MANAGE = expect(404, admin=200, leader=200, teacher=403, other_teacher=403, ta=403, senco=403)
MANAGE_POST = expect(404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403)
STAFF_VIEW = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
PARENT_ONLY = only(200, "parent")


def _child(w: World) -> dict[str, Any]:
    return {"pupil_id": w.pupils_a[0].pk}


def _link(w: World) -> dict[str, Any]:
    contact = Contact.objects.create(school=w.school, first_name="Matrix", last_name="Carer")
    link = ChildLink.objects.create(school=w.school, contact=contact, pupil=w.pupils_a[1])
    return {"link_id": link.pk}


def _point(w: World) -> dict[str, Any]:
    return {"point_id": w.year.assessment_points.get().pk}


CASES = {
    "parents:home": Entry(get=PARENT_ONLY, post=NOT_ALLOWED),
    "parents:child": Entry(get=PARENT_ONLY, post=NOT_ALLOWED, kwargs=_child),
    "parents:child-report": Entry(
        # No round has been shared in the matrix's school: 404 for the parent too.
        get=expect(404),
        post=NOT_ALLOWED,
        kwargs=lambda w: {"pupil_id": w.pupils_a[0].pk, "round_id": 1},
    ),
    # Joining is for visitors and parents; staff signed in are not offered it.
    "parents:join": Entry(
        get=only(200, "parent", anonymous=200),
        post=only(400, "parent", anonymous=400),
    ),
    "parents:accept": Entry(
        get=expect(404, anonymous=404),
        post=expect(404, anonymous=404),
        kwargs=lambda w: {"token": "no-such-invitation"},
        foreign=False,
    ),
    "parents:contacts": Entry(get=MANAGE, post=NOT_ALLOWED),
    "parents:pupil-contacts": Entry(
        get=MANAGE,
        post=MANAGE_POST,
        kwargs=_child,
        data=lambda w: {"first_name": "New", "last_name": "Carer"},
    ),
    "parents:preview": Entry(get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=_child),
    "parents:link-code": Entry(
        get=NOT_ALLOWED,
        post=expect(404, admin=200, leader=200, teacher=403, other_teacher=403, ta=403, senco=403),
        kwargs=_link,
    ),
    "parents:link-email": Entry(get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_link),
    "parents:link-revoke": Entry(get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_link),
    "parents:settings": Entry(
        get=MANAGE,
        post=expect(404, admin=409, leader=409, teacher=403, other_teacher=403, ta=403, senco=403),
    ),
    "parents:releases": Entry(get=MANAGE, post=NOT_ALLOWED),
    "parents:release": Entry(get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_point),
}
