"""Every URL of the scores app against every role, another school's ids, and wrong methods."""

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import World, make_trust_leader
from trackwell.scores import definitions
from trackwell.scores.models import PointsSetting, Test

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
ALL = dict.fromkeys(ROLES, 200)
STAFF = {**ALL, "governor": 404}
AGGREGATES = {
    "admin": 200,
    "leader": 200,
    "senco": 200,
    "governor": 200,
    "teacher": 404,
    "other_teacher": 404,
    "ta": 404,
}
# Class A: teacher and ta assigned; teachers may view other classes (the school allows it).
CLASS_EDIT = {
    "admin": 302,
    "leader": 302,
    "teacher": 302,
    "other_teacher": 403,
    "ta": 403,
    "senco": 403,
    "governor": 404,
}
MANAGE = {
    "admin": 302,
    "leader": 302,
    "teacher": 403,
    "other_teacher": 403,
    "ta": 403,
    "senco": 403,
    "governor": 404,
}

Url = Callable[[World, Test], str]


def _pages() -> list[tuple[str, Url, dict[str, int]]]:
    return [
        ("index", lambda w, t: reverse("scores:index"), STAFF),
        ("test", lambda w, t: reverse("scores:test", args=[t.pk]), STAFF),
        ("test-report", lambda w, t: reverse("scores:test-report", args=[t.pk]), AGGREGATES),
        ("results", lambda w, t: reverse("scores:results", args=[t.pk, w.class_a.pk]), STAFF),
        (
            "results-export",
            lambda w, t: reverse("scores:results-export", args=[t.pk, w.class_a.pk]),
            STAFF,
        ),
        ("table", lambda w, t: reverse("scores:table", args=[t.table_id]), STAFF),
        ("thresholds", lambda w, t: reverse("scores:thresholds", args=[t.thresholds_id]), STAFF),
        (
            "class-targets",
            lambda w, t: reverse("scores:class-targets", args=[w.class_a.pk, "maths"]),
            STAFF,
        ),
        ("targets-report", lambda w, t: reverse("scores:targets-report"), AGGREGATES),
        (
            "class-progress",
            lambda w, t: reverse("scores:class-progress", args=[w.class_a.pk, "maths"]),
            STAFF,
        ),
        ("prior-report", lambda w, t: reverse("scores:prior-report"), AGGREGATES),
        ("points", lambda w, t: reverse("scores:points"), STAFF),
    ]


PAGES = _pages()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(
    world: World,
    client_for,
    reading_test: Test,
    role: str,
    name: str,
    url: Url,
    expected: dict[str, int],
) -> None:
    response = client_for(world.users[role]).get(url(world, reading_test))
    assert response.status_code == expected[role], name


def test_points_report_exists_only_once_switched_on(world: World, client_for) -> None:
    url = reverse("scores:points-report")
    for role in ROLES:
        assert client_for(world.users[role]).get(url).status_code == 404
    PointsSetting.objects.create(school=world.school, enabled=True)
    for role in ROLES:
        assert client_for(world.users[role]).get(url).status_code == AGGREGATES[role], role


