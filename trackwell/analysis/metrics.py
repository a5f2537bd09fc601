"""Per-pupil and per-objective summaries of judgements, aggregated in SQL."""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import Framework, TaughtObjective
from trackwell.pupils.models import SchoolClass


def _pct(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class PupilSummary:
    """One pupil's record against one framework."""

    objectives: int
    taught: int
    assessed: int
    secured: int
    greater_depth: int
    average_depth: float | None

    @property
    def pct_secured_of_taught(self) -> int | None:
        return _pct(self.secured, self.taught)

    @property
    def pct_secured_of_year(self) -> int | None:
        return _pct(self.secured, self.objectives)

    @property
    def pct_greater_depth(self) -> int | None:
        return _pct(self.greater_depth, self.taught)

    def as_dict(self) -> dict[str, object]:
        return {
            "objectives": self.objectives,
            "taught": self.taught,
            "assessed": self.assessed,
            "secured": self.secured,
            "greater_depth": self.greater_depth,
            "average_depth": None if self.average_depth is None else round(self.average_depth, 1),
            "pct_secured_of_taught": self.pct_secured_of_taught,
            "pct_secured_of_year": self.pct_secured_of_year,
            "pct_greater_depth": self.pct_greater_depth,
        }


@dataclass(frozen=True)
class ObjectiveSummary:
    """How a group of pupils stands on one objective."""

    pupils: int
    assessed: int
    secured: int

    @property
    def pct_secured(self) -> int | None:
        return _pct(self.secured, self.pupils)

    def as_dict(self) -> dict[str, object]:
        return {
            "pupils": self.pupils,
            "assessed": self.assessed,
            "secured": self.secured,
            "pct_secured": self.pct_secured,
        }


def _active_judgements(framework: Framework, pupil_ids: Collection[int]):  # type: ignore[no-untyped-def]
    return Judgement.objects.filter(
        pupil_id__in=list(pupil_ids),
        objective__framework=framework,
        objective__archived_at__isnull=True,
        level__isnull=False,
    )


def pupil_summaries(
    school_class: SchoolClass,
    framework: Framework,
    pupil_ids: Collection[int],
    objective_count: int,
) -> dict[int, PupilSummary]:
    """Summaries for each pupil in two queries, whatever the class size.

    An objective counts as taught to a pupil when it is marked taught to the
    class or the pupil has a rating on it (every rating, even the lowest,
    means it was taught).
    """
    taught_ids = TaughtObjective.objects.filter(
        school_class=school_class,
        objective__framework=framework,
        objective__archived_at__isnull=True,
    ).values("objective_id")
    class_taught = taught_ids.count()
    rows = (
        _active_judgements(framework, pupil_ids)
        .values("pupil_id")
        .annotate(
            assessed=Count("id"),
            beyond_taught=Count("id", filter=~Q(objective_id__in=taught_ids)),
            secured=Count("id", filter=Q(level__counts_as_secure=True)),
            greater=Count("id", filter=Q(level__is_greater_depth=True)),
            depth=Avg("level__value"),
        )
    )
    by_pupil = {row["pupil_id"]: row for row in rows}
    result = {}
    for pid in pupil_ids:
        row = by_pupil.get(pid)
        if row is None:
            result[pid] = PupilSummary(objective_count, class_taught, 0, 0, 0, None)
        else:
            result[pid] = PupilSummary(
                objectives=objective_count,
                taught=class_taught + row["beyond_taught"],
                assessed=row["assessed"],
                secured=row["secured"],
                greater_depth=row["greater"],
                average_depth=float(row["depth"]) if row["depth"] is not None else None,
            )
    return result


def objective_summaries(
    framework: Framework, pupil_ids: Collection[int]
) -> dict[int, ObjectiveSummary]:
    """For each objective with any rating, how many of these pupils are assessed and secure."""
    rows = (
        _active_judgements(framework, pupil_ids)
        .values("objective_id")
        .annotate(assessed=Count("id"), secured=Count("id", filter=Q(level__counts_as_secure=True)))
    )
    return {
        row["objective_id"]: ObjectiveSummary(len(pupil_ids), row["assessed"], row["secured"])
        for row in rows
    }
