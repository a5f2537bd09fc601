"""Every curriculum URL against every role; another school's objects are 404; wrong methods 405.

Staff other than governors read frameworks and scales; only admins and leaders
change them (others 403); governors get 404 everywhere.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World
from trackwell.curriculum import trust
from trackwell.curriculum.models import RatingLevel, SharedFramework
from trackwell.interop.services import stage_import

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
READ = {r: 200 for r in ROLES} | {"governor": 404}
EDIT = {"admin": 302, "leader": 302, "governor": 404} | {
    r: 403 for r in ("teacher", "other_teacher", "ta", "senco")
}
EDIT_PAGE = EDIT | {"admin": 200, "leader": 200}


@dataclass
class Objects:
    framework: int
    strand: int
    objective: int
    scale: int
    level: int
    subject: int
    shared: int
    pending: int
    layout: dict[str, str] = field(default_factory=dict)


def objects(world: World) -> Objects:
    spare = RatingLevel.objects.create(
        school=world.school, scale=world.scale, value=9, code="9", label="Spare"
    )
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared
    csv = b"subject,year,strand,code,statement\nArt,2,Drawing,AR2-1,Draw from life\n"
    pending = stage_import(
        user=world.users["admin"],
        school=world.school,
        kind="csv",
        filename="art.csv",
        data=csv,
        options={},
    ).pending
    assert pending is not None and isinstance(shared, SharedFramework)
    layout: dict[str, list[str]] = {}
    for obj in world.framework.objectives.order_by("strand__order", "order"):
        layout.setdefault(f"strand-{obj.strand_id}", []).append(str(obj.pk))
    return Objects(
        framework=world.framework.pk,
        strand=world.objectives[0].strand_id,
        objective=world.objectives[0].pk,
        scale=world.scale.pk,
        level=spare.pk,
        subject=world.maths.pk,
        shared=shared.pk,
        pending=pending.pk,
        layout={k: ",".join(v) for k, v in layout.items()},
    )


@dataclass
class Case:
    name: str
    arg: Callable[[Objects], list[int]]
    method: str
    expected: dict[str, int]
    data: Callable[[Objects], dict] = lambda o: {}
    wrong: str = "post"


def _none(o: Objects) -> list[int]:
    return []


CASES = [
    Case("curriculum-index", _none, "get", READ),
    Case("curriculum-framework", lambda o: [o.framework], "get", READ),
    Case("curriculum-framework-history", lambda o: [o.framework], "get", READ),
    Case("curriculum-framework-csv", lambda o: [o.framework], "get", READ),
    Case("curriculum-framework-case", lambda o: [o.framework], "get", READ),
    Case("curriculum-scale", lambda o: [o.scale], "get", READ),
    Case("curriculum-subject-new", _none, "post", EDIT, lambda o: {"name": "Art"}, "get"),
    Case("curriculum-subject-edit", lambda o: [o.subject], "get", EDIT_PAGE, wrong="put"),
    Case("curriculum-framework-new", _none, "get", EDIT_PAGE, wrong="put"),
    Case("curriculum-framework-edit", lambda o: [o.framework], "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-strand-new",
        lambda o: [o.framework],
        "post",
        EDIT,
        lambda o: {"name": "New strand"},
        "get",
    ),
    Case(
        "curriculum-framework-reorder",
        lambda o: [o.framework],
        "post",
        EDIT | {"admin": 200, "leader": 200},
        lambda o: o.layout,
        "get",
    ),
    Case("curriculum-framework-merge", lambda o: [o.framework], "get", EDIT_PAGE, wrong="put"),
    Case("curriculum-framework-scale", lambda o: [o.framework], "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-framework-publish",
        lambda o: [o.framework],
        "post",
        EDIT,
        lambda o: {"note": "v"},
        "get",
    ),
    Case(
        "curriculum-framework-update",
        lambda o: [o.framework],
        "get",
        EDIT,  # up to date: managers are sent back to the framework
        wrong="put",
    ),
    Case("curriculum-strand-edit", lambda o: [o.strand], "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-strand-move",
        lambda o: [o.strand],
        "post",
        EDIT,
        lambda o: {"direction": "down"},
        "get",
    ),
    Case("curriculum-strand-delete", lambda o: [o.strand], "post", EDIT, wrong="get"),
    Case(
        "curriculum-objective-new",
        lambda o: [o.strand],
        "post",
        EDIT,
        lambda o: {"code": "NEW-1", "statement": "New"},
        "get",
    ),
    Case("curriculum-objective-edit", lambda o: [o.objective], "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-objective-move",
        lambda o: [o.objective],
        "post",
        EDIT,
        lambda o: {"direction": "down"},
        "get",
    ),
    Case("curriculum-objective-remove", lambda o: [o.objective], "post", EDIT, wrong="get"),
    Case("curriculum-objective-restore", lambda o: [o.objective], "post", EDIT, wrong="get"),
    Case("curriculum-objective-split", lambda o: [o.objective], "get", EDIT_PAGE, wrong="put"),
    Case("curriculum-scale-new", _none, "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-scale-edit",
        lambda o: [o.scale],
        "post",
        EDIT,
        lambda o: {"name": "Depth", "version": 1},  # the version the form carries
        "get",
    ),
    Case(
        "curriculum-level-new",
        lambda o: [o.scale],
        "post",
        EDIT,
        lambda o: {"code": "X", "label": "Extra"},
        "get",
    ),
    Case("curriculum-level-edit", lambda o: [o.level], "get", EDIT_PAGE, wrong="put"),
    Case(
        "curriculum-level-descriptor",
        lambda o: [o.level],
        "post",
        EDIT,
        lambda o: {"subject": o.subject, "descriptor": "In maths"},
        "get",
    ),
    Case(
        "curriculum-level-move",
        lambda o: [o.level],
        "post",
        EDIT,
        lambda o: {"direction": "up"},
        "get",
    ),
    Case("curriculum-level-delete", lambda o: [o.level], "post", EDIT, wrong="get"),
    Case("curriculum-library", _none, "get", EDIT_PAGE),
    Case(
        "curriculum-library-adopt",
        _none,
        "post",
        EDIT,
        lambda o: {"subject": "history", "years": ["1"]},
        "get",
    ),
    Case("curriculum-trust", _none, "get", EDIT_PAGE),
    Case("curriculum-trust-adopt", lambda o: [o.shared], "post", EDIT, wrong="get"),
    Case("curriculum-import", _none, "get", EDIT_PAGE, wrong="put"),
    Case("curriculum-import-preview", lambda o: [o.pending], "get", EDIT_PAGE, wrong="put"),
]
IDS = [c.name for c in CASES]


def _call(client: Client, method: str, url: str, data: dict) -> int:
    return getattr(client, method)(url, data).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_role_matrix(world: World, client_for, case: Case, role: str) -> None:
    o = objects(world)
    url = reverse(case.name, args=case.arg(o))
    assert (
        _call(client_for(world.users[role]), case.method, url, case.data(o)) == case.expected[role]
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.arg is not _none], ids=lambda c: c.name)
def test_another_schools_objects_are_404_for_every_role(
    world: World, other_world: World, client_for, case: Case
) -> None:
    theirs = objects(other_world)
    url = reverse(case.name, args=case.arg(theirs))
    for role in ROLES:
        status = _call(client_for(world.users[role]), case.method, url, case.data(theirs))
        assert status == 404, f"{role} got {status}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wrong_method_is_405(world: World, client_for, case: Case) -> None:
    o = objects(world)
    url = reverse(case.name, args=case.arg(o))
    assert _call(client_for(world.users["admin"]), case.wrong, url, {}) == 405


@pytest.mark.parametrize("name", ["curriculum-index", "curriculum-library", "curriculum-import"])
def test_anonymous_is_sent_to_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_curriculum_link_in_the_menu_for_leaders_only(world: World, client_for) -> None:
    link = f'href="{reverse("curriculum-index")}"'
    assert link in client_for(world.users["leader"]).get(reverse("home")).content.decode()
    assert link not in client_for(world.users["teacher"]).get(reverse("home")).content.decode()
