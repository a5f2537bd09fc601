"""Permission matrix: pupils, classes, groups and data out (people managers only)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, only
from trackwell.pupils.models import PupilGroup

PAGE = only(200, "admin")
FORM_POST = only(400, "admin")  # an empty form: the page again naming what is missing
ACTION = only(302, "admin")


def _pupil(w: World) -> dict[str, Any]:
    return {"pupil_id": w.pupils_a[0].pk}


def _class(w: World) -> dict[str, Any]:
    return {"class_id": w.class_a.pk}


def _group(w: World) -> dict[str, Any]:
    group, _ = PupilGroup.objects.get_or_create(school=w.school, name="Young carers")
    return {"group_id": group.pk}


CASES = {
    "people-pupils": Entry(get=PAGE, post=NOT_ALLOWED),
    "people-pupil-add": Entry(get=PAGE, post=FORM_POST),
    "people-pupil": Entry(get=PAGE, post=FORM_POST, kwargs=_pupil),
    "people-pupil-leave": Entry(get=PAGE, post=FORM_POST, kwargs=_pupil),
    "people-classes": Entry(get=PAGE, post=NOT_ALLOWED),
    "people-class-add": Entry(get=PAGE, post=FORM_POST),
    "people-class": Entry(get=PAGE, post=FORM_POST, kwargs=_class),
    "people-class-move": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_class),
    "people-class-enrol": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_class),
    "people-class-remove": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_class),
    "people-groups": Entry(get=PAGE, post=NOT_ALLOWED),
    "people-group-add": Entry(get=PAGE, post=FORM_POST),
    "people-group": Entry(get=PAGE, post=FORM_POST, kwargs=_group),
    "people-group-delete": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_group),
    "people-export": Entry(get=PAGE, post=NOT_ALLOWED),
    "people-export-file": Entry(
        get=PAGE,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"kind": "pupils", "fmt": "csv"},
        foreign=False,
    ),
}
