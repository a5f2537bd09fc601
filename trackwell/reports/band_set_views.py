"""Band sets listed, made, deleted and put in or out of use; the school's starting points."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.analysis import services
from trackwell.analysis.defaults import create_default_bands
from trackwell.analysis.models import BandSet, StartingPoint
from trackwell.core.ids import parse_id
from trackwell.core.versioning import EditConflict, parse_version

from .band_common import _manager

# ---------------------------------------------------------------------------
# Band sets


@require_safe
@login_required
def band_sets(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return _band_sets_page(request, access.school_of(user))


def _band_sets_page(
    request: HttpRequest,
    school: Any,
    *,
    new_errors: list[str] | None = None,
    sp_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    posted: Any = request.POST if request.method == "POST" else {}
    starts = list(StartingPoint.objects.filter(school=school))
    return render(
        request,
        "reports/band_sets.html",
        {
            "sets": BandSet.objects.filter(school=school).prefetch_related("bands"),
            "sp_rows": [
                (
                    sp,
                    posted.get(f"sp-{sp.pk}-label", sp.label),
                    posted.get(f"sp-{sp.pk}-description", sp.description),
                )
                for sp in starts
            ],
            "sp_new": {
                "key": posted.get("new-key", ""),
                "label": posted.get("new-label", ""),
                "description": posted.get("new-description", ""),
            },
            "kinds": BandSet.Kind.choices,
            "new_errors": new_errors or [],
            "sp_errors": sp_errors or [],
            "posted": posted,
        },
        status=status,
    )


@require_POST
@login_required
def band_set_new(request: HttpRequest) -> HttpResponse:
    """A new band set, empty ('Not yet' and 'Yes') or a copy of one of the school's sets."""
    user = _manager(request)
    school = access.school_of(user)
    copy = request.POST.get("copy", "")
    source = None
    if copy:
        if parse_id(copy) is None:
            return _band_sets_page(
                request, school, new_errors=["copy: choose a band set"], status=400
            )
        source = get_object_or_404(BandSet, school=school, pk=parse_id(copy))
    try:
        band_set = services.create_band_set(
            user=user,
            school=school,
            name=request.POST.get("name", "")[:200],
            kind=request.POST.get("kind", ""),
            copy_of=source,
            active=request.POST.get("active") == "on",
        )
    except ValidationError as exc:
        return _band_sets_page(request, school, new_errors=exc.messages, status=400)
    messages.success(
        request,
        f"Made the band set '{band_set.name}'"
        + (f" as a copy of '{source.name}'." if source else ".")
        + ("" if band_set.is_active else " It is not in use until you tick 'In use' and save."),
    )
    return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))


@require_POST
@login_required
def band_set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    """Delete a band set no snapshot uses, once confirmed on the editor page."""
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    if request.POST.get("confirm") != "yes":
        messages.warning(request, "Tick the box to confirm deleting the band set.")
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]) + "#delete")
    try:
        services.delete_band_set(
            user=user,
            band_set=band_set,
            expected_version=parse_version(request.POST.get("version")),
            seen_name=request.POST.get("name", band_set.name)[:200],
            seen_active=request.POST.get("in_use", "yes" if band_set.is_active else "no") == "yes",
        )
    except EditConflict as conflict:
        return _conflict_page(request, band_set, conflict, "delete")
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]) + "#delete")
    messages.success(request, f"Deleted the band set '{band_set.name}'.")
    return HttpResponseRedirect(reverse("report-band-sets"))


def _conflict_page(
    request: HttpRequest, band_set: BandSet, conflict: EditConflict, doing: str
) -> HttpResponse:
    """409: the set changed since the form was opened; both values, and nothing done."""
    band_set.refresh_from_db()
    return render(
        request,
        "reports/band_set_conflict.html",
        {"band_set": band_set, "conflict": conflict, "doing": doing},
        status=409,
    )


@require_POST
@login_required
def band_set_active(request: HttpRequest, set_id: int) -> HttpResponse:
    """Start or stop using a band set (a set in closed snapshots is kept, not deleted)."""
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    active = request.POST.get("active") == "yes"
    try:
        services.set_band_set_active(
            user=user,
            band_set=band_set,
            active=active,
            expected_version=parse_version(request.POST.get("version")),
            seen_name=request.POST.get("name", band_set.name)[:200],
        )
    except EditConflict as conflict:
        return _conflict_page(request, band_set, conflict, "use" if active else "stop using")
    messages.success(
        request,
        f"'{band_set.name}' is in use: suggested, confirmed and kept at each point."
        if active
        else f"'{band_set.name}' is no longer in use; its closed records are kept.",
    )
    back = request.POST.get("next") == "set"
    return HttpResponseRedirect(
        reverse("report-band-set", args=[band_set.pk]) if back else reverse("report-band-sets")
    )


@require_POST
@login_required
def starting_points(request: HttpRequest) -> HttpResponse:
    """Rename and describe the school's starting points, and add one; keys never change."""
    user = _manager(request)
    school = access.school_of(user)
    post = request.POST
    changes = {
        sp.pk: (
            post.get(f"sp-{sp.pk}-label", sp.label),
            post.get(f"sp-{sp.pk}-description", sp.description),
        )
        for sp in StartingPoint.objects.filter(school=school)
        if f"sp-{sp.pk}-label" in post
    }
    label = post.get("new-label", "").strip()
    try:
        with transaction.atomic():
            changed = services.update_starting_points(user=user, school=school, changes=changes)
            added = (
                services.add_starting_point(
                    user=user,
                    school=school,
                    label=label,
                    key=post.get("new-key", ""),
                    description=post.get("new-description", ""),
                )
                if label
                else None
            )
    except ValidationError as exc:
        return _band_sets_page(request, school, sp_errors=exc.messages, status=400)
    words = []
    if changed:
        words.append(f"saved {changed} starting point{'s' if changed != 1 else ''}")
    if added:
        words.append(f"added '{added.label}' (key {added.key})")
    messages.success(request, (" and ".join(words) or "nothing to change").capitalize() + ".")
    return HttpResponseRedirect(reverse("report-band-sets") + "#starting-points")


@require_POST
@login_required
def starting_point_remove(request: HttpRequest, sp_id: int) -> HttpResponse:
    """Remove a starting point nothing uses; otherwise say where it is used."""
    user = _manager(request)
    sp = get_object_or_404(StartingPoint, school=access.school_of(user), pk=sp_id)
    try:
        services.remove_starting_point(user=user, starting_point=sp)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed the starting point '{sp.label}'.")
    return HttpResponseRedirect(reverse("report-band-sets") + "#starting-points")


@require_POST
@login_required
def band_defaults(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    made = create_default_bands(access.school_of(user), user)
    messages.success(
        request,
        f"Added {len(made)} default band set{'s' if len(made) != 1 else ''}."
        if made
        else "The default band sets are already here.",
    )
    return HttpResponseRedirect(reverse("report-band-sets"))
