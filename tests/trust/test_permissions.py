"""Every trust page against every persona and the wrong method; trust leaders on pupil pages.

Decided: trust pages are for trust leaders only. A school leader of a trust
school gets 404 on them (a school sees its own figures, not its neighbours');
they keep their school's trust frameworks page and publish from a framework's page.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.analysis.helpers import point
from tests.trust.conftest import TrustWorld

pytestmark = pytest.mark.django_db

PERSONAS = ["trust_leader", "school_leader", "teacher", "governor", "outsider"]


def _user(tw: TrustWorld, persona: str):
    return {
        "trust_leader": tw.leader,
        "school_leader": tw.alpha.users["leader"],
        "teacher": tw.alpha.users["teacher"],
        "governor": tw.alpha.users["governor"],
        "outsider": tw.outsider,
    }[persona]


def _codes(**codes: int) -> dict[str, int]:
    return {p: codes.get(p, 404) for p in PERSONAS}


def _cases(tw: TrustWorld) -> dict[str, tuple[str, str, dict, dict[str, int]]]:
    """name -> (method, url, data, expected code by persona)."""
    alpha = tw.alpha.school.pk
    return {
        # The outsider sees their own trust's overview, never this trust's schools.
        "overview": ("get", reverse("report-trust"), {}, _codes(trust_leader=200, outsider=200)),
        "school": (
            "get",
            reverse("report-trust-school", args=[alpha]),
            {},
            _codes(trust_leader=200),
        ),
        "groups": (
            "get",
            reverse("report-trust-groups"),
            {},
            _codes(trust_leader=200, outsider=200),
        ),
        "groups-school": (
            "get",
            reverse("report-trust-groups"),
            {"school": alpha},
            _codes(trust_leader=200),
        ),
        "frameworks": (
            "get",
            reverse("curriculum-trust"),
            {},
            # The school's own page as before: teachers may read the curriculum, not this.
            _codes(trust_leader=200, school_leader=200, teacher=403, outsider=200),
        ),
        "publish": (
            "post",
            reverse("curriculum-trust-publish"),
            {"framework": tw.alpha.framework.pk},
            _codes(trust_leader=302),
        ),
    }


NAMES = ["overview", "school", "groups", "groups-school", "frameworks", "publish"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", NAMES)
def test_each_trust_view_for_each_persona(
    trust_world: TrustWorld, client_for, persona: str, name: str
) -> None:
    method, url, data, expected = _cases(trust_world)[name]
    response = getattr(client_for(_user(trust_world, persona)), method)(url, data)
    assert response.status_code == expected[persona], response.content[:300]


def test_the_outsiders_overview_shows_only_their_own_trust(
    trust_world: TrustWorld, client_for
) -> None:
    html = client_for(trust_world.outsider).get(reverse("report-trust")).content.decode()
    assert "Elsewhere Academy" in html
    assert "Alpha Primary" not in html and "Beta Primary" not in html


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_login(trust_world: TrustWorld, name: str) -> None:
    method, url, data, _ = _cases(trust_world)[name]
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", NAMES)
def test_wrong_method(trust_world: TrustWorld, client_for, name: str) -> None:
    method, url, data, _ = _cases(trust_world)[name]
    client = client_for(trust_world.leader)
    response = client.get(url) if method == "post" else client.post(url, data)
    assert response.status_code == 405


def test_an_unknown_school_is_404(trust_world: TrustWorld, client_for) -> None:
    client = client_for(trust_world.leader)
    other = trust_world.other.school.pk
    assert client.get(reverse("report-trust-school", args=[other])).status_code == 404
    assert client.get(reverse("report-trust-groups"), {"school": other}).status_code == 404
    assert client.get(reverse("report-trust-school", args=[99999])).status_code == 404


def test_publishing_another_trusts_framework_is_404(trust_world: TrustWorld, client_for) -> None:
    url = reverse("curriculum-trust-publish")
    client = client_for(trust_world.leader)
    assert client.post(url, {"framework": trust_world.other.framework.pk}).status_code == 404
    assert client.post(url, {"framework": "nope"}).status_code == 404
    assert client.post(url, {}).status_code == 404


def _pupil_level(tw: TrustWorld) -> list[tuple[str, str, dict]]:
    w = tw.alpha
    pupil = w.pupils_a[0]
    return [
        ("get", reverse("grid", args=[w.class_a.pk, "maths"]), {}),
        (
            "post",
            reverse("grid-cell", args=[w.class_a.pk, "maths"]),
            {
                "framework": w.framework.pk,
                "pupil": pupil.pk,
                "objective": w.objectives[0].pk,
                "code": "2",
                "version": 0,
            },
        ),
        (
            "get",
            reverse("grid-history", args=[w.class_a.pk, "maths"]),
            {"pupil": pupil.pk, "objective": w.objectives[0].pk},
        ),
        ("get", reverse("report-class", args=[w.class_a.pk]), {}),
        ("get", reverse("report-class-gaps", args=[w.class_a.pk, "maths"]), {}),
        ("get", reverse("report-confirm", args=[w.class_a.pk, "maths"]), {}),
        ("get", reverse("report-pupil", args=[pupil.pk]), {}),
        ("get", reverse("report-year-gaps", args=[3, "maths"]), {}),
        ("get", reverse("report-school"), {}),
        ("get", reverse("report-groups"), {}),
        ("get", reverse("report-points"), {}),
        ("post", reverse("report-point-close", args=[point(w).pk]), {}),
        ("get", reverse("report-band-sets"), {}),
        ("get", reverse("curriculum-index"), {}),
        ("get", reverse("curriculum-framework", args=[w.framework.pk]), {}),
        ("post", reverse("curriculum-framework-publish", args=[w.framework.pk]), {}),
    ]


PUPIL_LEVEL = [
    "grid",
    "grid-cell",
    "grid-history",
    "class-overview",
    "class-gaps",
    "confirm",
    "pupil",
    "year-gaps",
    "school-overview",
    "school-groups",
    "points",
    "point-close",
    "band-sets",
    "curriculum",
    "framework",
    "framework-publish",
]


@pytest.mark.parametrize("index", range(len(PUPIL_LEVEL)), ids=PUPIL_LEVEL)
def test_trust_leaders_get_404_on_school_and_pupil_pages(
    trust_world: TrustWorld, client_for, index: int
) -> None:
    method, url, data = _pupil_level(trust_world)[index]
    response = getattr(client_for(trust_world.leader), method)(url, data)
    assert response.status_code == 404
