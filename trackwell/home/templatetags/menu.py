"""The main menu: every page a role may open, grouped so a leader's fifteen links fit.

Groups open with plain `<details>` disclosure (no script: the content security policy
allows none inline, and none is needed; the summary is a button to the keyboard and to
screen readers). A group with one link for a role is that link on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.urls import reverse

register = template.Library()

LEADERS = {"admin", "leader"}
OVERVIEW = {"admin", "leader", "senco", "governor"}


@dataclass
class Group:
    label: str
    links: list[tuple[str, str]] = field(default_factory=list)

    def add(self, text: str, url_name: str) -> None:
        self.links.append((text, reverse(url_name)))


def menu_for(user: Any) -> list[Group]:
    """The groups of links this user's role opens, in the order the menu shows them."""
    role = getattr(user, "role", "")
    if role == "parent":
        mine = Group("My children")
        mine.add("My children", "parents:home")
        return [mine]
    if role == "trust_leader":
        analysis, curriculum, support, school = (
            Group("Analysis"),
            Group("Curriculum"),
            Group("Support"),
            Group("School"),
        )
        analysis.add("Trust overview", "report-trust")
        analysis.add("Group comparison", "report-trust-groups")
        analysis.add("Prior attainment", "scores:trust-prior")
        curriculum.add("Trust frameworks", "curriculum-trust")
        support.add("Trust provision", "provision:trust")
        school.add("API keys", "api:keys")
        return [analysis, curriculum, support, school]

    classes, tracking, analysis = Group("My classes"), Group("Tracking"), Group("Analysis")
    support, people, school = Group("Support"), Group("People"), Group("School")
    if role != "governor":
        classes.add("My classes", "home")
        tracking.add("Tests", "scores:index")
        tracking.add("Reports", "printed:rounds")
        tracking.add("Meetings", "meetings:index")
    if role in OVERVIEW:
        analysis.add("School overview", "report-school")
        analysis.add("Governors' pack", "printed:governors")
    if role in LEADERS:
        analysis.add("Band rules", "report-band-sets")
    if role == "governor":
        support.add("Provision", "provision:summary")
    elif role == "ta":
        support.add("Your groups", "provision:mine")
    else:
        support.add("Provision", "provision:map")
    if role in LEADERS:
        people.add("Families", "parents:contacts")
    school_obj = getattr(user, "school", None)
    manages = role == "admin" or (
        role == "leader" and bool(getattr(school_obj, "leaders_manage_people", False))
    )
    if manages:
        people.add("Manage the school", "people-staff")
    if role == "admin":
        people.add("Sign-in help", "security:accounts")
    if role in {"admin", "leader", "senco"}:
        people.add("Subject access", "security:subject-access")
    if role in LEADERS:
        school.add("Curriculum", "curriculum-index")
    if manages:
        school.add("Imports", "imports:index")
    if role == "admin":
        school.add("API keys", "api:keys")
    return [g for g in (classes, tracking, analysis, support, people, school) if g.links]


@register.inclusion_tag("home/_menu.html", takes_context=True)
def main_menu(context: dict[str, Any]) -> dict[str, Any]:
    user = context["user"]
    account = Group("Your account")
    account.add("Change password", "password_change")
    account.add("Two-step sign-in", "security:mfa")
    request = context.get("request")
    return {
        "groups": menu_for(user),
        "account": account,
        "path": getattr(request, "path", ""),
        "csrf_token": context.get("csrf_token"),
    }
