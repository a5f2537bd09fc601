"""Report pages: class overview, school overview, gaps, the pupil page (groups: `group_views`).

Views parse, check access through `accounts.access`, call analysis functions
and render. Writes go through `analysis.services`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from trackwell.accounts import access
from trackwell.analysis import services
from trackwell.analysis.evaluation import (
    earlier_positions,
    load_band_sets,
    point_results,
    previous_closure,
)
from trackwell.analysis.gaps import pupil_gaps
from trackwell.analysis.models import BandSet, StartingPoint
from trackwell.core.concurrency import heavy
from trackwell.core.ids import parse_id
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import parse_version
from trackwell.curriculum.models import Framework, Subject
from trackwell.pupils.models import Pupil, SchoolClass, nc_year_label

from . import charts
from .group_views import group_comparison as group_comparison
from .group_views import group_comparison_context as group_comparison_context
from .page_common import NoCurrentPoint as NoCurrentPoint
from .page_common import _user as _user
from .page_common import _year_and_point as _year_and_point
from .queries import (
    live_distributions,
    pupil_trend,
    snapshot_distributions,
    teacher_counts,
    teacher_progress,
    trend_word,
)


def framework_words(nc_year: int, framework_year: int | None) -> str:
    """Neutral words for the framework a pupil's figures are counted on."""
    if framework_year is None:
        return ""
    if framework_year == nc_year:
        return f"{nc_year_label(framework_year)} framework"
    return f"working on the {nc_year_label(framework_year)} framework"


# ---------------------------------------------------------------------------
# Class overview


@require_safe
@login_required
def class_overview(request: HttpRequest, class_id: int) -> HttpResponse:
    """Each pupil's bands per subject, with gaps and the trend since the last point."""
    user = _user(request)
    school_class = access.get_class_for_user(user, class_id)
    context = class_overview_context(school_class)
    context["can_edit"] = access.can_edit_class(user, school_class)
    return render(request, "reports/class_overview.html", context)


def class_overview_context(school_class: SchoolClass) -> dict[str, Any]:
    """What the class overview shows: each pupil's bands per subject at the class's point."""
    year, point = _year_and_point(school_class.school_id)
    if school_class.year_id != year.pk:
        point = (
            AssessmentPoint.objects.filter(year_id=school_class.year_id).order_by("-date").first()
        ) or point
    pupils = list(
        Pupil.objects.filter(enrolments__school_class=school_class).order_by(
            "last_name", "first_name", "pk"
        )
    )
    ids = [p.pk for p in pupils]
    subjects = list(Subject.objects.filter(school_id=school_class.school_id))
    sets = load_band_sets(school_class.school_id)
    results = point_results(point, pupil_ids=ids, sets=sets)
    attainment = sets.attainment
    progress = sets.using(BandSet.Kind.PROGRESS, point.name)
    before = earlier_positions(previous_closure(point), attainment.pk if attainment else None, ids)
    words = teacher_progress(point, ids)
    rows = []
    for pupil in pupils:
        cells: list[dict[str, Any] | None] = []
        for subject in subjects:
            r = results.rows.get((pupil.pk, subject.pk))
            if r is None:
                cells.append(None)
                continue
            earlier = before.get((pupil.pk, subject.pk))
            now = r.attainment.shown.order if r.attainment else None
            taught = int(r.figures.get("taught") or 0)
            secure = int(r.figures.get("secure") or 0)
            cells.append(
                {
                    "key": f"{pupil.pk}-{subject.pk}",
                    "result": r,
                    "progress": r.bands.get(progress.pk) if progress else None,
                    "teacher": words.get((pupil.pk, subject.pk)),
                    "trend": trend_word(earlier.order if earlier else None, now),
                    "gaps": max(0, taught - secure),
                    "framework": framework_words(r.nc_year, r.framework_year)
                    if r.below_year
                    else "",
                }
            )
        rows.append({"pupil": pupil, "cells": cells})
    return {
        "school_class": school_class,
        "point": point,
        "subjects": subjects,
        "rows": rows,
        "sets": sets,
        "progress": progress,
        # Gaps pages exist only for subjects with a framework for the class's year.
        "gap_subjects": set(
            Framework.objects.filter(
                subject__in=subjects, nc_year=school_class.nc_year
            ).values_list("subject_id", flat=True)
        ),
    }


