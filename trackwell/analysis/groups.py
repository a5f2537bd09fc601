"""Groups of pupils compared with all other pupils, with small groups suppressed where asked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
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


def _by_year(row: PupilResult) -> Hashable:
    return row.nc_year


Members = dict[str, frozenset[int]]  # group key -> its pupils among those compared


def _suppressed(
    members: Members,
    everyone: frozenset[int],
    part_of_pupil: dict[int, Hashable],
    *,
    min_size: int,
    part_reasons: dict[Hashable, dict[str, str]] | None,
    outer_of_pupil: dict[int, Hashable] | None = None,
    outer_reasons: dict[Hashable, dict[str, str]] | None = None,
    grouped: dict[int, dict[Hashable, frozenset[int]]] | None = None,
) -> dict[str, str]:
    """Group key -> why it is not shown, for the keys not shown (see `compare_groups`).

    `part_reasons` holds, for each part (year group, or a school's year group),
    what that part's own page hides; None when this page is one part's page.
    `outer_reasons` does the same for pages between the two (each school's page
    in a trust), with `outer_of_pupil` saying whose page holds each pupil.
    `grouped` holds each page's pupils, by `id()` of the map they were grouped
    from, when the caller has grouped them already (once for a whole trust).

    Linear in the number of pupils (and of parts): pupils are grouped by page
    once, never by a comprehension over every pupil for each page, and only
    differences of a size some candidate could be compared with are kept.
    """

    pupils_on: dict[int, dict[Hashable, frozenset[int]]] = dict(grouped or {})

    def pages(page_of: dict[int, Hashable]) -> dict[Hashable, frozenset[int]]:
        found = pupils_on.get(id(page_of))
        if found is None:
            found = pupils_on[id(page_of)] = _group(page_of)
        return found

    def residual(pupils: frozenset[int], keys: set[str]) -> frozenset[int]:
        """What is left of a set shown here after taking away the smaller pages.

        A smaller page shows its share of the set only where it shows every group
        the set is built from; the rest can be worked out by subtraction.
        """
        if part_reasons is None:
            return frozenset()

        def opened(
            reasons: dict[Hashable, dict[str, str]], page_of: dict[int, Hashable]
        ) -> set[Hashable]:
            """Pages whose share of every group in `keys` is known.

            Shown there, or trivially known when the page holds none of the
            group or only the group: its total is shown elsewhere.
            """
            pupils_of = pages(page_of)

            def known(page: Hashable, key: str) -> bool:
                if key not in reasons[page]:
                    return True
                on_page = pupils_of.get(page, frozenset())
                share = members[key] & on_page
                return not share or len(share) == len(on_page)

            return {page for page in reasons if all(known(page, k) for k in keys)}

        open_parts = opened(part_reasons, part_of_pupil)
        open_outer = (
            opened(outer_reasons, outer_of_pupil) if outer_reasons and outer_of_pupil else set()
        )
        return frozenset(
            p
            for p in pupils
            if part_of_pupil[p] not in open_parts
            and not (outer_of_pupil and outer_of_pupil[p] in open_outer)
        )

    def leaks(pupils: frozenset[int], keys: set[str]) -> bool:
        """Whether a set that can be worked out has between one pupil and the minimum."""
        return 0 < len(pupils) < min_size or 0 < len(residual(pupils, keys)) < min_size

    def small(pupils: frozenset[int]) -> bool:
        return 0 < len(pupils) < min_size

    # What anyone can already read: the smaller pages' totals and shown groups.
    known: list[frozenset[int]] = [everyone]
    for reasons_of, page_of in ((part_reasons, part_of_pupil), (outer_reasons, outer_of_pupil)):
        if not reasons_of or not page_of:
            continue
        pupils_of = pages(page_of)
        for page, hidden in reasons_of.items():
            in_page = pupils_of.get(page, frozenset()) & everyone
            known.append(in_page)
            for key, inside in members.items():
                if key not in hidden:
                    known += [inside & in_page, in_page - (inside & in_page)]

    # The sets each group would show (they do not depend on what was shown before), and
    # so the sizes `gives_away` ever looks up: a readable set of any other size is never
    # compared with anything, so it need not be built.
    candidates: dict[str, list[frozenset[int]]] = {}
    for key, inside in members.items():
        rest = everyone - inside
        if len(inside) >= min_size and len(rest) >= min_size:
            candidates[key] = [inside, rest, residual(inside, {key}), residual(rest, {key})]
    looked_up = {
        size
        for sets in candidates.values()
        for c in sets
        for size in range(max(0, len(c) - min_size + 1), len(c) + min_size)
    }

    # Everything readable (known sets and their differences), by size.
    by_size: dict[int, list[frozenset[int]]] = {}

    def remember(sets: Iterable[frozenset[int]]) -> None:
        for pupils in sets:
            by_size.setdefault(len(pupils), []).append(pupils)

    remember(known)
    known_by_size: dict[int, list[frozenset[int]]] = {}
    for pupils in known:
        known_by_size.setdefault(len(pupils), []).append(pupils)

    # Differences of a shown set and a known one, kept as (bigger, smaller) pairs rather
    # than built: building one costs the bigger set's size, and a trust has as many as it
    # has year groups, so building them all would grow with the square of the trust.
    pairs_by_size: dict[int, list[tuple[frozenset[int], frozenset[int]]]] = {}

    def remember_differences(new: list[frozenset[int]]) -> None:
        """Each new set's differences with the known sets it holds or is held by, for the
        sizes looked up (found through the known sets' sizes, not by trying every pair)."""
        for a in new:
            for size, sets in known_by_size.items():
                d = len(a) - size
                if d > 0 and d in looked_up:
                    pairs_by_size.setdefault(d, []).extend((a, b) for b in sets if b < a)
                elif d < 0 and -d in looked_up:
                    pairs_by_size.setdefault(-d, []).extend((b, a) for b in sets if a < b)

    def near_difference(c: frozenset[int], size: int) -> bool:
        """Whether some kept difference of this size (not c's) holds c or is held by it.

        Either way the two differ by fewer than the minimum (see `gives_away`). For a
        difference big - little: it is held by c when what big has outside c is all
        in little; it holds c when c is in big and shares nothing with little.
        """
        outside: dict[int, frozenset[int]] = {}
        inside: dict[int, bool] = {}
        for big, little in pairs_by_size.get(size, ()):
            if size < len(c):
                rest = outside.get(id(big))
                if rest is None:
                    rest = outside[id(big)] = big - c
                if len(rest) <= len(little) and rest <= little:
                    return True
            else:
                held = inside.get(id(big))
                if held is None:
                    held = inside[id(big)] = c <= big
                if held and c.isdisjoint(little):
                    return True
        return False

    def gives_away(candidates: list[frozenset[int]]) -> bool:
        """Whether a candidate, or its difference with a readable set it holds or is
        held by, has between one pupil and the minimum."""
        for c in candidates:
            if small(c):
                return True
            # Only sets within the minimum of its size can differ from it by so few.
            # A set of another size within that range that holds c, or is held by it,
            # differs from it by between one pupil and fewer than the minimum.
            for size in range(max(0, len(c) - min_size + 1), len(c) + min_size):
                if size == len(c):
                    continue
                for other in by_size.get(size, ()):
                    if other < c or c < other:
                        return True
                if near_difference(c, size):
                    return True
        return False

    reasons: dict[str, str] = {}
    for key in members:
        if key not in candidates:
            reasons[key] = TOO_SMALL
            continue
        inside, rest, *left = candidates[key]
        if any(small(x) for x in left):
            reasons[key] = SMALL_PART
            continue
        if gives_away([inside, rest, *left]):
            reasons[key] = DERIVABLE
            continue
        # Shown: its sets, what is left of them past the smaller pages, and their
        # differences with what was known become known too.
        # (Differences are checked against later groups but not differenced again.)
        new = [inside, rest, *(x for x in left if x)]
        remember_differences(new)
        remember(new)
        known += new
        for pupils in new:
            known_by_size.setdefault(len(pupils), []).append(pupils)
    return reasons


def suppression(
    placed: Sequence[tuple[int, Hashable]],
    facts: Mapping[int, PupilFacts],
    known: Sequence[tuple[str, Callable[[PupilFacts], bool]]],
    *,
    min_size: int,
    part_minimum: Callable[[Hashable], int] | None = None,
    outer_of: Callable[[Hashable], Hashable] | None = None,
) -> tuple[set[Hashable], dict[str, str]]:
    """Which parts are too small to count, and why each group is hidden (see compare_groups).

    `placed` holds one (pupil, part) pair per row compared. Any page that compares
    groups of pupils (bands, targets, tests) asks this one function, so every page
    keeps the same protection against small groups and subtraction.
    """
    minimum_of = part_minimum or (lambda _part: min_size)
    sizes = Counter(part for _, part in placed)
    small = {part for part, n in sizes.items() if n < minimum_of(part)}
    part_of_pupil = {p: part for p, part in placed if part not in small}
    everyone = frozenset(part_of_pupil)
    members = {key: frozenset(p for p in everyone if test(facts[p])) for key, test in known}
    # Each part's pupils, grouped once (not a pass over every pupil for each part).
    part_pupils = _group(part_of_pupil)
    grouped = {id(part_of_pupil): part_pupils}
    part_reasons = {
        part: _suppressed(
            {key: inside & in_part for key, inside in members.items()},
            in_part,
            part_of_pupil,
            min_size=minimum_of(part),
            part_reasons=None,
            grouped=grouped,
        )
        for part, in_part in part_pupils.items()
    }
    outer_of_pupil: dict[int, Hashable] | None = None
    outer_reasons: dict[Hashable, dict[str, str]] | None = None
    if outer_of is not None:
        outer_of_pupil = {p: outer_of(part) for p, part in part_of_pupil.items()}
        grouped[id(outer_of_pupil)] = outer_pupils = _group(outer_of_pupil)
        parts_of_outer: dict[Hashable, dict[Hashable, dict[str, str]]] = {}
        for part, why in part_reasons.items():
            parts_of_outer.setdefault(outer_of(part), {})[part] = why
        outer_reasons = {}
        for outer, in_outer in outer_pupils.items():
            first_part = part_of_pupil[next(iter(in_outer))]
            outer_reasons[outer] = _suppressed(
                {key: inside & in_outer for key, inside in members.items()},
                in_outer,
                part_of_pupil,
                min_size=minimum_of(first_part),
                part_reasons=parts_of_outer.get(outer, {}),
                grouped=grouped,
            )
    reasons = _suppressed(
        members,
        everyone,
        part_of_pupil,
        min_size=min_size,
        part_reasons=part_reasons,
        outer_of_pupil=outer_of_pupil,
        outer_reasons=outer_reasons,
        grouped=grouped,
    )
    return small, reasons


def _group(page_of: Mapping[int, Hashable]) -> dict[Hashable, frozenset[int]]:
    """Each page's pupils, in one pass."""
    found: dict[Hashable, set[int]] = {}
    for pupil, page in page_of.items():
        found.setdefault(page, set()).add(pupil)
    return {page: frozenset(pupils) for page, pupils in found.items()}


def compare_groups(
    rows: list[PupilResult],
    facts: dict[int, PupilFacts],
    choices: list[tuple[str, str]],
    *,
    min_size: int,
    suppress: bool,
    part_of: Callable[[PupilResult], Hashable] = _by_year,
    part_minimum: Callable[[Hashable], int] | None = None,
    outer_of: Callable[[Hashable], Hashable] | None = None,
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
    """
    rows = [r for r in rows if r.pupil_id in facts]
    tests = [(key, label, group_test(key)) for key, label in choices]
    known = [(key, label, test) for key, label, test in tests if test is not None]
    partial = False
    reasons: dict[str, str] = {}
    if suppress:
        small, reasons = suppression(
            [(r.pupil_id, part_of(r)) for r in rows],
            facts,
            [(key, test) for key, _, test in known],
            min_size=min_size,
            part_minimum=part_minimum,
            outer_of=outer_of,
        )
        if small:
            rows = [r for r in rows if part_of(r) not in small]
            partial = True
    # What each row adds to a side, read once (not once for each group it is tested for).
    summaries = [_summary(r) for r in rows]
    row_facts = [facts[r.pupil_id] for r in rows]
    result = []
    for key, label, test in known:
        inside: list[_RowSummary] = []
        outside: list[_RowSummary] = []
        for summary, pupil in zip(summaries, row_facts, strict=True):
            (inside if test(pupil) else outside).append(summary)
        reason = reasons.get(key, "")
        result.append(
            Comparison(
                key,
                label,
                _side_of(inside),
                _side_of(outside),
                bool(reason),
                min_size,
                reason,
                partial,
            )
        )
    return result


# A row's pupil, whether its attainment and progress bands meet expectations (None
# without such a band), and its % secure of the year.
_RowSummary = tuple[int, bool | None, bool | None, float | None]


def _summary(row: PupilResult) -> _RowSummary:
    attainment, progress = row.attainment, row.progress
    return (
        row.pupil_id,
        attainment.shown.meets_expectation if attainment else None,
        progress.shown.meets_expectation if progress else None,
        row.figures.get("pct_secure_of_year"),
    )


def _side_of(rows: list[_RowSummary]) -> Side:
    """One side of a comparison: its pupils, the shares meeting expectations, the mean % secure."""
    attainment = [a for _, a, _, _ in rows if a is not None]
    progress = [p for _, _, p, _ in rows if p is not None]
    secure = [s for _, _, _, s in rows if s is not None]
    return Side(
        pupils=len({pupil for pupil, _, _, _ in rows}),
        meets=round(100 * sum(attainment) / len(attainment)) if attainment else None,
        progress_meets=round(100 * sum(progress) / len(progress)) if progress else None,
        secure=round(sum(secure) / len(secure), 1) if secure else None,
    )
