"""Permission matrix: framework imports (admins and leaders), and the imports pages.

The imports pages (MIS pupils, OneRoster, CTF, transition records, leavers) are for
people managers (accounts/access/people.py, "Imports"): school admins, and senior leaders
only where the school's `leaders_manage_people` is on. It is off in the matrix's world,
so `leader` gets 404 like everyone else (tests/interop/test_permissions.py checks the
setting both ways); trust leaders get 404 too.
"""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import World
from tests.interop.conftest import csv_bytes, sims_row
from tests.permissions.matrix import NOT_ALLOWED, Entry, Expect, expect, only
from trackwell.interop import pipeline
from trackwell.interop.models import PendingImport, TransitionRecord
from trackwell.interop.services import stage_import
from trackwell.pupils import services as pupil_services

EDIT_PAGE = expect(403, admin=200, leader=200, governor=404, trust_leader=404)


def _pending(w: World) -> dict[str, Any]:
    csv = b"subject,year,strand,code,statement\nArt,2,Drawing,AR2-1,Draw from life\n"
    staged = stage_import(
        user=w.users["admin"], school=w.school, kind="csv", filename="art.csv", data=csv, options={}
    )
    assert staged.pending is not None
    return {"pending_id": staged.pending.pk}


# --- The imports pages -------------------------------------------------------------------


def managers(status: int) -> Expect:
    """`status` for people managers (admins here), 404 for everyone else signed in."""
    return only(status, "admin")


# The MIS export's columns, and the fields the mapping step gives them.
HEADERS = ["UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year"]
FIELDS = ["upn", "last_name", "first_name", "date_of_birth", "sex", "nc_year"]
MIS_FILE = csv_bytes([sims_row(1, "Ok", "Pupil")])
READY = "ready.csv"


def _kind(w: World) -> dict[str, Any]:
    return {"kind": "pupils"}


def _upload(w: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("pupils.csv", MIS_FILE, content_type="text/csv")}


def _mapping(w: World) -> dict[str, Any]:
    """An upload waiting for its mapping step."""
    staged = pipeline.receive(
        user=w.users["admin"],
        school=w.school,
        kind="pupils",
        filename="mapping.csv",
        data=MIS_FILE,
        options={},
    )
    assert staged.pending is not None and staged.needs_mapping
    return {"pending_id": staged.pending.pk}


def _columns(w: World) -> dict[str, Any]:
    return {f"column-{i}": field for i, field in enumerate(FIELDS)}


def _ready(w: World) -> dict[str, Any]:
    """An upload mapped and waiting for its preview."""
    staged = pipeline.receive(
        user=w.users["admin"],
        school=w.school,
        kind="pupils",
        filename=READY,
        data=MIS_FILE + b"\r\n",
        options={"full": False},
    )
    assert staged.pending is not None
    mapping = dict(zip(HEADERS, FIELDS, strict=True))
    assert not pipeline.map_columns(staged.pending, mapping, remember=False).errors
    return {"pending_id": staged.pending.pk}


def _confirm(w: World) -> dict[str, Any]:
    """The preview's digest: POST commits the import (each request is rolled back after)."""
    pending = (
        PendingImport.objects.filter(school=w.school, filename=READY).first()
        # The stored-XSS sweep rewrites every text, file names included: the newest then.
        or PendingImport.objects.filter(school=w.school, kind="pupils").order_by("-pk").first()
    )
    assert pending is not None
    return {"digest": pipeline.plan_for(pending).digest}


def _leaver(w: World) -> dict[str, Any]:
    """?pupil= a leaver of the school (marked left inside each request's savepoint)."""
    leaver = w.pupils_b[0]
    leaver.refresh_from_db()
    if leaver.left_on is None:  # the hostile-input sweep builds the data more than once
        pupil_services.mark_left(None, w.school, leaver, left_on=timezone.localdate())
    return {"pupil": leaver.pk}


def _ids_in_the_query(w: World) -> dict[str, Any]:
    # No URL arguments: the ids are in the query (`data`). A kwargs function of its own
    # (not the default) has the matrix also ask for another school's leaver: 404.
    return {}


def _received(w: World) -> dict[str, Any]:
    """A pupil on roll with a transition record received from their last school."""
    pupil = w.pupils_a[0]
    TransitionRecord.objects.create(
        school=w.school,
        pupil=pupil,
        source_school="Hill Top Infants",
        exported_at=timezone.now(),
        sha256="x" * 64,
        record={"subjects": []},
    )
    return {"pupil_id": pupil.pk}


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
    "imports:index": Entry(get=managers(200), post=NOT_ALLOWED),
    # POST a pupil list: kept, then on to its mapping step. The kind is no id.
    "imports:upload": Entry(
        get=managers(200), post=managers(302), kwargs=_kind, data=_upload, foreign=False
    ),
    # POST the mapping: on to the preview.
    "imports:columns": Entry(get=managers(200), post=managers(302), kwargs=_mapping, data=_columns),
    # POST with the preview's digest: imported, then back to the imports page.
    "imports:preview": Entry(get=managers(200), post=managers(302), kwargs=_ready, data=_confirm),
    "imports:discard": Entry(get=NOT_ALLOWED, post=managers(302), kwargs=_ready),
    "imports:leavers": Entry(get=managers(200), post=NOT_ALLOWED),
    # Downloads of the chosen leavers (?pupil=).
    "imports:leavers-ctf": Entry(
        get=managers(200), post=NOT_ALLOWED, kwargs=_ids_in_the_query, data=_leaver
    ),
    "imports:leavers-transition": Entry(
        get=managers(200), post=NOT_ALLOWED, kwargs=_ids_in_the_query, data=_leaver
    ),
    "imports:transition-received": Entry(get=managers(200), post=NOT_ALLOWED, kwargs=_received),
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
