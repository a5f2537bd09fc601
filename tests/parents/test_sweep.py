"""Parents can never reach another child, a class or a staff page: every URL is swept.

Every pattern in the URL resolver is filled with real ids of the parent's own
school (their own child's id where a pupil is asked for: a staff page about
their own child is not theirs either) and requested by GET and POST. Only the
family pages made for parents answer them; everything else is 404 (or 405 for
a method the page never takes, which reveals nothing).
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import World
from trackwell.accounts.models import User
from trackwell.printed.models import ReportRound

pytestmark = pytest.mark.django_db

PARENT_PAGES = {
    "parents:home",
    "parents:child",
    "parents:child-report",
    "parents:join",
    "parents:accept",
}
NOT_STAFF_PAGES = {"login", "logout", "home"}
# One's own account (password, two-step sign-in) is every account's, parents' too.
OWN_ACCOUNT_PREFIXES = ("password_", "security:mfa")


def _patterns(resolver: URLResolver, prefix: str = "", ns: str = "") -> list[tuple[str, str]]:
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            space = f"{ns}{p.namespace}:" if p.namespace else ns
            found += _patterns(p, prefix + str(p.pattern), space)
        elif isinstance(p, URLPattern):
            found.append((prefix + str(p.pattern), f"{ns}{p.name}" if p.name else ""))
    return found


def _fill(route: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        if kind == "int":
            return str(ids.get(name, 1))
        if kind == "slug":
            return "maths"
        return {"fmt": "csv", "token": "not-a-token"}.get(name, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def test_every_url_but_the_family_pages_is_404_for_a_parent(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    child = world.pupils_a[0]
    from trackwell.parents.models import ChildLink

    link = ChildLink.objects.get(pupil=child)
    ids = {
        "class_id": world.class_a.pk,
        "pupil_id": child.pk,
        "subject_id": world.maths.pk,
        "framework_id": world.framework.pk,
        "objective_id": world.objectives[0].pk,
        "strand_id": world.objectives[0].strand_id,
        "scale_id": world.scale.pk,
        "point_id": released.point_id,
        "round_id": released.pk,
        "link_id": link.pk,
        "contact_id": link.contact_id,
        "nc_year": 3,
        "school_id": world.school.pk,
    }
    client = client_for(parent)
    leader = client_for(world.users["leader"])
    checked = opened_by_leader = 0
    for route, name in _patterns(get_resolver()):
        if name in PARENT_PAGES or name in NOT_STAFF_PAGES or route.startswith("static"):
            continue
        if name.startswith(OWN_ACCOUNT_PREFIXES):
            continue
        url = _fill(route, ids)
        if Client().get(url).status_code == 200:
            continue  # public to anyone signed out (the API's documentation, for one)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 415: a JSON endpoint refusing a form post before it reads anything.
            assert response.status_code in (404, 405, 415), (
                name,
                url,
                method,
                response.status_code,
            )
        checked += 1
        # The same URLs are real pages for staff: the ids are not made up.
        opened_by_leader += leader.get(url).status_code == 200
    assert checked > 60  # the sweep really walked the whole map
    assert opened_by_leader > 30


def test_the_home_page_sends_a_parent_to_their_children(
    world: World, parent: User, client_for
) -> None:
    response = client_for(parent).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/family/"


def test_another_child_of_the_same_school_is_404(
    world: World, parent: User, released: ReportRound, client_for
) -> None:
    client = client_for(parent)
    own = world.pupils_a[0]
    assert client.get(f"/family/children/{own.pk}/").status_code == 200
    for other in world.pupils_a[1:] + world.pupils_b:
        assert client.get(f"/family/children/{other.pk}/").status_code == 404
        assert (
            client.get(f"/family/children/{other.pk}/reports/{released.pk}/pdf/").status_code == 404
        )
