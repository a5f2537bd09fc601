"""The group comparison page: each group beside all other pupils, per subject.

Split from `reports.views` (which re-exports both names for the URLs, the
exports and the governors' pack).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.analysis.evaluation import PupilResult, load_band_sets, point_results
from trackwell.analysis.groups import CompareMemo, compare_groups, group_choices, pupil_facts
from trackwell.core.models import AssessmentPoint, School
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import PupilGroup, SchoolClass, nc_year_label

from .page_common import _user, _year_and_point


@require_safe
@login_required
def group_comparison(request: HttpRequest) -> HttpResponse:
    """Each group beside all other pupils, per subject, with the difference."""
    user = _user(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    _, default_point = _year_and_point(school.pk)
    # With their years: the point menu names each one's year (one query, not one a point).
    points = list(
        AssessmentPoint.objects.filter(school=school).select_related("year").order_by("-date")
    )
    wanted = request.GET.get("point") or str(default_point.pk)
    point = next((p for p in points if str(p.pk) == wanted), default_point)
    nc_years: list[int] = sorted(
        set(SchoolClass.objects.filter(year=point.year).values_list("nc_year", flat=True))
    )
    nc_filter = request.GET.get("year", "")
    suppress = access.suppresses_small_groups(user)
    by_subject, partial = group_comparison_context(school, point, nc_filter, suppress=suppress)
    return render(
        request,
        "reports/groups.html",
        {
            "school": school,
            "point": point,
            "points": points,
            "nc_years": [(n, nc_year_label(n)) for n in nc_years],
            "nc_filter": nc_filter,
            "by_subject": by_subject,
            "suppress": suppress,
            "partial": partial,
        },
    )


def group_comparison_context(
    school: School, point: AssessmentPoint, nc_filter: str, *, suppress: bool
) -> tuple[list[dict[str, Any]], bool]:
    """Each subject's group comparisons as the group page shows them, and whether partial."""
    sets = load_band_sets(school.pk)
    results = point_results(point, sets=sets)
    rows = list(results.rows.values())
    if nc_filter.isascii() and nc_filter.isdigit() and len(nc_filter) <= 2:  # a year group
        rows = [r for r in rows if r.nc_year == int(nc_filter)]
    subjects = list(Subject.objects.filter(school=school))
    # Read by the school rather than by an IN list of every pupil's id (the same facts).
    facts = pupil_facts({r.pupil_id for r in rows}, schools=[school.pk])
    choices = group_choices(PupilGroup.objects.filter(school=school))
    by_subject = []
    partial = False
    memo = CompareMemo()  # subjects with the same pupils: suppression worked out once
    rows_of: dict[int, list[PupilResult]] = {}
    for r in rows:  # each subject's rows, in the rows' order, in one pass
        rows_of.setdefault(r.subject_id, []).append(r)
    for subject in subjects:
        subject_rows = rows_of.get(subject.pk)
        if not subject_rows:
            continue
        # Parts are year groups: see compare_groups and docs/analysis.md.
        comparisons = compare_groups(
            subject_rows,
            facts,
            choices,
            min_size=school.min_group_size,
            suppress=suppress,
            memo=memo,
        )
        partial = partial or any(c.partial for c in comparisons)
        by_subject.append({"subject": subject, "comparisons": comparisons})
    return by_subject, partial
