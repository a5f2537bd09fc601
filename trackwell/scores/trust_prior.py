"""Prior attainment across a trust: progress and attainment within prior groups, by school.

Reads every school of the trust at its current point in a fixed number of
queries (as `reports.trust.load_trust` does), works out each pupil's prior
attainment group as the school's own page does (entered, end of Key Stage 1,
Reception, else last year's final band: `prior.prior_groups_many`, the same
code), and compares the groups across the schools. Small groups are hidden by
the shared `analysis.groups.suppression()`: the parts are each school's year
groups, each with its school's minimum, so that no school's column can be
subtracted from the trust's to show a hidden group.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from trackwell.analysis.groups import pupil_facts, suppression
from trackwell.curriculum.models import Subject
from trackwell.reports.trust import GroupRow, TrustSchool, group_rows

from .models import PriorAttainmentGroup
from .prior import DEFAULT_GROUPS, prior_groups_many


@dataclass
class Cell:
    pupils: int
    attainment_meets: int | None  # % of the group's pupils whose attainment band meets
    progress_meets: int | None
    suppressed: bool = False


@dataclass
class PriorLine:
    key: str
    label: str
    trust: Cell
    schools: list[Cell] = field(default_factory=list)


@dataclass
class PriorBlock:
    subject: str
    lines: list[PriorLine]
    without: int  # pupils with no prior attainment group


def _pct(hits: int, n: int) -> int | None:
    return round(100 * hits / n) if n else None


def _cell(rows: list[GroupRow], minimum: int, hidden: bool) -> Cell:
    att = [r.attainment for r in rows if r.attainment]
    prog = [r.progress for r in rows if r.progress]
    suppressed = hidden or len(rows) < minimum
    if suppressed:
        return Cell(len(rows), None, None, suppressed=True)
    return Cell(
        len(rows),
        _pct(sum(b.shown.meets_expectation for b in att), len(att)),
        _pct(sum(b.shown.meets_expectation for b in prog), len(prog)),
    )


def trust_prior_groups(
    loaded: list[TrustSchool], subjects: list[Subject]
) -> dict[tuple[int, int], str]:
    """Each (pupil, subject) pair's prior group key across the schools, in fixed queries.

    The school's own page's rules (`prior.prior_groups_many`); a school that has
    not opened its prior attainment page yet has no groups of its own: the
    default low, middle and high and their rules are used for it.
    """
    pupils_of_school = {t.school.pk: {r.pupil_id for r in t.rows()} for t in loaded}
    found = prior_groups_many(
        pupils_of_school, subjects, defaults_without_groups=True, by_school=True
    )
    return {pair: p.key for pair, p in found.items()}


def trust_prior_comparison(loaded: Iterable[TrustSchool]) -> tuple[list[PriorBlock], int]:
    """Per subject (matched by name across schools), each prior group by school and trust-wide.

    Always suppressed: the trust's figure by `analysis.groups.suppression()`,
    with each school's year groups as the parts (each with its school's
    minimum) and the schools as the pages between; each school's column when it
    has fewer pupils than the school's minimum; and, where one school's column
    is hidden so, the whole line, so that it cannot be worked out from the
    trust's figure and the other schools' columns.
    Linear in the pupils: rows are grouped by subject, school and group once.
    `loaded` is read once, each school's results reduced to `GroupRow`s (with
    `iter_trust`, a few schools' full results at a time). Returns the blocks
    and the trust-wide minimum group size (the largest of the schools' minimums).
    """
    schools, all_rows = group_rows(loaded)
    minimum = max((s.min_group_size for s in schools), default=5)
    subjects = list(Subject.objects.filter(school__in=schools))
    name_of = {s.pk: s.name for s in subjects}
    pupils_of_school: dict[int, set[int]] = {s.pk: set() for s in schools}
    for r in all_rows:
        pupils_of_school[r.school_id].add(r.pupil_id)
    prior = {
        pair: p.key
        for pair, p in prior_groups_many(
            pupils_of_school, subjects, defaults_without_groups=True, by_school=True
        ).items()
    }
    labels = dict(DEFAULT_GROUPS)
    order = [k for k, _ in DEFAULT_GROUPS]
    for key, label in (
        PriorAttainmentGroup.objects.filter(school__in=schools)
        .order_by("order", "pk")
        .values_list("key", "label")
    ):
        labels.setdefault(key, label)
        if key not in order:
            order.append(key)
    school_of: dict[int, int] = {}
    rows_of_name: dict[str, list[GroupRow]] = {}
    for r in all_rows:
        school_of[r.pupil_id] = r.school_id
        rows_of_name.setdefault(name_of.get(r.subject_id, "").casefold(), []).append(r)
    facts = pupil_facts(set(school_of), schools=[s.pk for s in schools])
    minimums = {s.pk: s.min_group_size for s in schools}
    column = {s.pk: n for n, s in enumerate(schools)}

    def part_minimum(part: Hashable) -> int:
        assert isinstance(part, tuple)
        return minimums[part[0]]

    def school_part(part: Hashable) -> Hashable:
        assert isinstance(part, tuple)
        return part[0]

    blocks = []
    names = sorted({n.casefold(): n for n in name_of.values()}.items())
    for folded, name in names:
        subject_rows = rows_of_name.get(folded, [])
        placed_rows = [
            r for r in subject_rows if (r.pupil_id, r.subject_id) in prior and r.pupil_id in facts
        ]
        group_of = {r.pupil_id: prior[(r.pupil_id, r.subject_id)] for r in placed_rows}
        known = [(k, (lambda f, k=k, g=group_of: g.get(f.pupil_id) == k)) for k in order]
        placed = [(r.pupil_id, (school_of[r.pupil_id], r.nc_year)) for r in placed_rows]
        small, hidden = suppression(
            placed,
            facts,
            known,
            min_size=minimum,
            part_minimum=part_minimum,
            outer_of=school_part,
        )
        # Each group's counted rows, school by school, in one pass.
        by_group: dict[str, list[list[GroupRow]]] = {}
        for r in placed_rows:
            if (school_of[r.pupil_id], r.nc_year) in small:
                continue
            columns = by_group.setdefault(group_of[r.pupil_id], [[] for _ in schools])
            columns[column[school_of[r.pupil_id]]].append(r)
        lines = []
        for key in order:
            columns = by_group.get(key) or [[] for _ in schools]
            inside = [r for rows in columns for r in rows]
            if not inside and key not in labels:
                continue
            is_hidden = bool(hidden.get(key))
            cells = [_cell(columns[n], s.min_group_size, is_hidden) for n, s in enumerate(schools)]
            # A school's small group hidden beside the trust's figure and the other
            # schools' would be their difference: then the whole line is hidden.
            if any(c.suppressed and c.pupils for c in cells):
                is_hidden = True
                cells = [Cell(c.pupils, None, None, suppressed=True) for c in cells]
            lines.append(PriorLine(key, labels[key], _cell(inside, minimum, is_hidden), cells))
        blocks.append(PriorBlock(name, lines, len(subject_rows) - len(placed_rows)))
    return blocks, minimum
