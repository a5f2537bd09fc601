"""Band sets imported from and exported as JSON documents (docs/band-rules.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.analysis import services
from trackwell.analysis.models import BandSet
from trackwell.core.limits import JsonLimits, LimitExceeded, load_json

from .band_common import _manager

# A band set document nests eight levels at most (set, bands, band, rules, rule,
# conditions, condition, range); see docs/security.md for every import's limits.
BAND_IMPORT = JsonLimits(max_bytes=1_000_000, max_depth=12, max_values=50_000, max_string=5_000)


@require_POST
@login_required
def band_import(request: HttpRequest) -> HttpResponse:
    """Create or replace a band set from an uploaded JSON document, all or nothing."""
    user = _manager(request)
    upload = request.FILES.get("file")
    if upload is not None and upload.size is not None and upload.size > BAND_IMPORT.max_bytes:
        return _import_errors(
            request,
            [f"(document): the file is {upload.size:,} bytes; at most "
             f"{BAND_IMPORT.max_bytes:,} are allowed."],
        )  # fmt: skip
    raw = upload.read() if upload else request.POST.get("document", "").encode()
    try:
        doc = load_json(raw, BAND_IMPORT)
    except LimitExceeded as exc:
        return _import_errors(request, [f"(document): {exc}"])
    except (ValueError, UnicodeDecodeError) as exc:
        return _import_errors(request, [f"(document): not valid JSON: {exc}"])
    try:
        band_set = services.save_band_set(
            user=user, school=access.school_of(user), doc=doc, imported=True
        )
    except ValidationError as exc:
        return _import_errors(request, exc.messages)
    messages.success(request, f"Imported the band set '{band_set.name}'.")
    return HttpResponseRedirect(reverse("report-band-set", args=[band_set.pk]))


def _import_errors(request: HttpRequest, errors: list[str]) -> HttpResponse:
    return render(request, "reports/band_import_errors.html", {"errors": errors}, status=400)


@require_safe
@login_required
def band_export(request: HttpRequest, set_id: int) -> HttpResponse:
    user = _manager(request)
    band_set = get_object_or_404(BandSet, school=access.school_of(user), pk=set_id)
    response = JsonResponse(services.export_band_set(band_set), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="band-set-{band_set.pk}.json"'
    return response
