"""Groups of pupils compared with all other pupils, with small groups suppressed where asked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import date

from trackwell.pupils.models import Pupil, PupilGroup, SenStatus, Sex

from .evaluation import PupilResult


@dataclass(frozen=True)
class PupilFacts:
    pupil_id: int
    sex: str
    date_of_birth: date
    disadvantaged: bool
    fsm: bool
    sen_status: str
    eal: bool
    looked_after: bool
    groups: frozenset[int]


def is_summer_born(d: date) -> bool:
    """Born between 1 April and 31 August: the youngest in their year group."""
    return 4 <= d.month <= 8


BUILT_IN: list[tuple[str, str, Callable[[PupilFacts], bool]]] = [
    ("female", "Girls", lambda p: p.sex == Sex.FEMALE),
    ("male", "Boys", lambda p: p.sex == Sex.MALE),
    ("disadvantaged", "Disadvantaged (pupil premium)", lambda p: p.disadvantaged),
    ("fsm", "Free school meals", lambda p: p.fsm),
    ("sen", "Any SEN", lambda p: p.sen_status != SenStatus.NONE),
    ("sen-support", "SEN support", lambda p: p.sen_status == SenStatus.SUPPORT),
    ("ehcp", "EHC plan", lambda p: p.sen_status == SenStatus.EHCP),
    ("eal", "EAL", lambda p: p.eal),
    ("looked-after", "Looked after", lambda p: p.looked_after),
    ("summer-born", "Summer-born", lambda p: is_summer_born(p.date_of_birth)),
]


def pupil_facts(pupil_ids: Collection[int]) -> dict[int, PupilFacts]:
    """Contextual facts for these pupils in two queries."""
    through = Pupil.groups.through
    memberships: dict[int, set[int]] = {}
    for pupil_id, group_id in through.objects.filter(pupil_id__in=list(pupil_ids)).values_list(
        "pupil_id", "pupilgroup_id"
    ):
        memberships.setdefault(pupil_id, set()).add(group_id)
    return {
        row[0]: PupilFacts(*row, groups=frozenset(memberships.get(row[0], ())))
        for row in Pupil.objects.filter(pk__in=list(pupil_ids)).values_list(
            "pk",
            "sex",
            "date_of_birth",
            "disadvantaged",
            "fsm",
            "sen_status",
            "eal",
            "looked_after",
        )
    }


def group_choices(school_groups: Iterable[PupilGroup]) -> list[tuple[str, str]]:
    return [(k, label) for k, label, _ in BUILT_IN] + [
        (f"group-{g.pk}", g.name) for g in school_groups
    ]


def group_test(key: str) -> Callable[[PupilFacts], bool] | None:
    for k, _, test in BUILT_IN:
        if k == key:
            return test
    if key.startswith("group-") and key.removeprefix("group-").isdigit():
        group_id = int(key.removeprefix("group-"))
        return lambda p: group_id in p.groups
    return None


@dataclass(frozen=True)
class Side:
    pupils: int
    meets: int | None  # % in an attainment band that meets expectations
    progress_meets: int | None  # % in a progress band that meets expectations
    secure: float | None  # mean % secure of the year


# Why a comparison is not shown (empty when it is shown).
TOO_SMALL = "small"  # the group, or the pupils it is compared with, is below the minimum
SMALL_PART = "part"  # one year group's (or school's) part of either side is below its minimum
DERIVABLE = "derivable"  # subtracting two shown figures would give a small set of pupils


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    group: Side
    others: Side
    suppressed: bool
    min_size: int
    reason: str = ""  # TOO_SMALL, SMALL_PART or DERIVABLE when suppressed
    partial: bool = False  # year groups smaller than the minimum were left out of both sides

    @property
    def meets_difference(self) -> int | None:
        if self.group.meets is None or self.others.meets is None:
            return None
        return self.group.meets - self.others.meets

    @property
    def secure_difference(self) -> float | None:
        if self.group.secure is None or self.others.secure is None:
            return None
        return round(self.group.secure - self.others.secure, 1)


def _side(rows: list[PupilResult]) -> Side:
    attainment = [r.attainment for r in rows if r.attainment]
    progress = [r.progress for r in rows if r.progress]
    secure = [
        r.figures["pct_secure_of_year"]
        for r in rows
        if r.figures.get("pct_secure_of_year") is not None
    ]
    return Side(
        pupils=len({r.pupil_id for r in rows}),
        meets=round(100 * sum(b.shown.meets_expectation for b in attainment) / len(attainment))
        if attainment
        else None,
        progress_meets=round(100 * sum(b.shown.meets_expectation for b in progress) / len(progress))
        if progress
        else None,
        secure=round(sum(s for s in secure if s is not None) / len(secure), 1) if secure else None,
    )


def _by_year(row: PupilResult) -> Hashable:
    return row.nc_year


Members = dict[str, frozenset[int]]  # group key -> its pupils among those compared


def _suppressed(
    members: Members,
    everyone: frozenset[int],
    part_of_pupil: dict[int, Hashable],
    *,
    min_size: int,
    minimum_of: Callable[[Hashable], int],
    part_reasons: dict[Hashable, dict[str, str]] | None,
) -> dict[str, str]:
    """Group key -> why it is not shown, for the keys not shown (see `compare_groups`)."""

    def safe(pupils: frozenset[int]) -> bool:
        counts = Counter(part_of_pupil[p] for p in pupils)
        return all(n >= minimum_of(part) for part, n in counts.items())

    def hidden_in_a_part(key: str, inside: frozenset[int]) -> str:
        """Why a part holding some of the group and some others hides it on its own page."""
        if part_reasons is None:
            return ""
        parts_in = {part_of_pupil[p] for p in inside}
        parts_out = {part_of_pupil[p] for p in everyone - inside}
        found = {part_reasons[part].get(key, "") for part in parts_in & parts_out} - {""}
        return DERIVABLE if found == {DERIVABLE} else SMALL_PART if found else ""

    reasons: dict[str, str] = {}
    shown: list[tuple[frozenset[int], frozenset[int]]] = []
    for key, inside in members.items():
        rest = everyone - inside
        if len(inside) < min_size or len(rest) < min_size:
            reasons[key] = TOO_SMALL
        elif not (safe(inside) and safe(rest)):
            reasons[key] = SMALL_PART
        elif hidden_in_a_part(key, inside):
            reasons[key] = hidden_in_a_part(key, inside)
        elif any(
            not safe(big - small)
            for earlier in shown
            for x in (inside, rest)
            for y in earlier
            for small, big in ((x, y), (y, x))
            if small <= big
        ):
            reasons[key] = DERIVABLE
        else:
            shown.append((inside, rest))
    return reasons


def compare_groups(
    rows: list[PupilResult],
    facts: dict[int, PupilFacts],
    choices: list[tuple[str, str]],
    *,
    min_size: int,
    suppress: bool,
    part_of: Callable[[PupilResult], Hashable] = _by_year,
    part_minimum: Callable[[Hashable], int] | None = None,
) -> list[Comparison]:
    """Each group beside all other pupils in the rows (one subject's rows, usually).

    With `suppress`, nothing shown can be subtracted from anything else shown, on
    this page or on the same page for one part, to give the figures of fewer
    pupils than the minimum (docs/analysis.md, "Suppression"). The rows fall into
    parts, each of which can be shown on its own (the `?year=` filter): by default
    year groups; across a trust, each school's year groups (`part_of`), each with
    its school's minimum (`part_minimum`, by default `min_size`).

    1. Parts with fewer pupils than their minimum are left out of both sides of
       every comparison (`partial` says so); their own page shows nothing.
    2. Primary suppression: a group is hidden when it or the pupils it is compared
       with number fewer than `min_size`.
    3. A group is hidden when, in any part holding some of its pupils and some
       others, that part's own page hides it (for example a year group holding 1 to
       4 of its pupils, or 1 to 4 others). So the figures here are sums of figures
       shown part by part, and subtracting one part's page from this one gives
       nothing hidden.
    4. Secondary suppression: the page shows, for each group G, G and "all but G".
       When one shown set holds another (Any SEN holds SEN support; girls hold
       everyone but boys), subtracting gives their difference, so that must be
       empty or reach the minimum in every part. Groups are taken in the order
       listed; one whose sets would give a small difference with a group already
       shown is hidden too.
    """
    minimum_of = part_minimum or (lambda _part: min_size)
    rows = [r for r in rows if r.pupil_id in facts]
    tests = [(key, label, group_test(key)) for key, label in choices]
    known = [(key, label, test) for key, label, test in tests if test is not None]
    partial = False
    reasons: dict[str, str] = {}
    if suppress:
        sizes = Counter(part_of(r) for r in rows)
        small = {part for part, n in sizes.items() if n < minimum_of(part)}
        if small:
            rows = [r for r in rows if part_of(r) not in small]
            partial = True
        part_of_pupil = {r.pupil_id: part_of(r) for r in rows}
        everyone = frozenset(part_of_pupil)
        members = {key: frozenset(p for p in everyone if test(facts[p])) for key, _, test in known}
        part_reasons = {
            part: _suppressed(
                {key: inside & in_part for key, inside in members.items()},
                in_part,
                part_of_pupil,
                min_size=minimum_of(part),
                minimum_of=minimum_of,
                part_reasons=None,
            )
            for part in set(part_of_pupil.values())
            for in_part in [frozenset(p for p in everyone if part_of_pupil[p] == part)]
        }
        reasons = _suppressed(
            members,
            everyone,
            part_of_pupil,
            min_size=min_size,
            minimum_of=minimum_of,
            part_reasons=part_reasons,
        )
    result = []
    for key, label, test in known:
        inside = [r for r in rows if test(facts[r.pupil_id])]
        outside = [r for r in rows if not test(facts[r.pupil_id])]
        reason = reasons.get(key, "")
        result.append(
            Comparison(
                key,
                label,
                _side(inside),
                _side(outside),
                bool(reason),
                min_size,
                reason,
                partial,
            )
        )
    return result
