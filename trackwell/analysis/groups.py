"""Groups of pupils compared with all other pupils, with small groups suppressed where asked."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from typing import Any, Protocol, TypeVar

from django.db.models import QuerySet

from trackwell.pupils.models import Pupil, PupilGroup, SenStatus, Sex

from .group_suppression import DERIVABLE as DERIVABLE
from .group_suppression import SMALL_PART as SMALL_PART
from .group_suppression import TOO_SMALL as TOO_SMALL
from .group_suppression import Mask, _mask, _run, suppression
from .group_suppression import Members as Members
from .models import Band


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


_FACTS = ("pk", "sex", "date_of_birth", "disadvantaged", "fsm", "sen_status", "eal", "looked_after")


def pupil_facts(
    pupil_ids: Collection[int], *, schools: Collection[int] | None = None
) -> dict[int, PupilFacts]:
    """Contextual facts for these pupils in two queries.

    With `schools` (the schools the pupils were read from), the pupils are found by
    their school rather than by an IN list of every pupil's id, which for a trust
    would grow with its pupils (SQLite caps a statement's parameters); any wanted
    pupil belonging to none of these schools is then read by id.
    """
    wanted = set(pupil_ids)
    through = Pupil.groups.through.objects
    if schools is None:
        ids = list(wanted)
        return _facts(Pupil.objects.filter(pk__in=ids), through.filter(pupil_id__in=ids), wanted)
    school_ids = list(schools)
    found = _facts(
        Pupil.objects.filter(school_id__in=school_ids),
        through.filter(pupil__school_id__in=school_ids),
        wanted,
    )
    missing = wanted - set(found)
    if missing:
        ids = list(missing)
        found.update(
            _facts(Pupil.objects.filter(pk__in=ids), through.filter(pupil_id__in=ids), missing)
        )
    return found


def _facts(
    pupils: QuerySet[Pupil], memberships_of: QuerySet[Any], wanted: set[int]
) -> dict[int, PupilFacts]:
    """The facts of the wanted ones of these pupils, with their groups (two queries)."""
    memberships: dict[int, set[int]] = {}
    for pupil_id, group_id in memberships_of.values_list("pupil_id", "pupilgroup_id"):
        if pupil_id in wanted:
            memberships.setdefault(pupil_id, set()).add(group_id)
    return {
        pk: PupilFacts(
            pk,
            sex,
            born,
            disadvantaged,
            fsm,
            sen,
            eal,
            looked_after,
            frozenset(memberships.get(pk, ())),
        )
        for pk, sex, born, disadvantaged, fsm, sen, eal, looked_after in pupils.values_list(
            *_FACTS
        ).iterator(chunk_size=2000)
        if pk in wanted
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


class _Banded(Protocol):
    @property
    def shown(self) -> Band: ...


class Compared(Protocol):
    """What comparing groups reads of a row: a `PupilResult`, or a smaller row that has
    these (`reports.trust.GroupRow`, for a whole trust's pupils at once)."""

    @property
    def pupil_id(self) -> int: ...

    @property
    def nc_year(self) -> int: ...

    @property
    def figures(self) -> Mapping[str, float | None]: ...

    @property
    def attainment(self) -> _Banded | None: ...

    @property
    def progress(self) -> _Banded | None: ...


Row = TypeVar("Row", bound=Compared)


def _by_year(row: Compared) -> Hashable:
    return row.nc_year


@dataclass
class CompareMemo:
    """What `compare_groups` worked out for one set of pupils, kept for the next call of the
    same page (the same `facts`, `choices`, `min_size`, `part_of`, `part_minimum` and
    `outer_of`): a page's subjects usually have the same pupils."""

    # Parts left out and why each group is hidden, by the (pupil, part) pairs compared.
    suppression: dict[tuple[tuple[int, Hashable], ...], tuple[set[Hashable], dict[str, str]]] = (
        field(default_factory=dict)
    )
    # Each group's pupils among the rows (a flag per row), by the rows' pupils.
    members: dict[tuple[int, ...], dict[str, tuple[list[bool], Mask]]] = field(default_factory=dict)
    # What each part's own page, and each page between (a school's), hides, by exactly
    # what decides it (see `suppression`): subjects whose pupils differ in one year group
    # still share every other year group's, and every school's without that year group.
    pages: dict[Hashable, dict[str, str]] = field(default_factory=dict)


def compare_groups(
    rows: Sequence[Row],
    facts: dict[int, PupilFacts],
    choices: list[tuple[str, str]],
    *,
    min_size: int,
    suppress: bool,
    part_of: Callable[[Row], Hashable] = _by_year,
    part_minimum: Callable[[Hashable], int] | None = None,
    outer_of: Callable[[Hashable], Hashable] | None = None,
    memo: CompareMemo | None = None,
) -> list[Comparison]:
    """Each group beside all other pupils in the rows (one subject's rows, usually).

    With `suppress`, nothing shown can be subtracted from anything else shown, on
    this page or on the same page for one part, to give the figures of fewer
    pupils than the minimum (docs/analysis.md, "Suppression"). The rows fall into
    parts, each of which can be shown on its own (the `?year=` filter): by default
    year groups; across a trust, each school's year groups (`part_of`), each with
    its school's minimum (`part_minimum`, by default `min_size`). Across a trust,
    `outer_of` names the page between the two (a part's school), whose own page
    can be subtracted too.

    1. Parts with fewer pupils than their minimum are left out of both sides of
       every comparison (`partial` says so); their own page shows nothing.
    2. Primary suppression: a group is hidden when it or the pupils it is compared
       with number fewer than `min_size`.
    3. Parts' pages: each part's page shows its share of a group only where that
       page shows the group. Taking those shares away from a figure here leaves
       the group's pupils in the other parts; the group is hidden when that
       remainder (of the group, or of the pupils it is compared with) has between
       one pupil and the minimum. A remainder of none, or of the minimum or more,
       reveals no small group, so a year group holding two disadvantaged pupils
       does not hide the whole school's disadvantaged figure when other hidden
       year groups make the remainder large enough.
    4. Secondary suppression: the page shows, for each group G, G and "all but G".
       When one shown set holds another (Any SEN holds SEN support; girls hold
       everyone but boys), subtracting gives their difference, so that must be
       empty or reach the minimum, here and in what the parts' pages leave over.
       Groups are taken in the order listed; one whose sets would give a small
       difference with a group already shown is hidden too.

    `memo`, shared by the calls of one page (see `CompareMemo`), keeps what
    suppression decided and who is in each group for a set of pupils: the subjects
    of a page usually have the same pupils, so that is worked out once rather than
    once for each subject.
    """
    rows = [r for r in rows if r.pupil_id in facts]
    tests = [(key, label, group_test(key)) for key, label in choices]
    known = [(key, label, test) for key, label, test in tests if test is not None]
    partial = False
    reasons: dict[str, str] = {}
    if suppress:
        placed = tuple((r.pupil_id, part_of(r)) for r in rows)
        found = memo.suppression.get(placed) if memo is not None else None
        if found is None:
            found = suppression(
                placed,
                facts,
                [(key, test) for key, _, test in known],
                min_size=min_size,
                part_minimum=part_minimum,
                outer_of=outer_of,
                pages=memo.pages if memo is not None else None,
            )
            if memo is not None:
                memo.suppression[placed] = found
        small, reasons = found
        if small:
            rows = [r for r in rows if part_of(r) not in small]
            partial = True
    # What each row adds to a side, read once; each group's rows as a flag per row and a mask.
    sides = _Sides(rows)
    pupils = tuple(sides.pupils)
    members = memo.members.get(pupils) if memo is not None else None
    if members is None:
        row_facts = [facts[p] for p in pupils]
        members = {}
        for key, _, test in known:
            flags = [test(pupil) for pupil in row_facts]
            members[key] = (flags, _mask(i for i, inside in enumerate(flags) if inside))
        if memo is not None:
            memo.members[pupils] = members
    result = []
    for key, label, _ in known:
        flags, mask = members[key]
        reason = reasons.get(key, "")
        result.append(
            Comparison(
                key,
                label,
                sides.side(flags, mask),
                sides.side([not inside for inside in flags], sides.every & ~mask),
                bool(reason),
                min_size,
                reason,
                partial,
            )
        )
    return result


class _Sides:
    """What each row adds to a side, read once; then any side's figures from its rows' flags.

    A page compares some 25 groups over the same rows. The shares meeting
    expectations are counted over bit masks of the rows (bit i for row i); the mean
    % secure is summed over the side's rows in row order, as summing them one by one
    gives (a row without one adds 0.0, which leaves a sum of floats as it was).
    """

    __slots__ = (
        "att_meets",
        "att_shown",
        "every",
        "pro_meets",
        "pro_shown",
        "pupils",
        "secure",
        "secure_shown",
        "unique",
    )

    def __init__(self, rows: Sequence[Compared]) -> None:
        self.pupils = [r.pupil_id for r in rows]
        self.unique = len(set(self.pupils)) == len(self.pupils)
        self.every = _run(0, len(rows))
        att_shown: list[int] = []
        att_meets: list[int] = []
        pro_shown: list[int] = []
        pro_meets: list[int] = []
        secure_shown: list[int] = []
        self.secure: list[float] = []
        for i, row in enumerate(rows):
            attainment, progress = row.attainment, row.progress
            if attainment is not None:
                att_shown.append(i)
                if attainment.shown.meets_expectation:
                    att_meets.append(i)
            if progress is not None:
                pro_shown.append(i)
                if progress.shown.meets_expectation:
                    pro_meets.append(i)
            secure = row.figures.get("pct_secure_of_year")
            if secure is None:
                self.secure.append(0.0)
            else:
                secure_shown.append(i)
                self.secure.append(secure)
        self.att_shown, self.att_meets = _mask(att_shown), _mask(att_meets)
        self.pro_shown, self.pro_meets = _mask(pro_shown), _mask(pro_meets)
        self.secure_shown = _mask(secure_shown)

    def side(self, flags: list[bool], mask: Mask) -> Side:
        """The side of the rows flagged (`mask` the same rows): its pupils, the shares
        meeting expectations, the mean % secure."""
        attainment = (mask & self.att_shown).bit_count()
        progress = (mask & self.pro_shown).bit_count()
        secure = (mask & self.secure_shown).bit_count()
        return Side(
            pupils=mask.bit_count() if self.unique else len(set(compress(self.pupils, flags))),
            meets=round(100 * (mask & self.att_meets).bit_count() / attainment)
            if attainment
            else None,
            progress_meets=round(100 * (mask & self.pro_meets).bit_count() / progress)
            if progress
            else None,
            secure=round(sum(compress(self.secure, flags)) / secure, 1) if secure else None,
        )
