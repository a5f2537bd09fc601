"""Every table the analysis pages show, as CSV or XLSX with the same figures.

Each export asks the access layer exactly as its page does and builds its rows
from the page's own context function, so a spreadsheet never holds more (or
other) figures than the screen: small groups are suppressed the same way.
All files are written by `trackwell.core.exports`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.analysis.gaps import SharedGap, shared_gaps
from trackwell.assessment.grid import load_grid
from trackwell.core.exports import FORMATS, Table, export_response
from trackwell.core.ids import parse_id
from trackwell.core.models import AssessmentPoint
from trackwell.curriculum.models import Subject
from trackwell.pupils.models import Pupil, nc_year_label

from . import gap_views, views

NOT_SHOWN = "not shown: fewer than {n} pupils"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404("No such format")
    return fmt


def _band_text(b: Any) -> str:
    if b is None:
        return ""
    return b.shown.label + ("" if b.is_confirmed else " (suggested)")


# ---------------------------------------------------------------------------
# The tracking grid


def grid_table(grid: Any) -> Table:
    """Pupils down, objectives across, with each pupil's and each objective's summary."""
    columns = ["Pupil", *[c.objective.code for c in grid.columns]]
    columns += ["Taught", "Assessed", "Secure", "% secure of taught", "% greater depth"]
    columns += ["Average depth"]
    rows: list[list[Any]] = []
    for row in grid.rows:
        s = row.summary
        rows.append(
            [
                row.pupil.full_name,
                *[cell.code or "" for cell in row.cells],
                s.taught,
                s.assessed,
                s.secured,
                s.pct_secured_of_taught,
                s.pct_greater_depth,
                None if s.average_depth is None else round(s.average_depth, 1),
            ]
        )
    rows.append(
        [
            "% secure",
            *[
                c.summary.pct_secured if c.summary and c.summary.assessed else None
                for c in grid.columns
            ],
        ]
    )
    return Table(grid.framework.name, columns, rows)


@require_safe
@login_required
def grid_export(request: HttpRequest, class_id: int, subject_slug: str, fmt: str) -> HttpResponse:
    """The grid as a spreadsheet (the page's framework, filter and order)."""
    fmt = _format(fmt)
    school_class = access.get_class_for_user(views._user(request), class_id)
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    framework_id = parse_id(request.GET.get("framework"))
    grid = load_grid(
        school_class,
        subject,
        framework_id=framework_id,
        filter_key=request.GET.get("filter", ""),
        sort_key=request.GET.get("sort", "name"),
        descending=request.GET.get("dir") == "desc",
    )
    tables = [grid_table(grid), _objectives_table(grid)]
    return export_response(tables, fmt, f"{school_class.name}-{subject.slug}-grid")


def _objectives_table(grid: Any) -> Table:
    return Table(
        "Objectives",
        ["Code", "Strand", "Objective", "Key", "Taught"],
        [
            [
                c.objective.code,
                c.objective.strand.name,
                c.objective.statement,
                c.objective.is_key,
                c.taught,
            ]
            for c in grid.columns
        ],
    )


# ---------------------------------------------------------------------------
# Class overview


def class_overview_table(context: dict[str, Any]) -> Table:
    """Each pupil's attainment and progress band and gaps per subject."""
    columns = ["Pupil"]
    for s in context["subjects"]:
        columns += [f"{s.name} attainment", f"{s.name} progress", f"{s.name} trend"]
        columns += [f"{s.name} gaps"]
    rows = []
    for row in context["rows"]:
        line: list[Any] = [row["pupil"].full_name]
        for cell in row["cells"]:
            if cell is None:
                line += ["", "", "", None]
                continue
            r = cell["result"]
            line += [_band_text(r.attainment), _band_text(cell["progress"])]
            line += [cell["trend"], cell["gaps"]]
        rows.append(line)
    point = context["point"]
    return Table(f"{context['school_class'].name} {point.name}", columns, rows)


@require_safe
@login_required
def class_overview_export(request: HttpRequest, class_id: int, fmt: str) -> HttpResponse:
    """The class overview as a spreadsheet."""
    fmt = _format(fmt)
    school_class = access.get_class_for_user(views._user(request), class_id)
    context = views.class_overview_context(school_class)
    return export_response(class_overview_table(context), fmt, f"{school_class.name}-overview")


# ---------------------------------------------------------------------------
# School overview


def school_overview_tables(context: dict[str, Any]) -> list[Table]:
    """One table per subject: pupils in each band by year group, as the page shows them."""
    attainment = context["attainment"]
    progress = context["progress"]
    school = context["school"]
    bands = sorted(attainment.bands, key=lambda b: -b.order) if attainment else []
    progress_bands = sorted(progress.bands, key=lambda b: -b.order) if progress else []
    tables = []
    for t in context["tables"]:
        columns = ["Year group", "Pupils"]
        columns += [f"{b.label} (pupils)" for b in bands] + [f"{b.label} (%)" for b in bands]
        columns += [f"Progress: {b.label} (pupils)" for b in progress_bands]
        columns += ["Note"]
        rows: list[list[Any]] = []
        for line in t["lines"]:
            if line["hidden"]:
                blanks = [None] * (1 + 2 * len(bands) + len(progress_bands))
                rows.append([line["label"], *blanks, NOT_SHOWN.format(n=school.min_group_size)])
                continue
            cells = {b.pk: (count, pct) for b, count, pct in line["now"].cells()}
            prog = (
                {b.pk: count for b, count, _ in line["progress"].cells()}
                if line["progress"]
                else {}
            )
            rows.append(
                [
                    line["label"],
                    line["now"].total,
                    *[cells.get(b.pk, (0, 0))[0] for b in bands],
                    *[cells.get(b.pk, (0, 0))[1] for b in bands],
                    *[prog.get(b.pk) if prog else None for b in progress_bands],
                    "" if prog or not progress_bands else "no earlier point",
                ]
            )
        tables.append(Table(t["subject"].name, columns, rows))
    return tables


@require_safe
@login_required
def school_overview_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The school overview as a spreadsheet (small groups hidden as on the page)."""
    fmt = _format(fmt)
    user = views._user(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    context = views.school_overview_context(school, suppress=access.suppresses_small_groups(user))
    name = f"school-overview-{context['point'].name}-{context['year'].name}"
    return export_response(school_overview_tables(context), fmt, name)


# ---------------------------------------------------------------------------
# Group comparison


GROUP_COLUMNS = [
    "Group",
    "Pupils",
    "Meeting expectations (%)",
    "Other pupils (%)",
    "Difference (points)",
    "Mean % secure of the year",
    "Other pupils",
    "Difference (points)",
    "Good or better progress (%)",
    "Other pupils (%)",
    "Note",
]


def _comparison_row(c: Any) -> list[Any]:
    if c.suppressed:
        why = {
            "derivable": "not shown: could be worked out by subtraction from groups shown",
            "part": "not shown: year groups that cannot show it hold too few of its pupils",
        }.get(c.reason, NOT_SHOWN.format(n=c.min_size))
        return [c.label, *([None] * 9), why]
    return [
        c.label,
        c.group.pupils,
        c.group.meets,
        c.others.meets,
        c.meets_difference,
        c.group.secure,
        c.others.secure,
        c.secure_difference,
        c.group.progress_meets,
        c.others.progress_meets,
        "",
    ]


def group_tables(by_subject: list[dict[str, Any]]) -> list[Table]:
    """One table per subject: each group beside all other pupils."""
    return [
        Table(
            block["subject"].name,
            GROUP_COLUMNS,
            [_comparison_row(c) for c in block["comparisons"]],
        )
        for block in by_subject
    ]


@require_safe
@login_required
def groups_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The group comparison as a spreadsheet (the page's point and year group)."""
    fmt = _format(fmt)
    user = views._user(request)
    if not access.sees_aggregates(user):
        raise Http404("No such page")
    school = access.school_of(user)
    _, point = views._year_and_point(school.pk)
    if (point_id := parse_id(request.GET.get("point"))) is not None:
        point = AssessmentPoint.objects.filter(school=school, pk=point_id).first() or point
    by_subject, _ = views.group_comparison_context(
        school, point, request.GET.get("year", ""), suppress=access.suppresses_small_groups(user)
    )
    return export_response(group_tables(by_subject), fmt, f"groups-{point.name}")


# ---------------------------------------------------------------------------
# Gaps


def gaps_table(title: str, gaps: list[SharedGap]) -> Table:
    """Objectives by how many pupils are not yet secure, with those pupils."""
    return Table(
        title,
        ["Code", "Objective", "Key", "Not yet secure", "Pupils", "Share (%)", "Pupils not secure"],
        [
            [
                g.objective.code,
                g.objective.statement,
                g.objective.is_key,
                g.count,
                g.pupils,
                g.share,
                ", ".join(p.full_name for p in g.not_secure),
            ]
            for g in gaps
        ],
    )


def _class_pupils(class_id: int) -> list[Pupil]:
    return list(
        Pupil.objects.filter(enrolments__school_class_id=class_id).order_by(
            "last_name", "first_name", "pk"
        )
    )


@require_safe
@login_required
def class_gaps_export(
    request: HttpRequest, class_id: int, subject_slug: str, fmt: str
) -> HttpResponse:
    """A class's gaps as a spreadsheet."""
    fmt = _format(fmt)
    school_class = access.get_class_for_user(views._user(request), class_id)
    subject = get_object_or_404(Subject, school_id=school_class.school_id, slug=subject_slug)
    framework = gap_views.framework_for(subject, school_class.nc_year)
    pupils = _class_pupils(school_class.pk)
    elsewhere = gap_views.on_other_framework([p.pk for p in pupils], subject, framework)
    gaps = shared_gaps([p for p in pupils if p.pk not in elsewhere], framework, [school_class.pk])
    title = f"{school_class.name} {subject.name} gaps"
    return export_response(gaps_table(title, gaps), fmt, title)


@require_safe
@login_required
def year_gaps_export(
    request: HttpRequest, nc_year: int, subject_slug: str, fmt: str
) -> HttpResponse:
    """A year group's shared gaps as a spreadsheet."""
    fmt = _format(fmt)
    user = views._user(request)
    if not access.sees_pupils(user):
        raise Http404("No such page")
    school = access.school_of(user)
    subject = get_object_or_404(Subject, school=school, slug=subject_slug)
    framework = gap_views.framework_for(subject, nc_year)
    pupils, class_ids = gap_views.year_group_pupils(user, nc_year)
    elsewhere = gap_views.on_other_framework([p.pk for p in pupils], subject, framework)
    gaps = shared_gaps([p for p in pupils if p.pk not in elsewhere], framework, class_ids)
    title = f"{nc_year_label(nc_year)} {subject.name} gaps"
    return export_response(gaps_table(title, gaps), fmt, title)
