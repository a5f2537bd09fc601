"""Trust pages: the trust overview, a trust's view of one school, and group comparison.

Trust leaders only (everyone else gets 404, school leaders included). Aggregates
only, with groups smaller than each school's minimum suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.core.ids import parse_id
from trackwell.pupils.models import nc_year_label

from .trust import TrustSchool, iter_trust, trust_group_comparison, trust_overview
from .views import NoCurrentPoint, _user, school_overview_context


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The trust's schools by subject: pupils, figures and attainment bands."""
    user = _user(request)
    trust = access.trust_of(user)
    suppress = access.suppresses_small_groups(user)
    # Each school's results are let go once read (`iter_trust`); its school and year stay.
    seen: list[TrustSchool] = []
    tables = trust_overview(
        _kept(iter_trust(list(access.trust_schools(user))), seen), suppress=suppress
    )
    return render(
        request,
        "reports/trust_overview.html",
        {"trust": trust, "schools": seen, "tables": tables, "suppress": suppress},
    )


def _kept(
    loaded: Iterable[TrustSchool], seen: list[TrustSchool], years: set[int] | None = None
) -> Iterator[TrustSchool]:
    """The schools as they are read, each kept in `seen` (its results are let go after)
    and, with `years`, the year groups of its rows noted there."""
    for t in loaded:
        seen.append(t)
        if years is not None:
            years.update(r.nc_year for r in t.rows())
        yield t


@require_safe
@login_required
def school_overview(request: HttpRequest, school_id: int) -> HttpResponse:
    """One school of the trust by year group and subject, as the school sees it, suppressed."""
    user = _user(request)
    school = access.get_trust_school_for_user(user, school_id)
    try:
        context = school_overview_context(school, suppress=access.suppresses_small_groups(user))
    except NoCurrentPoint:
        # A school that has not set up its year yet: say so rather than answer 404.
        context = {"school": school, "no_current_point": True, "tables": []}
    context["sees_pupils"] = False
    context["trust_view"] = True
    context["groups_url"] = f"{reverse('report-trust-groups')}?school={school.pk}"
    return render(request, "reports/school_overview.html", context)


@require_safe
@login_required
def groups(request: HttpRequest) -> HttpResponse:
    """Each group beside all other pupils, across the trust or in one of its schools."""
    user = _user(request)
    trust = access.trust_of(user)
    schools = list(access.trust_schools(user))
    school_param = request.GET.get("school", "")
    school_id = parse_id(school_param)
    school = access.get_trust_school_for_user(user, school_id) if school_id is not None else None
    # A year group is chosen within one school only: a trust-wide year view taken
    # from the trust-wide page would single out pupils of the other year groups
    # (the suppression rule counts each school and each school's year group as
    # the smaller pages, not year groups across schools).
    nc_param = request.GET.get("year", "") if school else ""
    year_group = nc_param.isascii() and nc_param.isdigit() and len(nc_param) <= 2
    nc_year = int(nc_param) if year_group else None
    # One school's view reads only that school; the whole trust is read a few schools at a time.
    seen: list[TrustSchool] = []
    years: set[int] = set()
    blocks, minimum = trust_group_comparison(
        _kept(iter_trust([school] if school else schools), seen, years),
        school=school,
        nc_year=nc_year,
    )
    nc_years = sorted(years)
    return render(
        request,
        "reports/trust_groups.html",
        {
            "trust": trust,
            "schools": schools,
            "loaded": seen,
            "school": school,
            "nc_years": [(n, nc_year_label(n)) for n in nc_years],
            "nc_filter": nc_param,
            "blocks": blocks,
            "min_size": minimum,
        },
    )
