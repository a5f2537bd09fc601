"""Permission matrix: tests and scores, results, targets, progress, prior attainment, points."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from tests.scores.conftest import make_reading_test

STAFF = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
AGGREGATE = only(200, "admin", "leader", "senco", "governor")
# Class A: its teacher edits; other staff may view but not change (403).
CLASS_EDIT = expect(404, admin=302, leader=302, teacher=302, other_teacher=403, ta=403, senco=403)
CELL_EDIT = expect(404, admin=200, leader=200, teacher=200, other_teacher=403, ta=403, senco=403)
MANAGE = expect(404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403)


def _test(w: World) -> dict[str, Any]:
    return {"test_id": make_reading_test(w).pk}


def _test_class(w: World) -> dict[str, Any]:
    return {"test_id": make_reading_test(w).pk, "class_id": w.class_a.pk}


def _table(w: World) -> dict[str, Any]:
    test = make_reading_test(w)
    return {"table_id": test.table_id}


def _thresholds(w: World) -> dict[str, Any]:
    test = make_reading_test(w)
    return {"set_id": test.thresholds_id}


def _class_subject(w: World) -> dict[str, Any]:
    return {"class_id": w.class_a.pk, "subject_slug": "maths"}


def _cell(w: World) -> dict[str, Any]:
    return {"pupil": w.pupils_a[0].pk, "raw": "20", "version": 0}


def _targets(w: World) -> dict[str, Any]:
    pupil = w.pupils_a[0]
    return {"kind": "score", f"version-{pupil.pk}": 0, f"target-{pupil.pk}": "100"}


def _progress(w: World) -> dict[str, Any]:
    pupil = w.pupils_a[0]
    return {f"version-{pupil.pk}": 0, f"good-{pupil.pk}": "yes"}


def _prior(w: World) -> dict[str, Any]:
    return {"pupil": w.pupils_a[0].pk, "group": ""}


def _new_test(w: World) -> dict[str, Any]:
    from trackwell.curriculum.models import Subject

    return {
        "name": "Matrix test",
        "subject": Subject.objects.filter(school=w.school).first().pk,  # type: ignore[union-attr]
        "nc_year": 3,
        "taken_on": "2027-03-20",
        "max_raw_mark": 40,
        "score_kind": "raw",
    }


def _upload(w: World) -> dict[str, Any]:
    return {
        "name": "Matrix table",
        "kind": "standardised",
        "max_raw_mark": 10,
        "file": SimpleUploadedFile("t.csv", b"raw_mark,score\n0-10,80\n"),
    }


def _threshold_edit(w: World) -> dict[str, Any]:
    from trackwell.scores.models import ThresholdSet

    found = ThresholdSet.objects.filter(school=w.school).order_by("pk").first()
    return {
        "name": "KS2",
        "label": ["Not yet", "Expected"],
        "min_score": ["0", "100"],
        "version": found.version if found else 1,
    }


def _points_on(w: World) -> dict[str, Any]:
    return {"action": "on", "version": 1, "understood": "yes"}


CASES = {
    "scores:index": Entry(get=STAFF, post=NOT_ALLOWED),
    "scores:test-new": Entry(get=NOT_ALLOWED, post=MANAGE, data=_new_test),
    "scores:test": Entry(get=STAFF, post=NOT_ALLOWED, kwargs=_test),
    "scores:test-report": Entry(get=AGGREGATE, post=NOT_ALLOWED, kwargs=_test),
    "scores:results": Entry(get=STAFF, post=NOT_ALLOWED, kwargs=_test_class),
    "scores:results-cell": Entry(
        get=NOT_ALLOWED,
        post=CELL_EDIT,
        kwargs=_test_class,
        data=_cell,
        headers={"Accept": "application/json"},
    ),
    "scores:results-export": Entry(get=STAFF, post=NOT_ALLOWED, kwargs=_test_class),
    "scores:table-builtin": Entry(
        get=NOT_ALLOWED, post=MANAGE, data=lambda w: {"key": "ks2-2024-gps"}
    ),
    "scores:table-upload": Entry(get=NOT_ALLOWED, post=MANAGE, data=_upload),
    "scores:table": Entry(get=STAFF, post=NOT_ALLOWED, kwargs=_table),
    "scores:thresholds-new": Entry(
        get=NOT_ALLOWED, post=MANAGE, data=lambda w: {"preset": "standardised"}
    ),
    "scores:thresholds": Entry(get=STAFF, post=MANAGE, kwargs=_thresholds, data=_threshold_edit),
    "scores:class-targets": Entry(get=STAFF, post=CLASS_EDIT, kwargs=_class_subject, data=_targets),
    "scores:targets-report": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    "scores:class-progress": Entry(
        get=STAFF, post=CLASS_EDIT, kwargs=_class_subject, data=_progress
    ),
    "scores:class-prior": Entry(
        get=NOT_ALLOWED, post=CLASS_EDIT, kwargs=_class_subject, data=_prior
    ),
    "scores:prior-report": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    # Trust leaders only: school staff (leaders included), parents 404, anonymous sign in.
    # The page takes no ids; another trust's schools never appear (tests/trust).
    "scores:trust-prior": Entry(get=only(200, "trust_leader"), post=NOT_ALLOWED),
    "scores:points": Entry(get=STAFF, post=MANAGE, data=_points_on),
    # The points report does not exist until a school switches points on.
    "scores:points-report": Entry(get=expect(404), post=NOT_ALLOWED),
}
