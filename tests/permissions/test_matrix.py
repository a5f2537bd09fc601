"""Every URL pattern, every role, GET and POST, and another school's ids: one matrix.

A URL without an entry fails `test_every_url_has_an_entry`, which says which file to
add it to. The expectations are kept one file per app (cases_<app>.py).
"""

import pytest

from tests.factories import World
from tests.permissions.matrix import cases_file_for, check, load_cases, url_patterns

pytestmark = pytest.mark.django_db

ENTRIES, ORIGIN = load_cases()


def test_every_url_has_an_entry() -> None:
    missing = []
    names = set()
    for name, route, module in url_patterns():
        names.add(name)
        if not name:
            missing.append(f"the URL /{route} has no name: give it one, then add it")
        elif name not in ENTRIES:
            missing.append(
                f"URL {name!r} (/{route}) has no entry in the permission matrix: add one to "
                f"{cases_file_for(module)} (see CONTRIBUTING.md, 'How to add a URL to the "
                "permission matrix')"
            )
    stale = sorted(set(ENTRIES) - names)
    missing += [f"{ORIGIN[n]} has an entry for {n!r}, which is no URL now" for n in stale]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_matrix(name: str, world: World, other_world: World) -> None:
    problems = check(name, ENTRIES[name], world, other_world)
    assert not problems, f"{ORIGIN[name]}:\n" + "\n".join(problems)
