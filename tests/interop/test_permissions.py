"""Every import and transfer URL against every role, another school's ids and the wrong method.

School admins manage imports; senior leaders too where the school's setting
allows; everyone else (and trust leaders) gets 404, so the pages are not revealed.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, make_trust_leader
from tests.interop.conftest import csv_bytes, sims_row
from trackwell.interop import pipeline
from trackwell.interop.models import PendingImport
from trackwell.pupils import services as pupil_services

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]


@dataclass
class Ids:
    mapping: int  # an upload waiting for its mapping step
    ready: int  # an upload waiting for its preview
    leaver: int
    pupil: int


def _ids(world: World) -> Ids:
    data = csv_bytes([sims_row(1, "Ok", "Pupil")])
    mapping = pipeline.receive(
        user=world.users["admin"],
        school=world.school,
        kind="pupils",
        filename="a.csv",
        data=data,
        options={},
    ).pending
    ready = pipeline.receive(
        user=world.users["admin"],
        school=world.school,
        kind="pupils",
        filename="b.csv",
        data=data + b"\r\n",
        options={"full": False},
    ).pending
    assert mapping is not None and ready is not None
    assert not pipeline.map_columns(
        ready,
        {
            h: f
            for h, f in zip(
                ["UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year"],
                ["upn", "last_name", "first_name", "date_of_birth", "sex", "nc_year"],
                strict=True,
            )
        },
        remember=False,
    ).errors
    leaver = world.pupils_b[0]
    pupil_services.mark_left(None, world.school, leaver, left_on=timezone.localdate())
    return Ids(mapping.pk, ready.pk, leaver.pk, world.pupils_a[0].pk)


# (name, method, url, expected status for an admin, form data)
Case = tuple[str, str, Callable[[Ids], str], int, dict[str, object]]
CASES: list[Case] = [
    ("index", "get", lambda i: reverse("imports:index"), 200, {}),
    ("upload pupils", "get", lambda i: reverse("imports:upload", args=["pupils"]), 200, {}),
    ("upload oneroster", "get", lambda i: reverse("imports:upload", args=["oneroster"]), 200, {}),
    ("upload ctf", "get", lambda i: reverse("imports:upload", args=["ctf"]), 200, {}),
    ("upload transition", "get", lambda i: reverse("imports:upload", args=["transition"]), 200, {}),
    ("upload bad file", "post", lambda i: reverse("imports:upload", args=["ctf"]), 400, {}),
    ("columns", "get", lambda i: reverse("imports:columns", args=[i.mapping]), 200, {}),
    (
        "columns post",
        "post",
        lambda i: reverse("imports:columns", args=[i.mapping]),
        302,
        {
            "column-0": "upn",
            "column-1": "last_name",
            "column-2": "first_name",
            "column-3": "date_of_birth",
            "column-4": "sex",
            "column-5": "nc_year",
        },
    ),
    ("preview", "get", lambda i: reverse("imports:preview", args=[i.ready]), 200, {}),
    ("commit", "post", lambda i: reverse("imports:preview", args=[i.ready]), 409, {"digest": "x"}),
    ("discard", "post", lambda i: reverse("imports:discard", args=[i.ready]), 302, {}),
    ("leavers", "get", lambda i: reverse("imports:leavers"), 200, {}),
    (
        "leavers ctf",
        "get",
        lambda i: reverse("imports:leavers-ctf") + f"?pupil={i.leaver}",
        200,
        {},
    ),
    (
        "leavers transition",
        "get",
        lambda i: reverse("imports:leavers-transition") + f"?pupil={i.leaver}",
        200,
        {},
    ),
    ("received", "get", lambda i: reverse("imports:transition-received", args=[i.pupil]), 200, {}),
]


def _call(client: Client, case: Case, ids: Ids) -> int:
    _, method, url, _, data = case
    return getattr(client, method)(url(ids), data).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_url_for_every_role(world: World, client_for, role: str, case: Case) -> None:
    ids = _ids(world)
    expected = case[3] if role == "admin" else 404
    assert _call(client_for(world.users[role]), case, ids) == expected


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_leaders_manage_imports_where_the_school_allows(
    world: World, client_for, case: Case
) -> None:
    world.school.leaders_manage_people = True
    world.school.save(update_fields=["leaders_manage_people"])
    ids = _ids(world)
    assert _call(client_for(world.users["leader"]), case, ids) == case[3]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_trust_leaders_and_signed_out_visitors(world: World, client_for, case: Case) -> None:
    ids = _ids(world)
    assert world.school.trust is not None
    trust_leader = make_trust_leader(world.school.trust)
    assert _call(client_for(trust_leader), case, ids) == 404
    status = _call(Client(), case, ids)
    assert status == 302  # to the sign-in page


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_another_schools_admin_gets_404_for_our_ids(
    world: World, other_world: World, client_for, case: Case
) -> None:
    ids = _ids(world)
    uses_ids = case[0] in {
        "columns",
        "columns post",
        "preview",
        "commit",
        "discard",
        "leavers ctf",
        "leavers transition",
        "received",
    }
    status = _call(client_for(other_world.users["admin"]), case, ids)
    if uses_ids:
        assert status == 404
    else:
        assert status == case[3]  # their own pages work for them
    assert PendingImport.objects.filter(pk=ids.ready).exists() or case[0] == "discard"


@pytest.mark.parametrize(
    ("url", "method"),
    [
        (lambda i: reverse("imports:index"), "post"),
        (lambda i: reverse("imports:leavers"), "post"),
        (lambda i: reverse("imports:leavers-ctf"), "post"),
        (lambda i: reverse("imports:leavers-transition"), "post"),
        (lambda i: reverse("imports:transition-received", args=[i.pupil]), "post"),
        (lambda i: reverse("imports:discard", args=[i.ready]), "get"),
        (lambda i: reverse("imports:preview", args=[i.ready]), "put"),
        (lambda i: reverse("imports:upload", args=["pupils"]), "delete"),
    ],
)
def test_wrong_methods_are_405(world: World, client_for, url, method: str) -> None:
    ids = _ids(world)
    response = getattr(client_for(world.users["admin"]), method)(url(ids))
    assert response.status_code == 405


def test_framework_uploads_stay_on_the_curriculum_pages(world: World, client_for) -> None:
    staged = pipeline.stage(
        user=None,
        school=world.school,
        kind="csv",
        filename="f.csv",
        data=b"subject,year,strand,code,statement\nArt,2,Drawing,AR2-1,Draw\n",
        options={},
    )
    assert staged.pending is not None
    admin = client_for(world.users["admin"])
    assert admin.get(reverse("imports:preview", args=[staged.pending.pk])).status_code == 404
    assert admin.get(reverse("imports:upload", args=["csv"])).status_code == 404
    assert admin.get(reverse("imports:upload", args=["nonsense"])).status_code == 404
    # ... and a pupil upload is not reachable through the curriculum preview.
    ids = _ids(world)
    leader = client_for(world.users["leader"])
    assert leader.get(reverse("curriculum-import-preview", args=[ids.ready])).status_code == 404


def test_leavers_downloads_refuse_pupils_on_roll_and_other_schools(
    world: World, other_world: World, client_for
) -> None:
    ids = _ids(world)
    admin = client_for(world.users["admin"])
    on_roll = reverse("imports:leavers-ctf") + f"?pupil={ids.pupil}"
    assert admin.get(on_roll).status_code == 404
    theirs = reverse("imports:leavers-ctf") + f"?pupil={other_world.pupils_a[0].pk}"
    assert admin.get(theirs).status_code == 404
    assert admin.get(reverse("imports:leavers-ctf")).status_code == 404


@pytest.mark.parametrize("bad", ["9" * 5000, str(2**63), "10" + "0" * 30, "-1", "٣"])
def test_leavers_downloads_answer_out_of_range_ids_with_404(
    world: World, client_for, bad: str
) -> None:
    ids = _ids(world)
    admin = client_for(world.users["admin"])
    for name in ("imports:leavers-ctf", "imports:leavers-transition"):
        assert admin.get(reverse(name), {"pupil": bad}).status_code == 404
        # One bad id among good ones is refused whole.
        assert admin.get(reverse(name), {"pupil": [ids.leaver, bad]}).status_code == 404
        assert admin.get(reverse(name), {"pupil": ids.leaver}).status_code == 200


def test_the_pupil_list_reads_past_a_year_group_of_5000_digits(world: World, client_for) -> None:
    admin = client_for(world.users["admin"])
    got = admin.get(reverse("people-pupils"), {"nc_year": "9" * 5000})
    assert got.status_code == 200