# ---------------------------------------------------------------------------
# School overview


@require_safe
@login_required
@heavy
def school_overview(request: HttpRequest) -> HttpResponse:
    """Year group by subject: band distributions now and at each closed point, and progress."""
    user = _user(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    context = school_overview_context(
        school,
        suppress=access.suppresses_small_groups(user),
        point_id=parse_version(request.GET.get("point")),
        progress_id=parse_version(request.GET.get("progress")),
    )
    context["sees_pupils"] = access.sees_pupils(user)
    context["groups_url"] = reverse("report-groups")
    return render(request, "reports/school_overview.html", context)


def school_overview_context(
    school: School,
    *,
    suppress: bool,
    point_id: int | None = None,
    progress_id: int | None = None,
) -> dict[str, Any]:
    """What the school overview shows for one school (its own page or a trust's view of it).

    `point_id` chooses one of the year's points (an earlier one to look back); by
    default the current point. Earlier closed points are shown beside it.
    """
    year, point = _year_and_point(school.pk)
    sets = load_band_sets(school.pk)
    subjects = list(Subject.objects.filter(school=school))
    points = list(AssessmentPoint.objects.filter(year=year).order_by("date"))
    point = next((p for p in points if p.pk == point_id), point)
    closed = [
        p
        for p in points
        if p.state == AssessmentPoint.State.CLOSED and p.pk != point.pk and p.date <= point.date
    ]
    results = point_results(point, sets=sets)
    attainment = sets.attainment
    # The progress set the school is using at this point (or the one chosen on the page).
    progress = sets.using(BandSet.Kind.PROGRESS, point.name, progress_id)
    now = live_distributions(results.rows.values(), attainment) if attainment else {}
    now_progress = live_distributions(results.rows.values(), progress) if progress else {}
    teacher = teacher_counts(results.rows.values(), teacher_progress(point))
    # Rules keyed by starting point give a pupil without one only the rules for every
    # starting point: leaders are told how many, rather than the pupils banded silently.
    keyed = any(
        rule.starting_point
        for loaded in results.sets.active
        for band in loaded.spec.bands
        for rule in band.rules
    )
    no_start: Counter[int] = Counter(
        sid for (_, sid), r in results.rows.items() if keyed and not r.starting_point
    )
    earlier = snapshot_distributions([p.pk for p in closed], sets)
    years = sorted({k[0] for k in now})
    # Shared gaps exist only where the school has a framework for that year and subject.
    framework_years = set(
        Framework.objects.filter(subject__in=subjects).values_list("subject_id", "nc_year")
    )
    tables = []
    for subject in subjects:
        lines: list[dict[str, Any]] = []
        for nc_year in years:
            dist = now.get((nc_year, subject.pk))
            if dist is None:
                continue
            hidden = suppress and dist.total < school.min_group_size
            history = []
            for p in closed:
                counts = {
                    b.pk: earlier.get((p.pk, nc_year, subject.pk, b.pk), 0)
                    for b in (attainment.bands if attainment else [])
                }
                total = sum(counts.values())
                too_small = suppress and total < school.min_group_size
                history.append(
                    {
                        "point": p,
                        # A record there, but too small to show (not "no record").
                        "hidden": bool(total) and too_small,
                        "cells": [
                            (b, counts[b.pk], round(100 * counts[b.pk] / total) if total else 0)
                            for b in sorted(attainment.bands, key=lambda b: -b.order)
                        ]
                        if attainment and total and not too_small
                        else [],
                    }
                )
            lines.append(
                {
                    "nc_year": nc_year,
                    "label": nc_year_label(nc_year),
                    "now": dist,
                    "hidden": hidden,
                    "meeting": None if hidden else _meeting(dist.counts, attainment),
                    "meeting_before": _meeting_before(history, attainment),
                    "progress": now_progress.get((nc_year, subject.pk)),
                    "teacher": teacher.get((nc_year, subject.pk)),
                    "has_framework": (subject.pk, nc_year) in framework_years,
                    "history": history,
                }
            )
        chart = None
        if attainment and lines:
            visible = [line for line in lines if not line["hidden"]]
            chart = charts.stacked_bars(
                f"{subject.name}: attainment bands at {point.name}",
                [line["label"] for line in visible],
                [
                    charts.Series(b.label, b.colour, [line["now"].percent(b) for line in visible])
                    for b in sorted(attainment.bands, key=lambda b: b.order)
                ],
                x_title="Year group",
                y_title="% of pupils",
                alt=(
                    f"Stacked bars: the share of pupils in each attainment band in {subject.name}, "
                    f"by year group, at the {point.name} point. The table below gives the figures."
                ),
            )
        tables.append(
            {
                "subject": subject,
                "lines": lines,
                "chart": chart,
                "no_start": 0 if suppress else no_start[subject.pk],
            }
        )
    return {
        "school": school,
        "year": year,
        "point": point,
        "points": points,
        "previous": closed[-1] if closed else None,
        "summary_years": [nc_year_label(y) for y in years],
        "summary": _summary(tables, years),
        "closed": closed,
        "attainment": attainment,
        "progress": progress,
        "progress_sets": sets.progress_sets,
        "any_teacher_word": bool(teacher),
        "tables": tables,
        "suppress": suppress,
    }


def _meeting(counts: dict[int, int], attainment: Any) -> int | None:
    """% of pupils in bands that meet expectations (None without such bands or pupils)."""
    meets = [b.pk for b in attainment.bands if b.meets_expectation] if attainment else []
    total = sum(counts.values())
    if not meets or not total:
        return None
    return round(100 * sum(counts.get(pk, 0) for pk in meets) / total)


def _meeting_before(history: list[dict[str, Any]], attainment: Any) -> int | None:
    """The same share at the last closed point before, when it may be shown."""
    if not history or history[-1]["hidden"] or not history[-1]["cells"]:
        return None
    return _meeting({b.pk: count for b, count, _ in history[-1]["cells"]}, attainment)


def _summary(tables: list[dict[str, Any]], years: list[int]) -> list[dict[str, Any]]:
    """One line a subject: each year group's share meeting expectations and its change."""
    rows = []
    for t in tables:
        by_year = {line["nc_year"]: line for line in t["lines"]}
        cells: list[dict[str, Any]] = []
        for nc_year in years:
            line = by_year.get(nc_year)
            if line is None:
                cells.append({"state": "none"})
            elif line["hidden"]:
                cells.append({"state": "hidden"})
            else:
                now, before = line["meeting"], line["meeting_before"]
                change = now - before if now is not None and before is not None else None
                cells.append({"state": "shown", "now": now, "change": change})
        rows.append({"subject": t["subject"], "cells": cells})
    return rows


# ---------------------------------------------------------------------------
# Pupil page


@require_safe
@login_required
def pupil_page(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's subjects: bands over the assessment points, gaps and next steps."""
    user = _user(request)
    pupil = access.get_pupil_for_user(user, pupil_id)
    year, point = _year_and_point(pupil.school_id)
    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year=year).order_by("pk").first()
    )
    sets = load_band_sets(pupil.school_id)
    results = point_results(point, pupil_ids=[pupil.pk], sets=sets)
    subjects = list(Subject.objects.filter(school_id=pupil.school_id))
    frameworks = {
        fw.pk: fw for fw in Framework.objects.filter(subject__in=subjects).select_related("subject")
    }
    points = list(
        AssessmentPoint.objects.filter(school_id=pupil.school_id, date__lte=point.date).order_by(
            "date"
        )
    )[-6:]
    attainment = sets.attainment
    trend = pupil_trend(pupil.pk, points, attainment)
    band_labels = (
        [b.label for b in sorted(attainment.bands, key=lambda b: b.order)] if attainment else []
    )
    sections = []
    series = []
    for subject in subjects:
        r = results.rows.get((pupil.pk, subject.pk))
        if r is None or r.framework_id is None:
            continue
        framework = frameworks[r.framework_id]
        prev = next(
            (
                fw
                for fw in frameworks.values()
                if fw.subject_id == subject.pk and fw.nc_year == framework.nc_year - 1
            ),
            None,
        )
        gaps = pupil_gaps(pupil, framework, prev, [school_class.pk] if school_class else [])
        history = trend.get(subject.pk, {})
        values: list[int | None] = [
            history[p.pk][0] if p.pk in history else None for p in points if p.pk != point.pk
        ]
        if results.live or point.pk not in history:
            values.append(r.attainment.shown.order if r.attainment else None)
        else:
            values.append(history[point.pk][0])
        series.append((subject.name, values))
        sections.append(
            {
                "subject": subject,
                "result": r,
                "framework": framework,
                "framework_words": framework_words(r.nc_year, r.framework_year),
                "gaps": gaps,
                "history": [(p, history[p.pk][1] if p.pk in history else "") for p in points],
            }
        )
    point_labels = [f"{p.name} {p.year.name}" for p in points if p.pk != point.pk] + [
        f"{point.name} {point.year.name}" + (" (now)" if results.live else "")
    ]
    chart = None
    if attainment and series:
        chart = charts.band_lines(
            f"{pupil.full_name}: attainment band at each assessment point",
            point_labels,
            band_labels,
            series,
            alt=(
                f"Line chart of {pupil.full_name}'s attainment band in each subject at each "
                "assessment point; the table below each subject gives the same bands."
            ),
        )
    can_edit = school_class is not None and access.can_edit_class(user, school_class)
    return render(
        request,
        "reports/pupil.html",
        {
            "pupil": pupil,
            "school_class": school_class,
            "point": point,
            "year": year,
            "sections": sections,
            "chart": chart,
            "point_labels": point_labels,
            "can_edit": can_edit,
            "frameworks": sorted(frameworks.values(), key=lambda f: (f.subject_id, f.nc_year)),
            "starting_points": list(StartingPoint.objects.filter(school_id=pupil.school_id)),
        },
    )


