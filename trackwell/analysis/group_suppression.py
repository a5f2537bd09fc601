"""Small-group suppression against subtraction, over bit masks of pupils.

Split from `analysis.groups` (which re-exports `suppression` and the reasons):
`suppression` is what every page comparing groups of pupils asks; `_suppressed`
decides one page's groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .groups import PupilFacts

# Why a comparison is not shown (empty when it is shown).
TOO_SMALL = "small"  # the group, or the pupils it is compared with, is below the minimum
SMALL_PART = "part"  # one year group's (or school's) part of either side is below its minimum
DERIVABLE = "derivable"  # subtracting two shown figures would give a small set of pupils


# Sets of pupils are bit masks: the pupil numbered i among those compared is bit i. An
# intersection, difference or subset test of two masks runs over machine words in C, where
# a frozenset hashes every pupil, and a trust's sets hold thousands of pupils. Pupils are
# numbered part by part, so each part's mask is one run of bits.
Mask = int
Members = dict[str, Mask]  # group key -> its pupils among those compared


def _count(pupils: Mask) -> int:
    return pupils.bit_count()


def _suppressed(
    members: Members,
    everyone: Mask,
    part_masks: Mapping[Hashable, Mask],
    *,
    min_size: int,
    part_reasons: dict[Hashable, dict[str, str]] | None,
    outer_masks: Mapping[Hashable, Mask] | None = None,
    outer_reasons: dict[Hashable, dict[str, str]] | None = None,
) -> dict[str, str]:
    """Group key -> why it is not shown, for the keys not shown (see `compare_groups`).

    `part_masks` holds each part's pupils (a year group, or a school's year group).
    `part_reasons` holds, for each part, what that part's own page hides; None
    when this page is one part's page. `outer_reasons` does the same for pages
    between the two (each school's page in a trust), `outer_masks` their pupils.

    Linear in the number of pupils (and of parts): only differences of a size
    some candidate could be compared with are kept, and those as pairs, unbuilt.
    """

    def residual(pupils: Mask, keys: set[str]) -> Mask:
        """What is left of a set shown here after taking away the smaller pages.

        A smaller page shows its share of the set only where it shows every group
        the set is built from; the rest can be worked out by subtraction.
        """
        if part_reasons is None:
            return 0

        def opened(reasons: dict[Hashable, dict[str, str]], masks: Mapping[Hashable, Mask]) -> Mask:
            """The pupils of the pages whose share of every group in `keys` is known.

            Shown there, or trivially known when the page holds none of the
            group or only the group: its total is shown elsewhere.
            """
            found = 0
            for page, hidden in reasons.items():
                on_page = masks.get(page, 0)
                for key in keys:
                    if key in hidden:
                        share = members[key] & on_page
                        if share and share != on_page:
                            break
                else:
                    found |= on_page
            return found

        known_pupils = opened(part_reasons, part_masks)
        if outer_reasons and outer_masks:
            known_pupils |= opened(outer_reasons, outer_masks)
        return pupils & ~known_pupils

    def small(pupils: Mask) -> bool:
        return 0 < _count(pupils) < min_size

    # What anyone can already read: the smaller pages' totals and shown groups.
    known: list[Mask] = [everyone]
    for reasons_of, masks in ((part_reasons, part_masks), (outer_reasons, outer_masks)):
        if not reasons_of or not masks:
            continue
        for page, hidden in reasons_of.items():
            in_page = masks.get(page, 0) & everyone
            known.append(in_page)
            for key, inside in members.items():
                if key not in hidden:
                    share = inside & in_page
                    known += [share, in_page & ~share]

    # The sets each group would show (they do not depend on what was shown before), and
    # so the sizes `gives_away` ever looks up: a readable set of any other size is never
    # compared with anything, so it need not be built.
    candidates: dict[str, list[Mask]] = {}
    for key, inside in members.items():
        rest = everyone & ~inside
        if _count(inside) >= min_size and _count(rest) >= min_size:
            candidates[key] = [inside, rest, residual(inside, {key}), residual(rest, {key})]
    looked_up = {
        size
        for sets in candidates.values()
        for c in sets
        for size in range(max(0, _count(c) - min_size + 1), _count(c) + min_size)
    }

    # Everything readable (known sets and their differences), by size.
    by_size: dict[int, list[Mask]] = {}

    def remember(sets: Iterable[Mask]) -> None:
        for pupils in sets:
            by_size.setdefault(_count(pupils), []).append(pupils)

    remember(known)
    known_by_size: dict[int, list[Mask]] = {}
    for pupils in known:
        known_by_size.setdefault(_count(pupils), []).append(pupils)

    # Differences of a shown set and a known one, kept as (bigger, smaller) pairs rather
    # than built: a trust has as many known sets as it has year groups, so building every
    # difference would grow with the square of the trust.
    pairs_by_size: dict[int, list[tuple[Mask, Mask]]] = {}

    def remember_differences(new: list[Mask]) -> None:
        """Each new set's differences with the known sets it holds or is held by, for the
        sizes looked up (found through the known sets' sizes, not by trying every pair)."""
        for a in new:
            n = _count(a)
            for size, sets in known_by_size.items():
                d = n - size
                if d > 0 and d in looked_up:
                    pairs_by_size.setdefault(d, []).extend((a, b) for b in sets if not b & ~a)
                elif d < 0 and -d in looked_up:
                    pairs_by_size.setdefault(-d, []).extend((b, a) for b in sets if not a & ~b)

    def near_difference(c: Mask, size: int) -> bool:
        """Whether some kept difference of this size (not c's) holds c or is held by it.

        Either way the two differ by fewer than the minimum (see `gives_away`). For a
        difference big - little: it is held by c when what big has outside c is all
        in little; it holds c when c is in big and shares nothing with little.
        """
        outside: dict[int, Mask] = {}
        inside: dict[int, bool] = {}
        n = _count(c)
        for big, little in pairs_by_size.get(size, ()):
            if size < n:
                rest = outside.get(id(big))
                if rest is None:
                    rest = outside[id(big)] = big & ~c
                if not rest & ~little:
                    return True
            else:
                held = inside.get(id(big))
                if held is None:
                    held = inside[id(big)] = not c & ~big
                if held and not c & little:
                    return True
        return False

    def gives_away(candidates: list[Mask]) -> bool:
        """Whether a candidate, or its difference with a readable set it holds or is
        held by, has between one pupil and the minimum."""
        for c in candidates:
            if small(c):
                return True
            # Only sets within the minimum of its size can differ from it by so few.
            # A set of another size within that range that holds c, or is held by it,
            # differs from it by between one pupil and fewer than the minimum.
            n = _count(c)
            for size in range(max(0, n - min_size + 1), n + min_size):
                if size == n:
                    continue
                for other in by_size.get(size, ()):
                    if not other & ~c or not c & ~other:
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
            known_by_size.setdefault(_count(pupils), []).append(pupils)
    return reasons


def suppression(
    placed: Sequence[tuple[int, Hashable]],
    facts: Mapping[int, PupilFacts],
    known: Sequence[tuple[str, Callable[[PupilFacts], bool]]],
    *,
    min_size: int,
    part_minimum: Callable[[Hashable], int] | None = None,
    outer_of: Callable[[Hashable], Hashable] | None = None,
    pages: dict[Hashable, dict[str, str]] | None = None,
) -> tuple[set[Hashable], dict[str, str]]:
    """Which parts are too small to count, and why each group is hidden (see compare_groups).

    `placed` holds one (pupil, part) pair per row compared. Any page that compares
    groups of pupils (bands, targets, tests) asks this one function, so every page
    keeps the same protection against small groups and subtraction.

    `pages` (`CompareMemo.pages`), shared by calls with the same `facts` and `known`,
    keeps what each part's page and each page between hides, keyed by everything that
    decides it: the part's pupils in order and its minimum; for a page between, its
    parts with their pupils and minimums, in order, and its minimum.
    """
    minimum_of = part_minimum or (lambda _part: min_size)
    sizes = Counter(part for _, part in placed)
    small = {part for part, n in sizes.items() if n < minimum_of(part)}
    part_of_pupil = {p: part for p, part in placed if part not in small}
    # Number the pupils part by part, the parts of one page between (a school) together:
    # each part's pupils, and each school's, are then one run of bits. A part's or a
    # school's own check works on its run alone, shifted down, so its sets are as
    # short as its pupils are few, whatever the size of the trust.
    in_part: dict[Hashable, list[int]] = {}
    for pupil, part in part_of_pupil.items():
        in_part.setdefault(part, []).append(pupil)
    order = list(in_part)
    if outer_of is not None:
        first: dict[Hashable, int] = {}
        for part in order:
            first.setdefault(outer_of(part), len(first))
        order.sort(key=lambda part: first[outer_of(part)])  # stable: parts keep their order
    bit: dict[int, int] = {}
    span: dict[Hashable, tuple[int, int]] = {}  # part -> (first bit, pupils)
    for part in order:
        span[part] = (len(bit), len(in_part[part]))
        for pupil in in_part[part]:
            bit[pupil] = len(bit)
    part_masks = {part: _run(start, n) for part, (start, n) in span.items()}
    everyone = _run(0, len(bit))
    members = {key: _mask(bit[p] for p in bit if test(facts[p])) for key, test in known}
    kept: dict[Hashable, dict[str, str]] = {} if pages is None else pages

    def part_page(part: Hashable, start: int, n: int) -> dict[str, str]:
        minimum = minimum_of(part)
        memo_key = ("part", tuple(in_part[part]), minimum)
        found = kept.get(memo_key)
        if found is None:
            found = kept[memo_key] = _suppressed(
                {key: _within(inside, start, n) for key, inside in members.items()},
                _run(0, n),
                {},
                min_size=minimum,
                part_reasons=None,
            )
        return found

    part_reasons = {part: part_page(part, start, n) for part, (start, n) in span.items()}
    outer_masks: dict[Hashable, Mask] | None = None
    outer_reasons: dict[Hashable, dict[str, str]] | None = None
    if outer_of is not None:
        parts_of_outer: dict[Hashable, dict[Hashable, dict[str, str]]] = {}
        outer_span: dict[Hashable, tuple[int, int]] = {}
        for part, (start, n) in span.items():
            outer = outer_of(part)
            parts_of_outer.setdefault(outer, {})[part] = part_reasons[part]
            begin, count = outer_span.get(outer, (start, 0))
            outer_span[outer] = (begin, count + n)  # the school's parts are consecutive
        outer_masks = {outer: _run(start, n) for outer, (start, n) in outer_span.items()}

        def outer_page(outer: Hashable, start: int, n: int) -> dict[str, str]:
            parts = parts_of_outer[outer]
            minimum = minimum_of(next(iter(parts)))
            memo_key = (
                "outer",
                tuple((part, tuple(in_part[part]), minimum_of(part)) for part in parts),
                minimum,
            )
            found = kept.get(memo_key)
            if found is None:
                found = kept[memo_key] = _suppressed(
                    {key: _within(inside, start, n) for key, inside in members.items()},
                    _run(0, n),
                    {part: _within(part_masks[part], start, n) for part in parts},
                    min_size=minimum,
                    part_reasons=parts,
                )
            return found

        outer_reasons = {
            outer: outer_page(outer, start, n) for outer, (start, n) in outer_span.items()
        }
    reasons = _suppressed(
        members,
        everyone,
        part_masks,
        min_size=min_size,
        part_reasons=part_reasons,
        outer_masks=outer_masks,
        outer_reasons=outer_reasons,
    )
    return small, reasons


def _run(start: int, n: int) -> Mask:
    """The mask of n consecutive pupils from bit `start`."""
    return ((1 << n) - 1) << start


def _within(pupils: Mask, start: int, n: int) -> Mask:
    """The pupils of a set among bits start to start + n, shifted down to bit 0."""
    return (pupils >> start) & ((1 << n) - 1)


def _mask(bits: Iterable[int]) -> Mask:
    """The mask with these bits set, built in one pass over a byte buffer."""
    numbers = list(bits)
    if not numbers:
        return 0
    buffer = bytearray(max(numbers) // 8 + 1)
    for n in numbers:
        buffer[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buffer, "little")
