"""Checks of a page's markup that several tests share."""

import re
from collections import Counter

# What a screen reader is told to read with an element, and the ids on the page (not
# `data-id=`, which only looks like one).
REFERS = re.compile(r'(?<![\w-])aria-(describedby|labelledby|controls)="([^"]*)"', re.I)
IDS = re.compile(r'(?<![\w-])id="([^"]+)"')
# A label names the control it is for (a label for nothing reads as no label at all).
LABEL_FOR = re.compile(r'<label\b[^>]*?\sfor="([^"]*)"', re.I)
COMMENTS = re.compile(r"<!--.*?-->", re.S)


def id_problems(page: str) -> list[str]:
    """Every id the page gives twice, every id an aria- attribute names that the page
    does not have (a field pointing at help text or an error that is not drawn), and
    every label for a control that is not on the page."""
    page = COMMENTS.sub("", page)
    counts = Counter(IDS.findall(page))
    problems = [f"gives id {name!r} {n} times" for name, n in counts.items() if n > 1]
    for attribute, refs in REFERS.findall(page):
        for ref in refs.split():
            if ref not in counts:
                problems.append(f"has aria-{attribute}={ref!r}, an id not on the page")
    for ref in LABEL_FOR.findall(page):
        if ref not in counts:
            problems.append(f"has a label for {ref!r}, an id not on the page")
    return problems
