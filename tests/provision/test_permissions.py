"""Every provision URL against every role, another school's ids (404) and the wrong method."""

import pytest
from django.urls import reverse

from tests.factories import make_trust_leader
from tests.provision.conftest import Provision

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
MANAGERS = {"admin": 200, "leader": 200, "senco": 200}


def _all(code: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, code) for role in ROLES}


# (name, how to build the URL's args, method, data, expected status per role)
CASES = [
    ("map", lambda p: [], "get", None, _all(200, governor=404)),
    ("year-map", lambda p: [3], "get", None, _all(200, governor=404)),
    ("class-map", lambda p: [p.world.class_a.pk], "get", None, _all(200, governor=404)),
    (
        "intervention",
        lambda p: [p.group_a.pk],
        "get",
        None,
        _all(200, other_teacher=404, governor=404),
    ),
    (
        "intervention",
        lambda p: [p.group_b.pk],
        "get",
        None,
        _all(200, teacher=404, ta=404, governor=404),
    ),
    (
        "intervention-edit",
        lambda p: [p.group_a.pk],
        "get",
        None,
        _all(200, teacher=403, other_teacher=404, ta=403, governor=404),
    ),
    (
        "intervention-action",
        lambda p: [p.group_a.pk, "start"],
        "post",
        lambda p: {"version": p.group_a.version},
        _all(302, teacher=403, other_teacher=404, ta=403, governor=404),
    ),
    (
        "participant-add",
        lambda p: [p.group_a.pk],
        "post",
        lambda p: {"pupil": p.world.pupils_a[4].pk, "target": "Count to 20"},
        _all(302, teacher=403, other_teacher=404, ta=403, governor=404),
    ),
    (
        "session",
        lambda p: [p.group_a.pk],
        "get",
        None,
        _all(200, teacher=403, other_teacher=404, governor=404),
    ),
    (
        "session",
        lambda p: [p.group_a.pk],
        "post",
        lambda p: {"date": "2026-11-05", "present": [p.participant_a.pk]},
        _all(302, teacher=403, other_teacher=404, governor=404),
    ),
    (
        "participant",
        lambda p: [p.participant_a.pk],
        "get",
        None,
        _all(200, other_teacher=404, governor=404),
    ),
    (
        "participant",
        lambda p: [p.participant_a.pk],
        "post",
        lambda p: {"what": "values", "version": p.participant_a.version, "comment": "x"},
        _all(302, teacher=403, other_teacher=404, governor=404),
    ),
    (
        "participant",
        lambda p: [p.participant_a.pk],
        "post",
        lambda p: {"what": "details", "version": p.participant_a.version, "comment": "Tired"},
        _all(302, teacher=403, other_teacher=404, ta=403, governor=404),
    ),
    (
        "from-gap",
        lambda p: [p.world.class_a.pk, "maths"],
        "get",
        None,
        _all(200, other_teacher=403, ta=403, governor=404),
    ),
    (
        "strategies",
        lambda p: [p.world.class_a.pk],
        "get",
        None,
        _all(200, other_teacher=403, ta=403, governor=404),
    ),
    (
        "strategy-add",
        lambda p: [p.world.class_a.pk],
        "post",
        lambda p: {"title": "Pre-teaching vocabulary"},
        _all(302, other_teacher=403, ta=403, governor=404),
    ),
    ("trust", lambda p: [], "get", None, _all(404)),
    (
        "intervention-new",
        lambda p: [],
        "get",
        None,
        _all(200, teacher=403, other_teacher=403, ta=403, governor=404),
    ),
    ("mine", lambda p: [], "get", None, _all(200, governor=404)),
    (
        "senco",
        lambda p: [],
        "get",
        None,
        _all(200, teacher=403, other_teacher=403, ta=403, governor=404),
    ),
    (
        "budget",
        lambda p: [],
        "post",
        lambda p: {"budget_pupil_premium": "12000"},
        _all(302, teacher=403, other_teacher=403, ta=403, governor=404),
    ),
    ("summary", lambda p: [], "get", None, _all(200, teacher=404, other_teacher=404, ta=404)),
    (
        "measures",
        lambda p: [],
        "get",
        None,
        _all(200, teacher=403, other_teacher=403, ta=403, governor=404),
    ),
    (
        "pupil-history",
        lambda p: [p.world.pupils_a[0].pk],
        "get",
        None,
        _all(200, governor=404),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "method", "data", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)],
)
def test_every_url_for_every_role(
    provision: Provision, client_for, role, name, args, method, data, expected
) -> None:
    url = reverse(f"provision:{name}", args=args(provision))
    client = client_for(provision.world.users[role])
    payload = data(provision) if data else None
    response = getattr(client, method)(url, payload) if payload else getattr(client, method)(url)
    assert response.status_code == expected[role], (name, role, response.status_code)


