"""The results grid: a class's raw marks on a test, typed fast and saved cell by cell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.core.exports import Table, export_response
from trackwell.core.versioning import parse_version
from trackwell.scores import conversion, queries, services
from trackwell.scores.conversion import ConversionError
from trackwell.scores.models import NORMAL_KINDS, Test

from .common import int_or_none, user_of


@require_safe
@login_required
def grid(request: HttpRequest, test_id: int, class_id: int) -> HttpResponse:
    """The class's pupils down the side: raw mark, score, band and percentile."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    test = access.get_test_for_user(user, test_id)
    data = queries.load_results(test, school_class)
    return render(
        request,
        "scores/grid.html",
        {
            "grid": data,
            "test": test,
            "school_class": school_class,
            "can_edit": access.can_edit_class(user, school_class),
            "bands_json": [
                {"label": b.label, "min": b.min_score, "colour": b.colour} for b in data.bands
            ],
        },
    )


@require_POST
@login_required
def save_cell(request: HttpRequest, test_id: int, class_id: int) -> HttpResponse:
    """Save one raw mark: 200 with the new state, 400 naming the problem, 409 on a conflict."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id, edit=True)
    test = access.get_test_for_user(user, test_id)
    pupil_id = int_or_none(request.POST.get("pupil"))
    version = parse_version(request.POST.get("version"))
    if pupil_id is None or version is None:
        return JsonResponse({"error": "Say which pupil and the version you saw."}, status=400)
    try:
        raw = services.parse_raw(request.POST.get("raw"))
        state = services.save_result(
            user=user,
            school_class=school_class,
            test=test,
            pupil_id=pupil_id,
            raw=raw,
            expected_version=version,
        )
    except ConversionError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    except services.StaleResult as exc:
        return JsonResponse(
            {"error": "conflict", "message": str(exc), "current": _describe(test, exc.current)},
            status=409,
        )
    return JsonResponse(_describe(test, state))


def _describe(test: Test, state: services.ResultState) -> dict[str, object]:
    bands = queries.bands_of(test)
    band = queries.band_of(state.score, bands)
    data = state.as_dict()
    data["band"] = band.label if band else ""
    data["percentile"] = (
        conversion.percentile(state.score)
        if state.score is not None and test.score_kind in NORMAL_KINDS
        else None
    )
    return data


@require_safe
@login_required
def export(request: HttpRequest, test_id: int, class_id: int) -> HttpResponse:
    """The class's results as CSV or XLSX: UPN, name, raw mark, score, score band, percentile."""
    user = user_of(request)
    school_class = access.get_class_for_user(user, class_id)
    test = access.get_test_for_user(user, test_id)
    data = queries.load_results(test, school_class)
    kind = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(
        [results_table(test, data.rows)], kind, f"{test.name}-{school_class.name}"
    )


def results_table(test: Test, rows: list[queries.ResultRow]) -> Table:
    """Results as an export table (shared with the export_results command)."""
    return Table(
        title=test.name,
        columns=["UPN", "Name", "Raw mark", "Score", "Score band", "Percentile"],
        rows=[
            [
                r.pupil.upn,
                r.pupil.full_name,
                r.raw_mark,
                r.score,
                r.band.label if r.band else "",
                r.percentile,
            ]
            for r in rows
        ],
    )
