"""Parents' contacts imported with pupils: MIS CSV contact columns and OneRoster agents."""

import pytest

from tests.factories import World
from tests.interop.conftest import SIMS_HEADER, csv_bytes, sims_row, upn
from tests.interop.test_oneroster_sync import _bundle
from trackwell.accounts.models import User
from trackwell.interop import pipeline
from trackwell.parents.models import ChildLink, Contact, Invitation
from trackwell.pupils.models import Pupil

pytestmark = pytest.mark.django_db

HEADER = [
    *SIMS_HEADER,
    "Contact 1 Forename",
    "Contact 1 Surname",
    "Contact 1 Relationship",
    "Priority 1 Contact Email",
    "Parental Responsibility",
    "Contact 2 Name",
    "Contact 2 Email",
]


def _file(*extra: list[str], sean: str = "") -> bytes:
    rows = [
        [
            *sims_row(1, "O'Brien", "Siobhán"),
            *("Aoife", "O'Brien", "Mother", "Aoife.OBrien@home.example", "Yes"),
            *("Seán O'Brien", sean),
        ],
        [*sims_row(2, "Smith", "Zoë"), *[""] * 7],
        *extra,
    ]
    return csv_bytes(rows, HEADER)


def _prepare(world: World, data: bytes, kind: str = "pupils", **options: object):
    return pipeline.prepare(school=world.school, kind=kind, data=data, options=dict(options))


def _apply(world: World, data: bytes, kind: str = "pupils", **options: object) -> None:
    pipeline.apply_now(
        user=world.users["admin"], school=world.school, kind=kind, data=data, options=options
    )


def test_mis_contact_columns_are_recognised_and_previewed_field_by_field(world: World) -> None:
    prepared = _prepare(world, _file())
    assert prepared.problems == []
    # The SIMS and Arbor header names are matched without the admin mapping them.
    columns = prepared.parsed.data[0]["contacts"]
    assert columns == [
        {
            "first_name": "Aoife",
            "last_name": "O'Brien",
            "relationship": "Mother",
            "email": "aoife.obrien@home.example",
            "parental_responsibility": True,
            "_where": {"email": "Priority 1 Contact Email"},
        },
        # A blank email is left out (it would keep a stored one); where the email goes is kept.
        {"first_name": "Seán", "last_name": "O'Brien", "_where": {"email": "Contact 2 Email"}},
    ]
    plan = prepared.plan
    assert plan is not None
    contacts = [c for c in plan.changes if c.kind == "contact"]
    assert [(c.action, c.label) for c in contacts] == [
        ("create", "Aoife O'Brien for Siobhán O'Brien"),
        ("create", "Seán O'Brien for Siobhán O'Brien"),
    ]
    assert [(f.label, f.new) for f in contacts[0].fields] == [
        ("First name", "Aoife"),
        ("Last name", "O'Brien"),
        ("Email", "aoife.obrien@home.example"),
        ("Relationship", "Mother"),
        ("Parental responsibility", "Yes"),
    ]


def test_mis_contacts_are_created_then_updated_and_a_reimport_changes_nothing(
    world: World,
) -> None:
    accounts = User.objects.count()
    _apply(world, _file())
    siobhan = Pupil.objects.get(upn=upn(1))
    links = ChildLink.objects.filter(pupil=siobhan).select_related("contact")
    assert sorted((link.contact.full_name, link.relationship) for link in links) == [
        ("Aoife O'Brien", "Mother"),
        ("Seán O'Brien", ""),
    ]
    aoife = links.get(contact__first_name="Aoife")
    assert aoife.parental_responsibility is True and aoife.contact.user is None
    # No account and no invitation: the school still invites.
    assert User.objects.count() == accounts and not Invitation.objects.exists()
    assert _prepare(world, _file()).plan.changes == []
    # A new email for Seán, matched by name.
    changed = _file(sean="sean@home.example")
    plan = _prepare(world, changed).plan
    (change,) = plan.changes
    assert change.action == "change" and [(f.old, f.new) for f in change.fields] == [
        ("", "sean@home.example")
    ]
    _apply(world, changed)
    assert Contact.objects.filter(email="sean@home.example").count() == 1
    assert _prepare(world, changed).plan.changes == []


def test_a_bad_contact_email_is_named_by_row_and_column_and_nothing_is_saved(
    world: World,
) -> None:
    bad = [*sims_row(3, "Khan", "Amir"), "Sara", "Khan", "Mother", "sara.at.home", "", "", ""]
    prepared = _prepare(world, _file(bad))
    assert prepared.problems == [
        "Row 4, column 'Priority 1 Contact Email': 'sara.at.home' is not an email address."
    ]
    done, result = pipeline.apply_now(
        user=world.users["admin"], school=world.school, kind="pupils", data=_file(bad), options={}
    )
    assert result is None and done.problems
    assert not Pupil.objects.filter(upn__in=[upn(1), upn(3)]).exists()
    assert not Contact.objects.exists()


def test_a_contact_without_a_name_is_refused(world: World) -> None:
    nameless = [*sims_row(3, "Khan", "Amir"), "", "", "Mother", "sara@home.example", "", "", ""]
    assert _prepare(world, _file(nameless)).problems == [
        "Row 4, column 'Contact 1 Surname': contact 1 needs a first name and a surname."
    ]


USERS = [
    ["s1", "", "sch", "student", "Ada", "Lovelace", upn(41), "03", "", "g1"],
    ["s2", "", "sch", "student", "Alan", "Turing", upn(42), "03", "", ""],
    ["g1", "", "sch", "guardian", "Anne", "Byron", "", "", "anne@home.example", ""],
    ["p2", "", "", "parent", "Ethel", "Turing", "", "", "ethel@home.example", "s2"],
]


def _roster(users: list[list[str]]) -> bytes:
    return _bundle(users=users, enrolments=[], classes=[["c1", "", "3 Robins", "sch", "t1", "03"]])


def test_oneroster_parents_and_guardians_linked_through_agents_become_contacts(
    world: World,
) -> None:
    prepared = _prepare(world, _roster(USERS), kind="oneroster", full=False)
    assert prepared.problems == []
    plan = prepared.plan
    contacts = [(c.action, c.label) for c in plan.changes if c.kind == "contact"]
    assert contacts == [
        ("create", "Anne Byron for Ada Lovelace"),  # named in Ada's agents
        ("create", "Ethel Turing for Alan Turing"),  # her agents name Alan
    ]
    _apply(world, _roster(USERS), kind="oneroster", full=False)
    anne = ChildLink.objects.get(pupil__upn=upn(41))
    assert (anne.contact.email, anne.relationship, anne.contact.user) == (
        "anne@home.example",
        "Guardian",
        None,
    )
    # Parents are never staff accounts.
    assert not User.objects.filter(email__in=["anne@home.example", "ethel@home.example"]).exists()
    assert _prepare(world, _roster(USERS), kind="oneroster", full=False).plan.changes == []
    renamed = [row[:] for row in USERS]
    renamed[2][5] = "King"
    (change,) = _prepare(world, _roster(renamed), kind="oneroster", full=False).plan.changes
    assert (change.action, [(f.old, f.new) for f in change.fields]) == (
        "change",
        [("Byron", "King")],
    )


def test_oneroster_parent_with_a_bad_email_is_named(world: World) -> None:
    users = [row[:] for row in USERS]
    users[3][8] = "ethel-at-home"
    prepared = _prepare(world, _roster(users), kind="oneroster", full=False)
    assert prepared.problems == [
        "users.csv, row 5, column 'email': 'ethel-at-home' is not an email address."
    ]
