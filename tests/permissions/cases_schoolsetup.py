"""Permission matrix: academic years, assessment points and the year rollover."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, only

PAGE = only(200, "admin")
FORM_POST = only(400, "admin")
ACTION = only(302, "admin")


def _year(w: World) -> dict[str, Any]:
    return {"year_id": w.year.pk}


CASES = {
    "setup-years": Entry(get=PAGE, post=NOT_ALLOWED),
    "setup-year-add": Entry(get=PAGE, post=FORM_POST),
    "setup-year": Entry(get=PAGE, post=FORM_POST, kwargs=_year),
    "setup-year-current": Entry(get=NOT_ALLOWED, post=ACTION, kwargs=_year),
    # A POST without the preview's year is sent back to the preview.
    "setup-rollover": Entry(get=PAGE, post=ACTION),
}
