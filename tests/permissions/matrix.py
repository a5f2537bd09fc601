"""The machinery of the permission matrix; the expectations live in cases_<app>.py files.

Each cases file holds ``CASES: dict[str, Entry]`` keyed by URL name (with its namespace,
e.g. ``"security:policy"``). See CONTRIBUTING.md, "How to add a URL to the matrix".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import World, make_parent, make_trust_leader
from trackwell.accounts.models import User

# Every role the matrix checks. Adding a role is one line here: a function from the world
# to a signed-in user (None: not signed in). Expectations not naming a role use their default.
ROLES: dict[str, Callable[[World], User | None]] = {
    "admin": lambda w: w.users["admin"],
    "leader": lambda w: w.users["leader"],
    "teacher": lambda w: w.users["teacher"],  # class A's teacher
    "other_teacher": lambda w: w.users["other_teacher"],  # class B's teacher
    "ta": lambda w: w.users["ta"],  # class A's teaching assistant
    "senco": lambda w: w.users["senco"],
    "governor": lambda w: w.users["governor"],
    "trust_leader": lambda w: (
        User.objects.filter(username=f"tl-{w.school.pk}").first()
        or make_trust_leader(w.school.trust, f"tl-{w.school.pk}")  # type: ignore[arg-type]
    ),
    # A parent of class A's first pupil (issue 12): like a trust leader, no staff page.
    "parent": lambda w: (
        User.objects.filter(username=f"parent-{w.school.pk}").first()
        or make_parent(w.school, [w.pupils_a[0]], f"parent-{w.school.pk}")
    ),
    "anonymous": lambda w: None,
}

LOGIN = 302  # not signed in: sent to the sign-in page


@dataclass(frozen=True)
class Expect:
    """The status each role gets: `default` unless the role is named."""

    default: int
    anonymous: int | None = None
    roles: dict[str, int] = field(default_factory=dict)

    def status(self, role: str) -> int:
        if role == "anonymous":
            if self.anonymous is not None:
                return self.anonymous
            return 405 if self.default == 405 else LOGIN
        if role == "parent" and role not in self.roles:
            # Parents reach no school or trust page: pages open to every account (one's
            # own password and two-step sign-in) answer them as the default says; any
            # page naming who may use it is 404 to them.
            if self.default == 405 or not self.roles:
                return self.default
            return 404
        return self.roles.get(role, self.default)


def expect(default: int, *, anonymous: int | None = None, **roles: int) -> Expect:
    """`expect(404, admin=200, leader=200)`: 200 for admins and leaders, 404 for all others."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return Expect(default, anonymous, roles)


def only(status: int, *names: str, others: int = 404, **extra: int) -> Expect:
    """`status` for the named roles, `others` for everyone else (anonymous: sign in)."""
    return expect(others, **{n: status for n in names}, **extra)


NOT_ALLOWED = Expect(405)  # the wrong HTTP method, whoever asks


def _nothing(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entry:
    """One URL: what GET and POST answer for every role, and how to build its arguments.

    `kwargs(world)` builds the URL's arguments in that world (creating objects if needed);
    it is called for the test school and for another school, whose ids must answer 404
    to everyone signed in (`foreign=False` for URLs whose arguments are not ids, e.g. a
    year group number or a subject slug alone).
    """

    get: Expect
    post: Expect
    kwargs: Callable[[World], dict[str, Any]] = _nothing
    data: Callable[[World], dict[str, Any]] = _nothing
    foreign: bool = True
    headers: dict[str, str] = field(default_factory=dict)


def url_patterns() -> Iterator[tuple[str, str, str]]:
    """(name with namespace, route, module of the view) of every URL pattern."""

    def walk(patterns: list[Any], route: str, ns: str) -> Iterator[tuple[str, str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ns + (f"{p.namespace}:" if p.namespace else "")
                yield from walk(p.url_patterns, route + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                module = getattr(p.callback, "__module__", "") or ""
                yield (ns + p.name if p.name else ""), route + str(p.pattern), module

    yield from walk(get_resolver().url_patterns, "", "")


def cases_file_for(module: str) -> str:
    """Where a view's entries belong: tests/permissions/cases_<app>.py."""
    parts = module.split(".")
    app = parts[1] if parts[0] == "trackwell" and len(parts) > 1 else "core"
    return f"tests/permissions/cases_{app}.py"


def load_cases() -> tuple[dict[str, Entry], dict[str, str]]:
    """Every entry of every cases_*.py file, and the file each came from."""
    import tests.permissions as package

    entries: dict[str, Entry] = {}
    origin: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("cases_"):
            continue
        module = importlib.import_module(f"tests.permissions.{info.name}")
        for name, entry in module.CASES.items():
            assert name not in entries, f"{name} is in both {origin[name]} and {info.name}"
            entries[name] = entry
            origin[name] = info.name
    return entries, origin


def _request(client: Client, method: str, url: str, entry: Entry, world: World) -> int | str:
    # Each request in a savepoint rolled back after, so one role's POST never changes
    # what the next role finds.
    try:
        with transaction.atomic():
            data = entry.data(world)
            response = getattr(client, method)(url, data, headers=entry.headers)
            # A file response (the school's archive) holds its file open until it has been
            # read to the end, as a browser does (the test client then closes it).
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
    except Exception as exc:  # a 500: report it with the others
        return f"{type(exc).__name__}: {exc}"[:200]
    missing = missing_headers(response)
    if missing:
        return f"{response.status_code} without {', '.join(missing)}"
    return response.status_code


def missing_headers(response: Any) -> list[str]:
    """Security headers every page must carry (a content security policy without inline
    script, no MIME sniffing, no framing, no referrer to other sites, no cached copy)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    missing = []
    policy = response.get("Content-Security-Policy", "")
    script = next((p for p in policy.split(";") if p.strip().startswith("script-src")), "")
    if not script or "'unsafe-inline'" in script:
        missing.append("a content security policy without inline script")
    if "frame-ancestors 'none'" not in policy:
        missing.append("frame-ancestors 'none'")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    missing += [f"{k}: {v}" for k, v in expected.items() if response.get(k) != v]
    # Pages show pupils' data on shared computers: no browser or proxy copy of any page.
    if "no-store" not in response.get("Cache-Control", ""):
        missing.append("Cache-Control: no-store")
    return missing


def clients(world: World) -> dict[str, Client]:
    result = {}
    for role, make in ROLES.items():
        client = Client()
        user = make(world)
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


def check(name: str, entry: Entry, world: World, other: World) -> list[str]:
    """Every difference between what the matrix expects and what the URL answers."""
    problems = []
    by_role = clients(world)
    url = reverse(name, kwargs=entry.kwargs(world))
    for method, expected in (("get", entry.get), ("post", entry.post)):
        for role, client in by_role.items():
            want = expected.status(role)
            got = _request(client, method, url, entry, world)
            if got != want:
                problems.append(f"{method.upper()} {url} as {role}: expected {want}, got {got}")
    if entry.foreign and entry.kwargs is not _nothing:
        theirs = reverse(name, kwargs=entry.kwargs(other))
        for method, expected in (("get", entry.get), ("post", entry.post)):
            for role, client in by_role.items():
                if role == "anonymous" or expected.status(role) == 405:
                    continue
                got = _request(client, method, theirs, entry, other)
                if got != 404:
                    problems.append(
                        f"{method.upper()} {theirs} (another school's) as {role}: "
                        f"expected 404, got {got}"
                    )
    return problems
