"""The school's tests, conversion tables and thresholds: lists, and the leaders' forms."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.core.models import AssessmentPoint
from trackwell.core.versioning import EditConflict, parse_version
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import NC_YEAR_CHOICES
from trackwell.scores import conversion, definitions, queries
from trackwell.scores.models import ConversionTable, ScoreBand, ScoreKind, Test, ThresholdSet

from .common import int_or_none, messages_of, user_of


def _index_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    user = user_of(request)
    school = access.scores_school(user)
    tests = list(
        Test.objects.filter(school=school).select_related("subject", "table", "thresholds")
    )
    editable = list(
        access.editable_classes(user).select_related("year").filter(year__is_current=True)
    )
    visible = list(
        access.visible_classes(user).select_related("year").filter(year__is_current=True)
    )
    return {
        "school": school,
        "tests": [
            (
                t,
                [c for c in visible if c.nc_year == t.nc_year],
                {c.pk for c in editable},
            )
            for t in tests
        ],
        "tables": ConversionTable.objects.filter(school=school),
        "threshold_sets": ThresholdSet.objects.filter(school=school).prefetch_related("bands"),
        "can_manage": access.can_manage_tests(user),
        "sees_aggregates": access.sees_aggregates(user),
        "my_classes": editable or visible,
        "subjects": Subject.objects.filter(school=school),
        "points": AssessmentPoint.objects.filter(school=school, year__is_current=True),
        "kinds": ScoreKind.choices,
        "nc_years": NC_YEAR_CHOICES[:8],
        "builtins": list(conversion.BUILTINS.values()),
        "presets": [(k, v[0]) for k, v in conversion.PRESETS.items()],
        **extra,
    }


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every test of the school, with links to enter results and see the figures."""
    return render(request, "scores/index.html", _index_context(request))


def _test_input(request: HttpRequest, school_id: int) -> definitions.TestInput:
    post = request.POST
    errors = []
    subject = Subject.objects.filter(
        school_id=school_id, pk=int_or_none(post.get("subject")) or 0
    ).first()
    if subject is None:
        errors.append("Choose the test's subject.")
    try:
        taken_on = date.fromisoformat(post.get("taken_on", ""))
    except ValueError:
        taken_on = None
        errors.append("Give the date the test is taken (YYYY-MM-DD).")
    max_raw = int_or_none(post.get("max_raw_mark"))
    if max_raw is None:
        errors.append("Give the test's maximum raw mark as a whole number.")
    nc_year = int_or_none(post.get("nc_year"))
    if nc_year is None or nc_year > 13:
        errors.append("Choose the year group that sits the test.")
    table = None
    if post.get("table"):
        table = ConversionTable.objects.filter(
            school_id=school_id, pk=int_or_none(post.get("table")) or 0
        ).first()
        if table is None:
            errors.append("Choose one of the school's conversion tables.")
    thresholds = None
    if post.get("thresholds"):
        thresholds = ThresholdSet.objects.filter(
            school_id=school_id, pk=int_or_none(post.get("thresholds")) or 0
        ).first()
        if thresholds is None:
            errors.append("Choose one of the school's threshold sets.")
    point = None
    if post.get("point"):
        point = AssessmentPoint.objects.filter(
            school_id=school_id, pk=int_or_none(post.get("point")) or 0
        ).first()
    if errors:
        raise ValidationError(errors)
    assert subject is not None and taken_on is not None and max_raw is not None
    assert nc_year is not None
    return definitions.TestInput(
        name=post.get("name", "")[:120],
        publisher=post.get("publisher", "")[:120],
        subject=subject,
        nc_year=nc_year,
        taken_on=taken_on,
        max_raw_mark=max_raw,
        score_kind=post.get("score_kind", ""),
        table=table,
        thresholds=thresholds,
        point=point,
    )


@require_POST
@login_required
def test_new(request: HttpRequest) -> HttpResponse:
    """A leader defines a test."""
    user = user_of(request)
    school = access.scores_school(user, edit=True)
    try:
        test = definitions.create_test(user, school, _test_input(request, school.pk))
    except ValidationError as exc:
        context = _index_context(request, test_errors=messages_of(exc), posted=request.POST)
        return render(request, "scores/index.html", context, status=400)
    messages.success(request, f"{test.name} is set up.")
    return HttpResponseRedirect(reverse("scores:test", args=[test.pk]))


@require_POST
@login_required
def table_builtin(request: HttpRequest) -> HttpResponse:
    """A leader reads one of the built-in tables into the school's tables."""
    user = user_of(request)
    school = access.scores_school(user, edit=True)
    try:
        table = definitions.install_builtin_table(user, school, request.POST.get("key", ""))
    except ValidationError as exc:
        return render(
            request,
            "scores/index.html",
            _index_context(request, table_errors=messages_of(exc)),
            status=400,
        )
    messages.success(request, f"{table.name} is ready to use.")
    return HttpResponseRedirect(reverse("scores:table", args=[table.pk]))


@require_POST
@login_required
def table_upload(request: HttpRequest) -> HttpResponse:
    """A leader uploads a conversion table as CSV: refused whole with every problem named."""
    user = user_of(request)
    school = access.scores_school(user, edit=True)
    upload = request.FILES.get("file")
    errors: list[str] = []
    text = ""
    if upload is None:
        errors.append("Choose the CSV file of the table.")
    elif upload.size and upload.size > 1_000_000:
        errors.append("The file is larger than 1 MB: a conversion table is much smaller.")
    else:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append("The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8.")
    max_raw = int_or_none(request.POST.get("max_raw_mark"))
    if max_raw is None:
        errors.append("Give the test's maximum raw mark as a whole number.")
    if not errors:
        assert max_raw is not None
        try:
            table = definitions.upload_table(
                user,
                school,
                name=request.POST.get("name", "")[:120],
                kind=request.POST.get("kind", ""),
                max_raw_mark=max_raw,
                text=text,
                source=request.POST.get("source", ""),
            )
        except ValidationError as exc:
            errors = messages_of(exc)
        else:
            messages.success(request, f"{table.name} is ready to use.")
            return HttpResponseRedirect(reverse("scores:table", args=[table.pk]))
    context = _index_context(request, table_errors=errors, posted=request.POST)
    return render(request, "scores/index.html", context, status=400)


