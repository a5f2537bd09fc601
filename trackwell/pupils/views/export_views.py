"""Data out: the school's pupils, classes and staff as CSV (or XLSX), formula-safe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.core.exports import FORMATS, export_response
from trackwell.pupils import queries
from trackwell.pupils.views.common import acting_user

KINDS = ("pupils", "classes", "staff")


@require_safe
@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    """Links to each export."""
    access.people_school(acting_user(request))
    return render(request, "people/export.html", {"kinds": KINDS, "formats": FORMATS})


@require_safe
@login_required
def export_file(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """One export as a file: pupils (with leavers if asked), classes or staff."""
    school = access.people_school(acting_user(request))
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404("No such export")
    if kind == "pupils":
        table = queries.pupils_table(school, include_leavers=request.GET.get("leavers") == "1")
    else:
        table = queries.classes_table(school) if kind == "classes" else queries.staff_table(school)
    return export_response(table, fmt, f"{kind}-{school.pk}")
