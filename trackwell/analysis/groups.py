"""Groups of pupils compared with all other pupils, with small groups suppressed where asked."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
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


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    group: Side
    others: Side
    suppressed: bool
    min_size: int

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


def compare_groups(
    rows: list[PupilResult],
    facts: dict[int, PupilFacts],
    choices: list[tuple[str, str]],
    *,
    min_size: int,
    suppress: bool,
) -> list[Comparison]:
    """Each group beside all other pupils in the rows (one subject's rows, usually)."""
    result = []
    for key, label in choices:
        test = group_test(key)
        if test is None:
            continue
        inside = [r for r in rows if r.pupil_id in facts and test(facts[r.pupil_id])]
        outside = [r for r in rows if r.pupil_id in facts and not test(facts[r.pupil_id])]
        group, others = _side(inside), _side(outside)
        hidden = suppress and (group.pupils < min_size or others.pupils < min_size)
        result.append(Comparison(key, label, group, others, hidden, min_size))
    return result
