"""Loading the tracking grid: a class's pupils against a framework's objectives.

A fixed number of queries whatever the size of the class or framework.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from trackwell.analysis.metrics import (
    ObjectiveSummary,
    PupilSummary,
    objective_summaries,
    pupil_summaries,
)
from trackwell.assessment.models import ClassFramework, Judgement
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingLevel,
    Strand,
    Subject,
    TaughtObjective,
)
from trackwell.pupils.models import Pupil, PupilGroup, SchoolClass, SenStatus, Sex

# Built-in pupil filters: key -> (label, queryset filter).
PUPIL_FILTERS: dict[str, tuple[str, dict[str, object]]] = {
    "disadvantaged": ("Disadvantaged (pupil premium)", {"disadvantaged": True}),
    "not-disadvantaged": ("Not disadvantaged", {"disadvantaged": False}),
    "fsm": ("Free school meals", {"fsm": True}),
    "sen": ("Any SEN", {"sen_status__in": [SenStatus.SUPPORT, SenStatus.EHCP]}),
    "sen-support": ("SEN support", {"sen_status": SenStatus.SUPPORT}),
    "ehcp": ("EHC plan", {"sen_status": SenStatus.EHCP}),
    "eal": ("EAL", {"eal": True}),
    "looked-after": ("Looked after", {"looked_after": True}),
    "female": ("Girls", {"sex": Sex.FEMALE}),
    "male": ("Boys", {"sex": Sex.MALE}),
}

SORTS = {
    "name": "Surname",
    "first": "First name",
    "secured": "% secure of taught",
    "depth": "Average depth",
    "greater": "% greater depth",
}


@dataclass
class Cell:
    objective: Objective
    code: str | None
    value: int | None
    version: int
    note: str
    taught: bool

    @property
    def css(self) -> str:
        classes = ["cell"]
        if self.value is not None:
            classes.append(f"lv-{self.value}")
        if not self.taught:
            classes.append("untaught")
        if self.note:
            classes.append("has-note")
        return " ".join(classes)


@dataclass
class Row:
    pupil: Pupil
    cells: list[Cell]
    summary: PupilSummary


@dataclass
class Column:
    objective: Objective
    taught: bool
    summary: ObjectiveSummary | None


@dataclass
class StrandHeading:
    strand: Strand
    span: int


@dataclass
class Grid:
    school_class: SchoolClass
    subject: Subject
    framework: Framework
    frameworks: list[Framework]
    levels: list[RatingLevel]
    strands: list[StrandHeading]
    columns: list[Column]
    rows: list[Row]
    groups: list[PupilGroup]
    filter_key: str
    sort_key: str
    descending: bool
    class_size: int = 0
    filters: dict[str, str] = field(default_factory=dict)


def frameworks_for(subject: Subject) -> QuerySet[Framework]:
    return Framework.objects.filter(subject=subject).order_by("nc_year")


def choose_framework(
    school_class: SchoolClass,
    subject: Subject,
    frameworks: list[Framework],
    framework_id: int | None,
) -> Framework:
    """The requested framework, else the class's chosen one, else its year's, else the nearest
    below it."""
    if framework_id is not None:
        for fw in frameworks:
            if fw.pk == framework_id:
                return fw
        raise Http404("No such framework for this subject")
    if not frameworks:
        raise Http404("This subject has no frameworks yet")
    chosen = (
        ClassFramework.objects.filter(school_class=school_class, subject=subject)
        .values_list("framework_id", flat=True)
        .first()
    )
    for fw in frameworks:
        if fw.pk == chosen:
            return fw  # chosen for the class (at the rollover)
    exact = [fw for fw in frameworks if fw.nc_year == school_class.nc_year]
    if exact:
        return exact[0]
    below = [fw for fw in frameworks if fw.nc_year < school_class.nc_year]
    return below[-1] if below else frameworks[0]


def filtered_pupils(school_class: SchoolClass, filter_key: str) -> QuerySet[Pupil]:
    qs = Pupil.objects.filter(enrolments__school_class=school_class)
    if filter_key in PUPIL_FILTERS:
        qs = qs.filter(**PUPIL_FILTERS[filter_key][1])
    elif filter_key.startswith("group-"):
        try:
            group_id = int(filter_key.removeprefix("group-"))
        except ValueError as exc:
            raise Http404("Unknown filter") from exc
        qs = qs.filter(groups__id=group_id, groups__school_id=school_class.school_id)
    elif filter_key:
        raise Http404("Unknown filter")
    return qs.order_by("last_name", "first_name", "pk")


def load_grid(
    school_class: SchoolClass,
    subject: Subject,
    *,
    framework_id: int | None = None,
    filter_key: str = "",
    sort_key: str = "name",
    descending: bool = False,
) -> Grid:
    """Everything the grid page shows, in a constant number of queries."""
    frameworks = list(frameworks_for(subject).select_related("scale"))
    framework = choose_framework(school_class, subject, frameworks, framework_id)
    levels = list(framework.scale.levels.all())
    level_by_id = {level.pk: level for level in levels}
    objectives = list(
        Objective.objects.filter(framework=framework, archived_at__isnull=True)
        .select_related("strand")
        .order_by("strand__order", "strand_id", "order", "pk")
    )
    pupils = list(filtered_pupils(school_class, filter_key))
    pupil_ids = [p.pk for p in pupils]
    class_size = school_class.enrolments.count()
    taught = set(
        TaughtObjective.objects.filter(
            school_class=school_class, objective__framework=framework
        ).values_list("objective_id", flat=True)
    )
    judgements = {
        (j["pupil_id"], j["objective_id"]): j
        for j in Judgement.objects.filter(
            pupil_id__in=pupil_ids,
            objective__framework=framework,
            objective__archived_at__isnull=True,
        ).values("pupil_id", "objective_id", "level_id", "version", "note")
    }
    summaries = pupil_summaries(school_class, framework, pupil_ids, len(objectives))
    col_summaries = objective_summaries(framework, pupil_ids)

    strands: list[StrandHeading] = []
    for objective in objectives:
        if strands and strands[-1].strand.pk == objective.strand_id:
            strands[-1].span += 1
        else:
            strands.append(StrandHeading(objective.strand, 1))
    columns = [
        Column(
            o,
            o.pk in taught,
            col_summaries.get(o.pk, ObjectiveSummary(len(pupil_ids), 0, 0)) if pupil_ids else None,
        )
        for o in objectives
    ]
    # A grid is hundreds of cells: each objective's id and taught flag are read once.
    heads = [(objective, objective.id, objective.id in taught) for objective in objectives]
    rows = []
    for pupil in pupils:
        pupil_id = pupil.id
        cells = []
        for objective, objective_id, is_taught in heads:
            j = judgements.get((pupil_id, objective_id))
            if j is None:
                cells.append(Cell(objective, None, None, 0, "", is_taught))
                continue
            level = level_by_id.get(j["level_id"]) if j["level_id"] else None
            cells.append(
                Cell(
                    objective=objective,
                    code=level.code if level else None,
                    value=level.value if level else None,
                    version=j["version"],
                    note=j["note"],
                    taught=is_taught,
                )
            )
        rows.append(Row(pupil, cells, summaries[pupil_id]))
    rows = sort_rows(rows, sort_key, descending)
    groups = list(PupilGroup.objects.filter(school_id=school_class.school_id))
    filters = {key: label for key, (label, _) in PUPIL_FILTERS.items()}
    filters.update({f"group-{g.pk}": g.name for g in groups})
    return Grid(
        school_class=school_class,
        subject=subject,
        framework=framework,
        frameworks=frameworks,
        levels=levels,
        strands=strands,
        columns=columns,
        rows=rows,
        groups=groups,
        filter_key=filter_key,
        sort_key=sort_key,
        descending=descending,
        class_size=class_size,
        filters=filters,
    )


def sort_rows(rows: list[Row], sort_key: str, descending: bool) -> list[Row]:
    """Order rows by a pupil attribute or a summary figure (missing figures last)."""
    if sort_key == "first":
        return sorted(
            rows, key=lambda r: (r.pupil.first_name, r.pupil.last_name), reverse=descending
        )
    if sort_key in {"secured", "depth", "greater"}:

        def figure(r: Row) -> float:
            value = {
                "secured": r.summary.pct_secured_of_taught,
                "depth": r.summary.average_depth,
                "greater": r.summary.pct_greater_depth,
            }[sort_key]
            return -1.0 if value is None else float(value)

        return sorted(rows, key=figure, reverse=descending)
    return sorted(rows, key=lambda r: (r.pupil.last_name, r.pupil.first_name), reverse=descending)


@dataclass
class BulkPlan:
    """What a bulk rating would do, so the page can ask before it changes anything."""

    objective: Objective
    level_code: str
    level_label: str
    taught: bool
    # (pupil, the rating they hold now) for every ticked pupil whose rating would change.
    changes: list[tuple[Pupil, str]]


def bulk_plan(
    school_class: SchoolClass,
    framework: Framework,
    objective_id: int,
    code: str,
    pupil_ids: list[int],
) -> BulkPlan:
    """Read (without writing) which existing ratings a bulk change would replace."""
    try:
        objective = Objective.objects.get(
            pk=objective_id, framework=framework, archived_at__isnull=True
        )
    except Objective.DoesNotExist as exc:
        raise ValidationError(
            f"Objective {objective_id} is not a current objective of {framework.name}.",
            code="objective_outside_framework",
        ) from exc
    levels = {lv.code.upper(): lv for lv in framework.scale.levels.all()}
    level = levels.get(code.strip().upper())
    if level is None:
        allowed = ", ".join(lv.code for lv in levels.values())
        raise ValidationError(
            f"Unknown rating code {code!r}: the {framework.scale.name} scale uses {allowed}.",
            code="unknown_rating",
        )
    held = (
        Judgement.objects.filter(
            objective=objective, pupil_id__in=pupil_ids, pupil__school_id=school_class.school_id
        )
        .exclude(level__isnull=True)
        .exclude(level=level)
        .select_related("pupil", "level")
        .order_by("pupil__last_name", "pupil__first_name")
    )
    return BulkPlan(
        objective=objective,
        level_code=level.code,
        level_label=level.label,
        taught=TaughtObjective.objects.filter(
            school_class=school_class, objective=objective
        ).exists(),
        changes=[(j.pupil, j.level.code if j.level else "") for j in held],
    )


__all__ = ["PUPIL_FILTERS", "SORTS", "BulkPlan", "Grid", "bulk_plan", "load_grid"]
