"""Every report URL against every role, and another school's objects answering 404."""

import json

import pytest
from django.urls import reverse

from tests.analysis.helpers import add_points, point, with_bands
from tests.factories import World
from trackwell.analysis.defaults import attainment_document
from trackwell.analysis.models import BandSet
from trackwell.core.models import AssessmentPoint

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
OK = 200
MOVED = 302


def _codes(
    ok: set[str], forbidden: frozenset[str] | set[str] = frozenset(), good: int = OK
) -> dict[str, int]:
    return {r: good if r in ok else 403 if r in forbidden else 404 for r in ROLES}


AGGREGATE = _codes({"admin", "leader", "senco", "governor"})
CLASS_VIEW = _codes({"admin", "leader", "teacher", "other_teacher", "ta", "senco"})
CLASS_EDIT = _codes({"admin", "leader", "teacher"}, {"other_teacher", "ta", "senco"}, MOVED)
MANAGE = _codes({"admin", "leader"})
MANAGE_POST = _codes({"admin", "leader"}, good=MOVED)
LEADERS_AND_SENCO = _codes({"admin", "leader", "senco"})
YEAR_GROUP_SAVE = _codes({"admin", "leader"}, {"teacher", "other_teacher", "ta", "senco"}, MOVED)


def _cases(w: World) -> list[tuple[str, str, dict, dict[str, int]]]:
    """(method, url, data, expected code by role) for every report view."""
    band_set = BandSet.objects.get(school=w.school, name="Attainment")
    autumn = point(w)
    pupil = w.pupils_a[0]
    if not AssessmentPoint.objects.filter(school=w.school, name="Spring").exists():
        add_points(w)  # the document's rules name Spring and Summer too
    doc = attainment_document()
    doc["name"] = "Imported"
    return [
        ("get", reverse("report-school"), {}, AGGREGATE),
        ("get", reverse("report-groups"), {}, AGGREGATE),
        ("get", reverse("report-class", args=[w.class_a.pk]), {}, CLASS_VIEW),
        ("get", reverse("report-class-gaps", args=[w.class_a.pk, "maths"]), {}, CLASS_VIEW),
        (
            "post",
            reverse("report-class-gap-group", args=[w.class_a.pk, "maths"]),
            {"name": "Gap group", "pupils": [pupil.pk]},
            CLASS_EDIT,
        ),
        ("get", reverse("report-confirm", args=[w.class_a.pk, "maths"]), {}, CLASS_VIEW),
        ("post", reverse("report-confirm", args=[w.class_a.pk, "maths"]), {}, CLASS_EDIT),
        ("get", reverse("report-pupil", args=[pupil.pk]), {}, CLASS_VIEW),
        (
            "post",
            reverse("report-pupil-tracking", args=[pupil.pk]),
            {"subject": w.maths.pk, "framework": w.framework_y2.pk},
            CLASS_EDIT,
        ),
        ("get", reverse("report-year-gaps", args=[3, "maths"]), {}, CLASS_VIEW),
        (
            "post",
            reverse("report-year-gap-group", args=[3, "maths"]),
            {"name": "Year gap", "pupils": [pupil.pk]},
            YEAR_GROUP_SAVE,
        ),
        ("get", reverse("report-points"), {}, MANAGE),
        ("post", reverse("report-point-close", args=[autumn.pk]), {}, MANAGE_POST),
        ("get", reverse("report-point-differences", args=[autumn.pk]), {}, LEADERS_AND_SENCO),
        ("get", reverse("report-band-sets"), {}, MANAGE),
        ("post", reverse("report-band-defaults"), {}, MANAGE_POST),
        ("post", reverse("report-band-import"), {"document": json.dumps(doc)}, MANAGE_POST),
        ("get", reverse("report-band-set", args=[band_set.pk]), {}, MANAGE),
        ("get", reverse("report-band-export", args=[band_set.pk]), {}, MANAGE),
    ]


NAMES = [
    "school",
    "groups",
    "class",
    "class-gaps",
    "class-gap-group",
    "confirm",
    "confirm-post",
    "pupil",
    "pupil-tracking",
    "year-gaps",
    "year-gap-group",
    "points",
    "point-close",
    "differences",
    "band-sets",
    "band-defaults",
    "band-import",
    "band-set",
    "band-export",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_each_view_for_each_role(world: World, client_for, role: str, index: int) -> None:
    with_bands(world)
    method, url, data, expected = _cases(world)[index]
    client = client_for(world.users[role])
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[role], response.content[:300]


# School-wide pages answer for the user's own school, so only object pages are checked here.
SCHOOL_WIDE = {
    "school",
    "groups",
    "year-gaps",
    "year-gap-group",
    "points",
    "band-sets",
    "band-defaults",
    "band-import",
}
SCOPED = [(i, n) for i, n in enumerate(NAMES) if n not in SCHOOL_WIDE]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", [i for i, _ in SCOPED], ids=[n for _, n in SCOPED])
def test_another_schools_objects_are_404(
    world: World, other_world: World, client_for, role: str, index: int
) -> None:
    with_bands(world)
    with_bands(other_world)
    method, url, data, _ = _cases(other_world)[index]
    response = getattr(client_for(world.users[role]), method)(url, data)
    assert response.status_code == 404


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_anonymous_is_sent_to_login(world: World, client, index: int) -> None:
    with_bands(world)
    method, url, data, _ = _cases(world)[index]
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name,args",
    [
        ("report-school", []),
        ("report-class", ["class"]),
        ("report-pupil", ["pupil"]),
        ("report-band-export", ["set"]),
    ],
)
def test_read_only_pages_refuse_post(world: World, client_for, name: str, args: list) -> None:
    with_bands(world)
    lookup = {
        "class": world.class_a.pk,
        "pupil": world.pupils_a[0].pk,
        "set": BandSet.objects.filter(school=world.school).first().pk,  # type: ignore[union-attr]
    }
    url = reverse(name, args=[lookup[a] for a in args])
    assert client_for(world.users["leader"]).post(url).status_code == 405


@pytest.mark.parametrize(
    "name", ["report-point-close", "report-point-reopen", "report-class-gap-group"]
)
def test_writes_refuse_get(world: World, client_for, name: str) -> None:
    with_bands(world)
    args: list[object] = [point(world).pk] if "point" in name else [world.class_a.pk, "maths"]
    assert client_for(world.users["leader"]).get(reverse(name, args=args)).status_code == 405