# URLs that carry another school's ids: every role of this school gets 404.
FOREIGN = [
    ("class-map", lambda o: [o.world.class_a.pk], "get"),
    ("intervention", lambda o: [o.group_a.pk], "get"),
    ("intervention-edit", lambda o: [o.group_a.pk], "get"),
    ("intervention-action", lambda o: [o.group_a.pk, "stop"], "post"),
    ("participant-add", lambda o: [o.group_a.pk], "post"),
    ("session", lambda o: [o.group_a.pk], "get"),
    ("session", lambda o: [o.group_a.pk], "post"),
    ("participant", lambda o: [o.participant_a.pk], "get"),
    ("participant", lambda o: [o.participant_a.pk], "post"),
    ("from-gap", lambda o: [o.world.class_a.pk, "maths"], "get"),
    ("strategies", lambda o: [o.world.class_a.pk], "get"),
    ("strategy-add", lambda o: [o.world.class_a.pk], "post"),
    ("pupil-history", lambda o: [o.world.pupils_a[0].pk], "get"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args", "method"), FOREIGN)
def test_another_schools_ids_are_404(
    provision: Provision, other_provision: Provision, client_for, role, name, args, method
) -> None:
    url = reverse(f"provision:{name}", args=args(other_provision))
    client = client_for(provision.world.users[role])
    data = {"version": 1, "what": "details", "pupil": other_provision.world.pupils_a[0].pk}
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404


def test_pupil_of_another_school_cannot_be_added(
    provision: Provision, other_provision, client_for
) -> None:
    url = reverse("provision:participant-add", args=[provision.group_a.pk])
    response = client_for(provision.world.users["senco"]).post(
        url, {"pupil": other_provision.world.pupils_a[0].pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("map", lambda p: [], "post"),
        ("intervention", lambda p: [p.group_a.pk], "post"),
        ("intervention-action", lambda p: [p.group_a.pk, "start"], "get"),
        ("participant-add", lambda p: [p.group_a.pk], "get"),
        ("budget", lambda p: [], "get"),
        ("strategy-add", lambda p: [p.world.class_a.pk], "get"),
        ("summary", lambda p: [], "post"),
        ("pupil-history", lambda p: [p.world.pupils_a[0].pk], "post"),
        ("session", lambda p: [p.group_a.pk], "put"),
    ],
)
def test_wrong_method(provision: Provision, client_for, name, args, method) -> None:
    url = reverse(f"provision:{name}", args=args(provision))
    response = getattr(client_for(provision.world.users["senco"]), method)(url)
    assert response.status_code == 405


def test_trust_leader(provision: Provision, client_for) -> None:
    trust = provision.world.school.trust
    assert trust is not None
    leader = make_trust_leader(trust)
    client = client_for(leader)
    assert client.get(reverse("provision:trust")).status_code == 200
    for name, args in [
        ("map", []),
        ("summary", []),
        ("intervention", [provision.group_a.pk]),
        ("pupil-history", [provision.world.pupils_a[0].pk]),
        ("senco", []),
    ]:
        assert client.get(reverse(f"provision:{name}", args=args)).status_code == 404, name


def test_unknown_action_is_404(provision: Provision, client_for) -> None:
    url = reverse("provision:intervention-action", args=[provision.group_a.pk, "delete"])
    assert client_for(provision.world.users["senco"]).post(url).status_code == 404
