"""Permission matrix: pupil reports, their PDFs and batches, the governors' pack (issue 12)."""

from typing import Any

from django.core.files.base import ContentFile

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from trackwell.printed.models import ReportBatch, ReportFile, ReportRound

STAFF_VIEW = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
MANAGE = expect(404, admin=200, leader=200, teacher=403, other_teacher=403, ta=403, senco=403)
CLASS_WRITE = expect(404, admin=200, leader=200, teacher=200, other_teacher=403, ta=403, senco=403)
AGGREGATE = only(200, "admin", "leader", "senco", "governor")


def _round(w: World) -> ReportRound:
    found, _ = ReportRound.objects.get_or_create(
        school=w.school,
        point=w.year.assessment_points.get(),
        kind=ReportRound.Kind.TERMLY,
        defaults={"year": w.year, "title": "Matrix report"},
    )
    return found


def _round_kwargs(w: World) -> dict[str, Any]:
    return {"round_id": _round(w).pk}


def _batch(w: World) -> tuple[ReportBatch, ReportFile]:
    batch = ReportBatch.objects.create(
        school=w.school, round=_round(w), school_class=w.class_a, status="done", total=1, done=1
    )
    record = ReportFile(school=w.school, batch=batch, pupil=None, name="all.pdf", size=9)
    record.pdf.save("matrix.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return batch, record


def _batch_file(w: World) -> dict[str, Any]:
    batch, record = _batch(w)
    return {"batch_id": batch.pk, "file_id": record.pk}


CASES = {
    "printed:rounds": Entry(
        get=STAFF_VIEW,
        post=expect(404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403),
        data=lambda w: {"point": w.year.assessment_points.get().pk, "kind": "annual"},
        foreign=False,
    ),
    "printed:settings": Entry(
        get=MANAGE,
        post=expect(404, admin=409, leader=409, teacher=403, other_teacher=403, ta=403, senco=403),
        data=lambda w: {"version": 0, "heading": "Report", "arrangements": "Talk to us."},
    ),
    "printed:governors": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    "printed:governors-pdf": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    "printed:round": Entry(get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=_round_kwargs),
    "printed:write": Entry(
        get=CLASS_WRITE,
        post=expect(404, admin=302, leader=302, teacher=302, other_teacher=403, ta=403, senco=403),
        kwargs=lambda w: {"round_id": _round(w).pk, "class_id": w.class_a.pk},
    ),
    "printed:save": Entry(
        get=NOT_ALLOWED,
        post=expect(404, admin=200, leader=200, teacher=200, other_teacher=403, ta=403, senco=403),
        kwargs=lambda w: {"round_id": _round(w).pk, "pupil_id": w.pupils_a[0].pk},
        data=lambda w: {"field": f"subject-{w.maths.pk}", "text": "Matrix", "version": 0},
    ),
    "printed:pupil-pdf": Entry(
        get=STAFF_VIEW,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"round_id": _round(w).pk, "pupil_id": w.pupils_a[0].pk},
    ),
    "printed:batch-start": Entry(
        get=NOT_ALLOWED,
        post=expect(404, admin=302, leader=302, teacher=302, other_teacher=302, ta=302, senco=302),
        kwargs=_round_kwargs,
        data=lambda w: {"class": w.class_a.pk},
    ),
    "printed:batch": Entry(
        get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=lambda w: {"batch_id": _batch(w)[0].pk}
    ),
    "printed:batch-status": Entry(
        get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=lambda w: {"batch_id": _batch(w)[0].pk}
    ),
    "printed:batch-file": Entry(get=STAFF_VIEW, post=NOT_ALLOWED, kwargs=_batch_file),
}
