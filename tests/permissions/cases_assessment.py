"""Permission matrix: the tracking grid (class A: `teacher` teaches it, `ta` assists)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only

VIEW = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
EDIT = expect(404, admin=200, leader=200, teacher=200, other_teacher=403, ta=403, senco=403)
# The school's grid settings: leaders and admins; other staff may not; others do not see it.
SETTINGS = expect(404, admin=200, leader=200, teacher=403, other_teacher=403, ta=403, senco=403)
SETTINGS_SAVED = expect(
    404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403
)


def _grid(w: World) -> dict[str, Any]:
    return {"class_id": w.class_a.pk, "subject_slug": "maths"}


def _cell(w: World) -> dict[str, Any]:
    return {
        "framework": w.framework.pk,
        "pupil": w.pupils_a[0].pk,
        "objective": w.objectives[0].pk,
        "code": "2",
        "version": 0,
        "mark_taught": "1",  # the objective is not yet taught: the teacher marks it
    }


def _bulk(w: World) -> dict[str, Any]:
    return {
        "framework": w.framework.pk,
        "objective": w.objectives[0].pk,
        "code": "2",
        "pupils": [w.pupils_a[0].pk],
        "versions": f"{w.pupils_a[0].pk}:0",
        "mark_taught": "1",
    }


JSON = {"Accept": "application/json"}

CASES = {
    "grid": Entry(get=VIEW, post=NOT_ALLOWED, kwargs=_grid),
    "grid-cell": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_grid, data=_cell, headers=JSON),
    "grid-bulk": Entry(get=NOT_ALLOWED, post=EDIT, kwargs=_grid, data=_bulk, headers=JSON),
    "grid-taught": Entry(
        get=NOT_ALLOWED,
        post=EDIT,
        kwargs=_grid,
        data=lambda w: {"framework": w.framework.pk, "mark": f"{w.objectives[0].pk}:1"},
        headers=JSON,
    ),
    # Each signed-in person keeps their own cursor direction.
    # Every member of staff keeps their own setting; parents reach no staff page.
    "grid-cursor": Entry(
        get=NOT_ALLOWED,
        post=expect(200, parent=404),
        data=lambda w: {"grid_cursor": "right"},
        foreign=False,
        headers=JSON,
    ),
    "grid-settings": Entry(
        get=SETTINGS,
        post=SETTINGS_SAVED,
        data=lambda w: {"untaught_ratings": "refuse", "seen": "ask"},
        foreign=False,
    ),
    "grid-history": Entry(
        get=VIEW,
        post=NOT_ALLOWED,
        kwargs=_grid,
        data=lambda w: {"pupil": w.pupils_a[0].pk, "objective": w.objectives[0].pk},
    ),
}
