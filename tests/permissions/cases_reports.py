"""Permission matrix: analysis pages, assessment points, band rules, trust pages."""

import json
from typing import Any

from tests.analysis.helpers import add_points, point, with_bands
from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect, only
from trackwell.analysis.defaults import attainment_document
from trackwell.analysis.models import BandSet, StartingPoint
from trackwell.core.models import AssessmentPoint

AGGREGATE = only(200, "admin", "leader", "senco", "governor")
CLASS_VIEW = only(200, "admin", "leader", "teacher", "other_teacher", "ta", "senco")
CLASS_EDIT = expect(404, admin=302, leader=302, teacher=302, other_teacher=403, ta=403, senco=403)
MANAGE = only(200, "admin", "leader")
MANAGE_POST = only(302, "admin", "leader")
LEADERS_AND_SENCO = only(200, "admin", "leader", "senco")
TRUST = only(200, "trust_leader")


def _class(w: World) -> dict[str, Any]:
    return {"class_id": w.class_a.pk}


def _class_subject(w: World) -> dict[str, Any]:
    return {"class_id": w.class_a.pk, "subject_slug": "maths"}


def _pupil(w: World) -> dict[str, Any]:
    return {"pupil_id": w.pupils_a[0].pk}


def _point(w: World) -> dict[str, Any]:
    return {"point_id": point(w).pk}


def _closed_point(w: World) -> dict[str, Any]:
    autumn = point(w)
    AssessmentPoint.objects.filter(pk=autumn.pk).update(state=AssessmentPoint.State.CLOSED)
    return {"point_id": autumn.pk}


def _band_set(w: World) -> dict[str, Any]:
    with_bands(w)
    return {"set_id": BandSet.objects.filter(school=w.school).order_by("pk").first().pk}  # type: ignore[union-attr]


def _set_version(w: World) -> dict[str, Any]:
    """The version the page showed (delete and the in-use switch are version-checked)."""
    with_bands(w)
    first = BandSet.objects.filter(school=w.school).order_by("pk").first()
    assert first is not None
    return {"version": first.version, "active": "no", "confirm": "yes"}


def _starting_point(w: World) -> dict[str, Any]:
    sp, _ = StartingPoint.objects.get_or_create(
        school=w.school, key="spare", defaults={"label": "Spare", "order": 99}
    )
    return {"sp_id": sp.pk}


def _with_all_points(w: World) -> None:
    if not AssessmentPoint.objects.filter(school=w.school, name="Spring").exists():
        add_points(w)


def _imported(w: World) -> dict[str, Any]:
    _with_all_points(w)  # an import naming a point the school does not have is refused
    doc = attainment_document()
    doc["name"] = "Imported"
    return {"document": json.dumps(doc)}


CASES = {
    "report-point-close-confirm": Entry(get=MANAGE, post=NOT_ALLOWED, kwargs=_point),
    "report-school": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    "report-groups": Entry(get=AGGREGATE, post=NOT_ALLOWED),
    "report-trust": Entry(get=TRUST, post=NOT_ALLOWED),
    "report-trust-school": Entry(
        get=TRUST, post=NOT_ALLOWED, kwargs=lambda w: {"school_id": w.school.pk}
    ),
    "report-trust-groups": Entry(get=TRUST, post=NOT_ALLOWED),
    "report-year-gaps": Entry(
        get=CLASS_VIEW,
        post=NOT_ALLOWED,
        kwargs=lambda w: {"nc_year": 3, "subject_slug": "maths"},
        foreign=False,
    ),
    "report-year-gap-group": Entry(
        get=NOT_ALLOWED,
        post=expect(404, admin=302, leader=302, teacher=403, other_teacher=403, ta=403, senco=403),
        kwargs=lambda w: {"nc_year": 3, "subject_slug": "maths"},
        data=lambda w: {"name": "Year gap", "pupils": [w.pupils_a[0].pk]},
        foreign=False,
    ),
    "report-class": Entry(get=CLASS_VIEW, post=NOT_ALLOWED, kwargs=_class),
    "report-class-gaps": Entry(get=CLASS_VIEW, post=NOT_ALLOWED, kwargs=_class_subject),
    "report-class-gap-group": Entry(
        get=NOT_ALLOWED,
        post=CLASS_EDIT,
        kwargs=_class_subject,
        data=lambda w: {"name": "Gap group", "pupils": [w.pupils_a[0].pk]},
    ),
    "report-confirm": Entry(get=CLASS_VIEW, post=CLASS_EDIT, kwargs=_class_subject),
    "report-pupil": Entry(get=CLASS_VIEW, post=NOT_ALLOWED, kwargs=_pupil),
    "report-pupil-tracking": Entry(
        get=NOT_ALLOWED,
        post=CLASS_EDIT,
        kwargs=_pupil,
        data=lambda w: {"subject": w.maths.pk, "framework": w.framework_y2.pk},
    ),
    "report-points": Entry(get=MANAGE, post=NOT_ALLOWED),
    "report-point-close": Entry(get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_point),
    "report-point-reopen": Entry(  # no reason: drawn again with the error
        get=NOT_ALLOWED, post=only(400, "admin", "leader"), kwargs=_closed_point
    ),
    "report-point-differences": Entry(get=LEADERS_AND_SENCO, post=NOT_ALLOWED, kwargs=_point),
    "report-band-sets": Entry(get=MANAGE, post=NOT_ALLOWED),
    "report-band-defaults": Entry(get=NOT_ALLOWED, post=MANAGE_POST),
    "report-band-import": Entry(get=NOT_ALLOWED, post=MANAGE_POST, data=_imported),
    "report-band-set-new": Entry(get=NOT_ALLOWED, post=only(400, "admin", "leader")),  # no name
    "report-starting-points": Entry(get=NOT_ALLOWED, post=MANAGE_POST),
    "report-starting-point-remove": Entry(
        get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_starting_point
    ),
    "report-band-set": Entry(get=MANAGE, post=MANAGE, kwargs=_band_set),
    "report-band-export": Entry(get=MANAGE, post=NOT_ALLOWED, kwargs=_band_set),
    "report-band-set-delete": Entry(
        get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_band_set, data=_set_version
    ),
    "report-band-set-active": Entry(
        get=NOT_ALLOWED, post=MANAGE_POST, kwargs=_band_set, data=_set_version
    ),
}

# Exports of every table (issue 12): each as its page, GET only.
CASES.update(
    {
        "grid-export": Entry(
            get=CLASS_VIEW,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"class_id": w.class_a.pk, "subject_slug": "maths", "fmt": "csv"},
        ),
        "report-class-export": Entry(
            get=CLASS_VIEW,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"class_id": w.class_a.pk, "fmt": "csv"},
        ),
        "report-class-gaps-export": Entry(
            get=CLASS_VIEW,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"class_id": w.class_a.pk, "subject_slug": "maths", "fmt": "xlsx"},
        ),
        "report-school-export": Entry(
            get=AGGREGATE,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"fmt": "csv"},
            foreign=False,
        ),
        "report-groups-export": Entry(
            get=AGGREGATE,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"fmt": "xlsx"},
            foreign=False,
        ),
        "report-year-gaps-export": Entry(
            get=CLASS_VIEW,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"nc_year": 3, "subject_slug": "maths", "fmt": "csv"},
            foreign=False,
        ),
    }
)