@require_safe
@login_required
def table(request: HttpRequest, table_id: int) -> HttpResponse:
    """One conversion table, every row, and the marks it cannot convert."""
    found = access.get_conversion_table_for_user(user_of(request), table_id)
    rows = definitions.table_rows(found)
    return render(
        request,
        "scores/table.html",
        {
            "table": found,
            "rows": rows,
            "missing": conversion.missing_marks(rows, found.max_raw_mark)
            if not any(r.age_from is not None for r in rows)
            else [],
        },
    )


@require_POST
@login_required
def thresholds_new(request: HttpRequest) -> HttpResponse:
    """A leader starts a threshold set from a publisher's preset."""
    user = user_of(request)
    school = access.scores_school(user, edit=True)
    try:
        made = definitions.create_threshold_set(user, school, request.POST.get("preset", ""))
    except ValidationError as exc:
        context = _index_context(request, threshold_errors=messages_of(exc))
        return render(request, "scores/index.html", context, status=400)
    return HttpResponseRedirect(reverse("scores:thresholds", args=[made.pk]))


def _posted_bands(request: HttpRequest) -> tuple[list[definitions.BandInput], list[str]]:
    labels = request.POST.getlist("label")
    mins = request.POST.getlist("min_score")
    meets = set(request.POST.getlist("meets"))
    bands, errors = [], []
    for n, (label, raw) in enumerate(zip(labels, mins, strict=False), start=1):
        if not label.strip() and not raw.strip():
            continue
        value = int_or_none(raw)
        if value is None or value > 999:
            errors.append(f"Band {n}: the lowest score must be a whole number from 0 to 999.")
            continue
        bands.append(definitions.BandInput(label[:80], value, str(n) in meets))
    return bands, errors


@login_required
def thresholds(request: HttpRequest, set_id: int) -> HttpResponse:
    """A threshold set: its bands, and for leaders the form that changes them (version-checked)."""
    user = user_of(request)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    found = access.get_threshold_set_for_user(user, set_id, edit=request.method == "POST")
    context: dict[str, object] = {
        "set": found,
        "bands": list(ScoreBand.objects.filter(threshold_set=found)),
        "can_manage": access.can_manage_tests(user),
    }
    status = 200
    if request.method == "POST":
        bands, errors = _posted_bands(request)
        if not errors:
            try:
                definitions.update_thresholds(
                    user,
                    found,
                    name=request.POST.get("name", ""),
                    bands=bands,
                    expected_version=parse_version(request.POST.get("version")),
                )
            except EditConflict as exc:
                found.refresh_from_db()
                context.update(set=found, conflict=exc, bands=list(found.bands.all()))
                return render(request, "scores/thresholds.html", context, status=409)
            except ValidationError as exc:
                errors = messages_of(exc)
            else:
                messages.success(request, "The thresholds are saved.")
                return HttpResponseRedirect(reverse("scores:thresholds", args=[found.pk]))
        context["errors"] = errors
        status = 400
    return render(request, "scores/thresholds.html", context, status=status)


@require_safe
@login_required
def test_page(request: HttpRequest, test_id: int) -> HttpResponse:
    """A test: what it is, the classes that sit it, and its figures for the school."""
    user = user_of(request)
    test = access.get_test_for_user(user, test_id)
    classes = list(access.visible_classes(user).filter(year__is_current=True, nc_year=test.nc_year))
    editable = set(access.editable_classes(user).values_list("pk", flat=True))
    return render(
        request,
        "scores/test.html",
        {
            "test": test,
            "classes": [(c, c.pk in editable) for c in classes],
            "summary": queries.summarise(test) if access.sees_aggregates(user) else None,
            "can_import": access.can_manage_tests(user),
            "earlier": Test.objects.filter(
                school_id=test.school_id, subject_id=test.subject_id, taken_on__lt=test.taken_on
            ).exclude(pk=test.pk),
        },
    )


def _aggregate_test(request: HttpRequest, test_id: int) -> Test:
    user = user_of(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    test: Test = access.get_test_aggregates_for_user(user, test_id)
    return test


@require_safe
@login_required
def test_report(request: HttpRequest, test_id: int) -> HttpResponse:
    """A test's figures for the school, and its band moves since an earlier sitting."""
    user = user_of(request)
    test = _aggregate_test(request, test_id)
    min_size = test.school.min_group_size if access.suppresses_small_groups(user) else 0
    earlier = list(
        Test.objects.filter(
            school_id=test.school_id, subject_id=test.subject_id, taken_on__lt=test.taken_on
        ).exclude(pk=test.pk)
    )
    chosen = next(
        (t for t in earlier if t.pk == int_or_none(request.GET.get("since"))),
        earlier[0] if earlier else None,
    )
    return render(
        request,
        "scores/report.html",
        {
            "test": test,
            "summary": queries.summarise(test, min_size=min_size),
            "earlier": earlier,
            "moves": queries.band_moves(chosen, test, min_size=min_size) if chosen else None,
        },
    )
