"""Permission matrix: framework imports (admins and leaders)."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect
from trackwell.interop.services import stage_import

EDIT_PAGE = expect(403, admin=200, leader=200, governor=404, trust_leader=404)


def _pending(w: World) -> dict[str, Any]:
    csv = b"subject,year,strand,code,statement\nArt,2,Drawing,AR2-1,Draw from life\n"
    staged = stage_import(
        user=w.users["admin"], school=w.school, kind="csv", filename="art.csv", data=csv, options={}
    )
    assert staged.pending is not None
    return {"pending_id": staged.pending.pk}


CASES = {
    # POST without a file: 400 naming the problem.
    "curriculum-import": Entry(
        get=EDIT_PAGE, post=expect(403, admin=400, leader=400, governor=404, trust_leader=404)
    ),
    # POST confirms the import, then shows the framework.
    "curriculum-import-preview": Entry(
        get=EDIT_PAGE,
        post=expect(403, admin=302, leader=302, governor=404, trust_leader=404),
        kwargs=_pending,
    ),
}

# The school's data archive (issue 12): school admins only.
CASES.update(
    {
        "school-archive": Entry(
            get=expect(403, admin=200, governor=404, trust_leader=404, parent=404),
            post=NOT_ALLOWED,
        ),
    }
)
