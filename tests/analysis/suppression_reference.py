"""The suppression check as it was before issue 15 part 5's bit masks: sets of pupils as frozensets.

Kept only as the reference `test_suppression_masks.py` compares `analysis.groups.suppression`
with on random trusts (the same answers, whatever the representation). Not used by the app.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from trackwell.analysis.groups import DERIVABLE, SMALL_PART, TOO_SMALL, PupilFacts

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
