"""Figures, bands with their explanations, snapshots and gaps; a trust's aggregates."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from trackwell.accounts import access
from trackwell.analysis.evaluation import PupilBand, load_band_sets, point_results
from trackwell.analysis.gaps import pupil_gaps
from trackwell.api.models import Area
from trackwell.api.views.base import int_param, point_param, school_of, user_of
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, SchoolClass
from trackwell.reports.trust import figures_of, iter_trust

SCOPE_PARAMS = [
    OpenApiParameter("point", int, description="An assessment point (default: the current one)."),
    OpenApiParameter("class", int, description="Only this class's pupils."),
    OpenApiParameter("nc_year", int, description="Only this year group."),
    OpenApiParameter("pupil", int, description="Only this pupil."),
]


def _band(band: PupilBand | None) -> dict[str, Any] | None:
    if band is None:
        return None
    return {
        "band_set": band.set_name,
        "kind": band.kind,
        "suggested": band.suggested.key,
        "suggested_label": band.suggested.label,
        "confirmed": band.confirmed.key if band.confirmed else None,
        "shown": band.shown.key,
        "shown_label": band.shown.label,
        "explanation": band.explanation,
    }


def _pupil_ids(request: Request) -> list[int]:
    user = user_of(request)
    qs = access.visible_pupils(user)
    class_id = int_param(request, "class")
    if class_id is not None:
        qs = qs.filter(enrolments__school_class_id=class_id)
    nc_year = int_param(request, "nc_year")
    if nc_year is not None:
        qs = qs.filter(nc_year=nc_year)
    pupil_id = int_param(request, "pupil")
    if pupil_id is not None:
        qs = qs.filter(pk=pupil_id)
    return list(qs.values_list("pk", flat=True).distinct())


def _rows(request: Request) -> tuple[Any, list[Any]]:
    school = school_of(request)
    point = point_param(request, school)
    ids = _pupil_ids(request)
    sets = load_band_sets(school.pk)
    results = point_results(point, pupil_ids=ids, sets=sets)
    return results, sorted(results.rows.values(), key=lambda r: (r.pupil_id, r.subject_id))


@extend_schema(
    parameters=SCOPE_PARAMS,
    responses={200: OpenApiTypes.OBJECT},
    summary="Each pupil's figures and bands per subject at a point",
    description=(
        "Live figures for an open point, the snapshot kept when it closed for a closed "
        "one (`source`). Each band carries its explanation: the rule that matched, the "
        "figures used, what the next band needs, and any teacher's override."
    ),
)
@api_view(["GET"])
def figures(request: Request) -> Response:
    results, rows = _rows(request)
    return Response(
        {
            "point": {"id": results.point.pk, "name": results.point.name},
            "source": "live" if results.live else "snapshot",
            "results": [
                {
                    "pupil_id": r.pupil_id,
                    "subject_id": r.subject_id,
                    "class_id": r.class_id,
                    "nc_year": r.nc_year,
                    "framework_id": r.framework_id,
                    "starting_point": r.starting_point or None,
                    "figures": r.figures,
                    "attainment": _band(r.attainment),
                    "progress": _band(r.progress),
                }
                for r in rows
            ],
        }
    )


@extend_schema(
    parameters=SCOPE_PARAMS,
    responses={200: OpenApiTypes.OBJECT},
    summary="Per subject: pupils, mean figures and how many pupils are in each band",
)
@api_view(["GET"])
def summary(request: Request) -> Response:
    results, rows = _rows(request)
    subjects = {s.pk: s for s in Subject.objects.filter(school_id=results.point.school_id)}
    by_subject: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_subject[r.subject_id].append(r)
    out = []
    for subject_id, subject_rows in sorted(by_subject.items()):
        figures_ = figures_of(subject_rows)
        attainment = Counter(r.attainment.shown.key for r in subject_rows if r.attainment)
        progress = Counter(r.progress.shown.key for r in subject_rows if r.progress)
        out.append(
            {
                "subject_id": subject_id,
                "subject": subjects[subject_id].name if subject_id in subjects else "",
                "pupils": figures_.pupils,
                "mean_pct_secure_of_year": figures_.secure,
                "mean_pct_greater_depth": figures_.greater_depth,
                "mean_pct_taught": figures_.coverage,
                "attainment_bands": dict(sorted(attainment.items())),
                "progress_bands": dict(sorted(progress.items())),
            }
        )
    return Response(
        {
            "point": {"id": results.point.pk, "name": results.point.name},
            "source": "live" if results.live else "snapshot",
            "subjects": out,
        }
    )


@extend_schema(
    parameters=[
        OpenApiParameter("pupil", int, required=True, description="The pupil."),
    ],
    responses={200: OpenApiTypes.OBJECT},
    summary="A pupil's gaps per subject: taught but not yet secure, and carried from last year",
)
@api_view(["GET"])
def gaps(request: Request) -> Response:
    user = user_of(request)
    pupil_id = int_param(request, "pupil")
    if pupil_id is None:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"pupil": "Name the pupil (?pupil=ID)."})
    pupil: Pupil = access.get_pupil_for_user(user, pupil_id)
    school = school_of(request)
    point = point_param(request, school)
    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year_id=point.year_id)
        .order_by("pk")
        .first()
    )
    frameworks = list(
        Framework.objects.filter(school_id=pupil.school_id).filter(
            Q(nc_year=pupil.nc_year) | Q(nc_year=pupil.nc_year - 1)
        )
    )
    out = []
    for framework in (f for f in frameworks if f.nc_year == pupil.nc_year):
        prev = next(
            (
                f
                for f in frameworks
                if f.subject_id == framework.subject_id and f.nc_year == framework.nc_year - 1
            ),
            None,
        )
        found = pupil_gaps(pupil, framework, prev, [school_class.pk] if school_class else [])
        out.append(
            {
                "subject_id": framework.subject_id,
                "framework_id": framework.pk,
                "gaps": [
                    {"objective_id": g.objective.pk, "code": g.objective.code, "status": g.status}
                    for g in found.gaps
                ],
                "carried_from_last_year": [
                    {"objective_id": g.objective.pk, "code": g.objective.code, "status": g.status}
                    for g in found.carried
                ],
                "next_steps": [o.pk for o in found.next_steps],
            }
        )
    return Response({"pupil_id": pupil.pk, "subjects": out})


@extend_schema(
    responses={200: OpenApiTypes.OBJECT},
    summary="A trust's schools: pupils and mean figures per subject at each current point",
    description="For trust keys. Small groups are suppressed as on the trust pages.",
)
@api_view(["GET"])
def trust_overview(request: Request) -> Response:
    user = user_of(request)
    schools = list(access.trust_schools(user))
    loaded = iter_trust(schools)  # a few schools at a time, each let go once read
    minimum = {s.pk: s.min_group_size for s in schools}
    out = []
    for item in loaded:
        by_subject: dict[int, list[Any]] = defaultdict(list)
        for r in item.rows():
            by_subject[r.subject_id].append(r)
        subjects = []
        for subject_id, rows in sorted(by_subject.items()):
            f = figures_of(rows)
            hidden = f.pupils < minimum[item.school.pk]
            subjects.append(
                {
                    "subject_id": subject_id,
                    "pupils": None if hidden else f.pupils,
                    "suppressed": hidden,
                    "mean_pct_secure_of_year": None if hidden else f.secure,
                    "mean_pct_greater_depth": None if hidden else f.greater_depth,
                    "mean_pct_taught": None if hidden else f.coverage,
                }
            )
        out.append(
            {
                "school_id": item.school.pk,
                "school": item.school.name,
                "point": item.year.point.name if item.year else None,
                "subjects": subjects,
            }
        )
    return Response({"schools": out})


for _view in (figures, summary, gaps, trust_overview):
    _view.cls.area = Area.ANALYSIS  # type: ignore[attr-defined]
