"""Permission matrix: the staff pages (school admins; leaders only where the school allows)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, only


def _staff(w: World) -> dict[str, Any]:
    return {"staff_id": w.users["ta"].pk}


PAGE = only(200, "admin")
FORM_POST = only(400, "admin")  # an empty form: the page again naming what is missing
ACTION = only(302, "admin")

CASES = {
    "people-staff": Entry(get=PAGE, post=NOT_ALLOWED),
    "people-staff-add": Entry(get=PAGE, post=FORM_POST),
    "people-staff-edit": Entry(get=PAGE, post=FORM_POST, kwargs=_staff),
    "people-staff-active": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_staff),
    "people-staff-invite": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_staff),
}