@require_POST
@login_required
def pupil_tracking(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Set the framework a pupil is assessed against, or their starting point, in a subject."""
    user = _user(request)
    pupil = access.get_pupil_for_user(user, pupil_id)
    year, _ = _year_and_point(pupil.school_id)
    school_class = (
        SchoolClass.objects.filter(enrolments__pupil=pupil, year=year).order_by("pk").first()
    )
    if school_class is None or not access.can_edit_class(user, school_class):
        raise PermissionDenied("You can view this pupil but not change their tracking.")
    subject = get_object_or_404(
        Subject, school_id=pupil.school_id, pk=_int(request.POST.get("subject"))
    )
    reason = request.POST.get("reason", "")[:200]
    back = reverse("report-pupil", args=[pupil.pk])
    try:
        if "framework" in request.POST:
            fw_id = request.POST["framework"]
            framework = (
                get_object_or_404(Framework, subject=subject, pk=_int(fw_id)) if fw_id else None
            )
            services.set_pupil_framework(
                user=user, pupil=pupil, subject=subject, framework=framework, reason=reason
            )
        elif "starting_point" in request.POST:
            sp_id = request.POST["starting_point"]
            sp = (
                get_object_or_404(StartingPoint, school_id=pupil.school_id, pk=_int(sp_id))
                if sp_id
                else None
            )
            services.set_starting_point(
                user=user,
                pupil=pupil,
                subject=subject,
                year_id=year.pk,
                starting_point=sp,
                reason=reason,
            )
        else:
            return HttpResponse("Choose a framework or a starting point", status=400)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return HttpResponseRedirect(back)
    messages.success(request, f"Saved for {subject.name}.")
    return HttpResponseRedirect(back)


def _int(value: Any) -> int:
    found = parse_id(value)
    if found is None:
        raise Http404("Not an id")
    return found
