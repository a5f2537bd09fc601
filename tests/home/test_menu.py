"""The main menu: grouped so a leader's links fit on one line, every link still there."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import World, make_parent, make_trust_leader

pytestmark = pytest.mark.django_db

ACCOUNT = {"password_change", "security:mfa"}
STAFF = {"home", "scores:index", "printed:rounds", "meetings:index"}
OVERVIEW = {"report-school", "printed:governors"}
# Every link each role had in the flat menu, by URL name.
EXPECTED = {
    "admin": STAFF
    | OVERVIEW
    | {"report-band-sets", "curriculum-index", "parents:contacts", "people-staff"}
    | {"imports:index", "api:keys", "security:accounts", "security:subject-access"}
    | {"provision:map"},
    "leader": STAFF
    | OVERVIEW
    | {"report-band-sets", "curriculum-index", "parents:contacts", "security:subject-access"}
    | {"provision:map", "people-staff", "imports:index"},
    "senco": STAFF | OVERVIEW | {"provision:map", "security:subject-access"},
    "teacher": STAFF | {"provision:map"},
    "ta": STAFF | {"provision:mine"},
    "governor": OVERVIEW | {"provision:summary"},
}


class _Menu(HTMLParser):
    """The main menu's links, and what shows before any group is opened."""

    def __init__(self) -> None:
        super().__init__()
        self.in_nav = False
        self.depth = 0  # inside how many <details>
        self.in_summary = False
        self.links: list[str] = []
        self.top: list[str] = []  # top-level links and group summaries, in order
        self.summaries: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and found.get("aria-label") == "Main menu":
            self.in_nav = True
        if not self.in_nav:
            return
        if tag == "details":
            self.depth += 1
        elif tag == "summary":
            self.in_summary = True
        elif tag == "a":
            self.links.append(found.get("href") or "")
            if self.depth == 0:
                self.top.append(found.get("href") or "")
        elif tag == "script" or any(name.startswith("on") for name in found):
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_nav = False
        elif tag == "details" and self.in_nav:
            self.depth -= 1
        elif tag == "summary":
            self.in_summary = False

    def handle_data(self, data: str) -> None:
        if self.in_summary and data.strip():
            self.summaries.append(data.strip())
            self.top.append(f"[{data.strip()}]")


def _menu(client) -> _Menu:
    response = client.get(reverse("password_change"))  # a page every signed-in role opens
    assert response.status_code == 200
    menu = _Menu()
    menu.feed(response.content.decode())
    return menu


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_link_is_still_in_the_menu(world: World, client_for, role: str) -> None:
    world.school.leaders_manage_people = True
    world.school.save()
    menu = _menu(client_for(world.users[role]))
    expected = {reverse(name) for name in EXPECTED[role] | ACCOUNT}
    assert set(menu.links) == expected
    assert len(menu.links) == len(expected)  # each once
    assert menu.scripts == 0


def test_a_leaders_menu_is_a_few_groups(world: World, client_for) -> None:
    world.school.leaders_manage_people = True
    world.school.save()
    menu = _menu(client_for(world.users["admin"]))
    assert len(menu.links) == 17
    assert menu.top == [
        reverse("home"),
        "[Tracking]",
        "[Analysis]",
        reverse("provision:map"),
        "[People]",
        "[School]",
        "[Your account]",
    ]


def test_a_teacher_sees_their_classes_and_a_short_menu(world: World, client_for) -> None:
    menu = _menu(client_for(world.users["teacher"]))
    assert menu.top == [reverse("home"), "[Tracking]", reverse("provision:map"), "[Your account]"]


def test_parents_and_trust_leaders(world: World, client_for) -> None:
    parent = make_parent(world.school, [world.pupils_a[0]])
    menu = _menu(client_for(parent))
    assert menu.top == [reverse("parents:home"), "[Your account]"]
    assert world.school.trust is not None
    lead = make_trust_leader(world.school.trust)
    menu = _menu(client_for(lead))
    assert set(menu.links) == {
        reverse(name)
        for name in (
            "report-trust",
            "report-trust-groups",
            "scores:trust-prior",
            "curriculum-trust",
            "provision:trust",
            "api:keys",
            *ACCOUNT,
        )
    }
