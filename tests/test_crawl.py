"""Every link on every page, for every demo login, leads somewhere: no 404 and no 500.

From any one page the crawl follows, of each kind of link (one view with the same text
in its path, such as an export's format or a subject, and the same query keys), the
first `SAME_KIND - 1` and the last: a framework's page opens three of its objectives'
edit pages rather than all of them, and a list of year groups its first two and its
last. The other links of that kind on that page are only matched to a view (a link
that matches no view is asked for, and its 404 fails). A link followed from no page
at all is not requested, so the checks below see neither it nor a page reached only
through it: an object missing or out of reach behind such a link, or a 500 only its
data gives, would go unseen. A redirect to another page of the site is followed.
On the way, no page is a bare error page, no page draws a colour too light to see,
no id is given twice, and no field points a screen reader at a description or label
that is not on the page.
"""

import re
import time
from collections import deque
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from tests.markup import id_problems
from trackwell.accounts.models import User
from trackwell.core.colours import MIN_GRAPHIC_CONTRAST, WHITE, contrast
from trackwell.demo.generator import DemoOptions, generate

HREF = re.compile(r'<a\b[^>]*(?<![\w-])href="([^"#]*)', re.I)
# Pages that change something on GET do not exist; these only end the session or download.
SKIP = ("/accounts/logout/", "/static/")
# Links of one kind followed from one page (the first two and the last): the rest are the
# same view on other rows.
SAME_KIND = 3
# Colours drawn on the page: inline backgrounds (bands, swatches, level chips), the grid's
# level colours and the charts' series.
COLOURS = re.compile(
    r'style="[^"]*background(?:-color)?:\s*(#[0-9a-fA-F]{6})'
    r"|td\.lv-\d+[^{]*\{ background-color: (#[0-9a-fA-F]{6})"
    r"|\.color-\d+[^{}]*\{[^}]*fill:\s*(#[0-9a-fA-F]{6})",
)


def _crawl(
    client: Client, start: str = "/"
) -> tuple[dict[str, int], dict[str, str], list[str], set[str]]:
    """Status of every page reachable by links and redirects from `start`, where each was
    linked from, every problem a page shows (a bare, non-HTML, error, a colour too light
    to see, or an id given twice or named by an aria- attribute and not on the page), and
    the links matched to a view but not followed (more than `SAME_KIND` of their kind on
    every page linking to them).
    """
    seen: dict[str, int] = {}
    problems: list[str] = []
    found_on: dict[str, str] = {start: "(start)"}
    queue = deque([start])
    unfollowed: set[str] = set()
    while queue:
        url = queue.popleft()
        response = client.get(url)
        seen[url] = response.status_code
        html = "text/html" in response.get("Content-Type", "")
        if response.status_code >= 400 and not html:
            problems.append(f"{url} answers a bare {response.status_code} page")
        if response.status_code in (301, 302, 303, 307, 308):
            target = _local(url, response["Location"])
            if target is not None and target not in found_on:
                found_on[target] = url
                queue.append(target)
            continue
        if response.status_code != 200 or not html:
            continue
        page = response.content.decode()
        for match in COLOURS.finditer(page):
            colour = next(c for c in match.groups() if c)
            if contrast(colour, WHITE) < MIN_GRAPHIC_CONTRAST:
                problems.append(f"{url} draws {colour}, too light to see on white")
        problems += [f"{url} {problem}" for problem in id_problems(page)]
        # This page's new links, by kind, in the order the page gives them.
        kinds: dict[tuple[object, ...], dict[str, None]] = {}
        for href in HREF.findall(page):
            path = _local(url, href.replace("&amp;", "&"))
            if path is None or path in found_on:
                continue
            parts = urlsplit(path)
            try:
                view = resolve(unquote(parts.path))
            except Resolver404:  # asked for, as a link of its own kind (a 404 fails)
                found_on[path] = url
                queue.append(path)
                continue
            kind = (
                view.view_name,
                *sorted((k, v) for k, v in view.kwargs.items() if not isinstance(v, int)),
                *sorted(parse_qs(parts.query, keep_blank_values=True)),
            )
            kinds.setdefault(kind, {})[path] = None  # a dict: in order, each path once
        for paths in kinds.values():
            same = list(paths)
            chosen = same if len(same) <= SAME_KIND else [*same[: SAME_KIND - 1], same[-1]]
            unfollowed.update(p for p in same if p not in chosen)
            for path in chosen:
                found_on[path] = url
                queue.append(path)
    return seen, found_on, problems, unfollowed - set(found_on)


def _local(base: str, href: str) -> str | None:
    """The path and query of a link to this site (None for another site or a skipped one)."""
    parts = urlsplit(urljoin(base, href))
    if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(SKIP) else path


@pytest.mark.django_db
def test_no_link_on_any_page_leads_to_a_404_or_a_500_for_any_demo_login() -> None:
    started = time.monotonic()
    generate(DemoOptions(schools=2, pupils_per_class=1))
    generated = time.monotonic() - started
    # One login for every role (the first school's, which the trust leader also sees), and
    # the Reception teacher, whose class has fewer subjects' frameworks than the others.
    users: list[User] = []
    for user in User.objects.order_by("pk"):
        if user.role not in {u.role for u in users} or user.username == "teacherr":
            users.append(user)
    roles = {u.role for u in users}
    assert roles == {
        "admin",
        "leader",
        "teacher",
        "ta",
        "senco",
        "governor",
        "trust_leader",
        "parent",
    }
    assert "teacherr" in {u.username for u in users}
    broken = []
    pages = unfollowed = 0
    for user in users:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        seen, found_on, problems, not_followed = _crawl(client)
        pages += len(seen)
        unfollowed += len(not_followed)
        broken += [f"{user.username}: {p}" for p in problems]
        broken += [
            f"{user.username}: {url} answers {status} (linked from {found_on[url]})"
            for url, status in seen.items()
            if status == 404 or status >= 500
        ]
    assert not broken, "\n".join(broken)
    assert pages > 100, pages  # the crawl really went round the demo
    took = time.monotonic() - started - generated
    print(
        f"demo in {generated:.0f}s; {pages} pages for {len(users)} logins in {took:.0f}s;"
        f" {unfollowed} links matched to a view and not followed"
    )