def _cell(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return (
        reverse("scores:results-cell", args=[t.pk, w.class_a.pk]),
        {"pupil": w.pupils_a[0].pk, "raw": "20", "version": 0},
    )


def _targets(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    pupil = w.pupils_a[0]
    return (
        reverse("scores:class-targets", args=[w.class_a.pk, "maths"]),
        {"kind": "score", f"version-{pupil.pk}": 0, f"target-{pupil.pk}": "100"},
    )


def _progress(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    pupil = w.pupils_a[0]
    return (
        reverse("scores:class-progress", args=[w.class_a.pk, "maths"]),
        {f"version-{pupil.pk}": 0, f"good-{pupil.pk}": "yes"},
    )


def _prior(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return (
        reverse("scores:class-prior", args=[w.class_a.pk, "maths"]),
        {"pupil": w.pupils_a[0].pk, "group": ""},
    )


def _test_new(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return (
        reverse("scores:test-new"),
        {
            "name": "Spring reading",
            "subject": t.subject_id,
            "nc_year": 3,
            "taken_on": "2027-03-20",
            "max_raw_mark": 50,
            "score_kind": "scaled",
            "table": t.table_id,
            "thresholds": t.thresholds_id,
        },
    )


def _builtin(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return reverse("scores:table-builtin"), {"key": "ks2-2024-gps"}


def _thresholds_new(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return reverse("scores:thresholds-new"), {"preset": "standardised"}


def _thresholds(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    assert t.thresholds is not None
    return (
        reverse("scores:thresholds", args=[t.thresholds_id]),
        {
            "name": "KS2",
            "label": ["Not yet", "Expected"],
            "min_score": ["0", "100"],
            "meets": ["2"],
            "version": t.thresholds.version,
        },
    )


def _points(w: World, t: Test) -> tuple[str, dict[str, Any]]:
    return reverse("scores:points"), {"action": "on", "version": 1, "understood": "yes"}


WRITES = [
    (
        "results-cell",
        _cell,
        {
            "admin": 200,
            "leader": 200,
            "teacher": 200,
            "other_teacher": 403,
            "ta": 403,
            "senco": 403,
            "governor": 404,
        },
    ),
    ("class-targets", _targets, CLASS_EDIT),
    ("class-progress", _progress, CLASS_EDIT),
    ("class-prior", _prior, CLASS_EDIT),
    ("test-new", _test_new, MANAGE),
    ("table-builtin", _builtin, MANAGE),
    ("thresholds-new", _thresholds_new, MANAGE),
    ("thresholds", _thresholds, MANAGE),
    ("points", _points, MANAGE),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "make", "expected"), WRITES, ids=[w[0] for w in WRITES])
def test_writes(
    world: World,
    client_for,
    reading_test: Test,
    role: str,
    name: str,
    make: Callable[[World, Test], tuple[str, dict[str, Any]]],
    expected: dict[str, int],
) -> None:
    PointsSetting.objects.get_or_create(school=world.school)
    url, data = make(world, reading_test)
    response = client_for(world.users[role]).post(
        url, data, HTTP_ACCEPT="application/json" if name == "results-cell" else "text/html"
    )
    assert response.status_code == expected[role], (name, response.content[:300])


def test_table_upload_for_leaders_only(world: World, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(role: str) -> int:
        upload = SimpleUploadedFile("t.csv", b"raw_mark,score\n0-10,80\n")
        data = {"name": f"Table {role}", "kind": "standardised", "max_raw_mark": 10, "file": upload}
        return client_for(world.users[role]).post(reverse("scores:table-upload"), data).status_code

    assert {role: post(role) for role in ROLES} == MANAGE


@pytest.mark.parametrize(("name", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_another_school_s_ids_are_404(
    world: World,
    other_world: World,
    client_for,
    other_test: Test,
    name: str,
    url: Url,
    expected: dict[str, int],
) -> None:
    target = url(other_world, other_test)
    if target == url(world, other_test) and "classes" not in target:
        pytest.skip("this page has no ids of its own")
    response = client_for(world.users["leader"]).get(target)
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "make", "expected"), WRITES, ids=[w[0] for w in WRITES])
def test_another_school_s_ids_are_404_for_writes(
    world: World,
    other_world: World,
    client_for,
    other_test: Test,
    name: str,
    make: Any,
    expected: dict[str, int],
) -> None:
    url, data = make(other_world, other_test)
    response = client_for(world.users["leader"]).post(url, data)
    if name == "test-new":
        # The other school's subject and table in the form: refused by name, nothing made.
        assert response.status_code == 400
        assert "Choose the test's subject." in response.context["test_errors"]
        assert not Test.objects.filter(name="Spring reading").exists()
        return
    if url in (
        reverse("scores:table-builtin"),
        reverse("scores:thresholds-new"),
        reverse("scores:points"),
    ):
        pytest.skip("this write has no ids of its own")
    assert response.status_code == 404


def test_results_of_another_school_s_test_for_our_class_is_404(
    world: World, client_for, other_test: Test
) -> None:
    url = reverse("scores:results", args=[other_test.pk, world.class_a.pk])
    assert client_for(world.users["leader"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("scores:results-cell", "get"),
        ("scores:test-new", "get"),
        ("scores:table-builtin", "get"),
        ("scores:thresholds-new", "get"),
        ("scores:table-upload", "get"),
        ("scores:index", "post"),
        ("scores:targets-report", "post"),
        ("scores:prior-report", "post"),
        ("scores:points", "put"),
        ("scores:class-targets", "delete"),
        ("scores:class-progress", "put"),
        ("scores:class-prior", "get"),
    ],
)
def test_wrong_methods(
    world: World, client_for, reading_test: Test, name: str, method: str
) -> None:
    args: list[int | str] = []
    if name == "scores:results-cell":
        args = [reading_test.pk, world.class_a.pk]
    elif name in ("scores:class-targets", "scores:class-progress", "scores:class-prior"):
        args = [world.class_a.pk, "maths"]
    response = getattr(client_for(world.users["leader"]), method)(reverse(name, args=args))
    assert response.status_code == 405


def test_trust_leaders_see_none_of_it(world: World, client_for, reading_test: Test) -> None:
    assert world.school.trust is not None
    client = client_for(make_trust_leader(world.school.trust))
    for name, url, _ in PAGES:
        assert client.get(url(world, reading_test)).status_code == 404, name


def test_anonymous_users_sign_in_first(client, world: World, reading_test: Test) -> None:
    for name, url, _ in PAGES:
        response = client.get(url(world, reading_test))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_a_leader_s_new_test_is_really_made(world: World, client_for, reading_test: Test) -> None:
    url, data = _test_new(world, reading_test)
    client_for(world.users["leader"]).post(url, data)
    assert Test.objects.filter(name="Spring reading").exists()
    assert definitions.table_rows(reading_test.table)  # type: ignore[arg-type]
