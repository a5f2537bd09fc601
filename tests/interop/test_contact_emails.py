"""Contacts' emails in pupil imports: one email is one contact of the school.

An email another family's contact already holds is resolved in the preview (the
same name links that contact, shown as "link"; another name is refused by row
and column), never linked silently at commit; a blank cell changes nothing.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import World
from tests.interop.conftest import SIMS_HEADER, csv_bytes, sims_row, upn
from tests.interop.test_oneroster_sync import _bundle
from trackwell.accounts.models import AuditEntry, Role, User
from trackwell.interop import pipeline
from trackwell.parents import services
from trackwell.parents.models import ChildLink, Contact
from trackwell.pupils.models import Pupil

pytestmark = pytest.mark.django_db

HEADER = [
    *SIMS_HEADER,
    "Contact 1 Forename",
    "Contact 1 Surname",
    "Contact 1 Relationship",
    "Contact 1 Email",
    "Contact 1 Telephone",
]


def _row(
    serial: int, pupil: str, contact: str, email: str, relationship: str = "Mother", phone: str = ""
) -> list[str]:
    first, last = contact.split(" ", 1)
    return [*sims_row(serial, pupil, "Sam"), first, last, relationship, email, phone]


def _file(*rows: list[str]) -> bytes:
    return csv_bytes(rows, HEADER)


def _prepare(world: World, data: bytes, kind: str = "pupils", **options: object):
    return pipeline.prepare(school=world.school, kind=kind, data=data, options=dict(options))


def _apply(world: World, data: bytes, kind: str = "pupils", **options: object):
    return pipeline.apply_now(
        user=world.users["admin"], school=world.school, kind=kind, data=data, options=options
    )


@pytest.fixture
def other_family(world: World) -> ChildLink:
    """Another pupil's parent, with a parent account: linking them shows them a child."""
    link = services.add_contact(
        user=world.users["admin"],
        pupil=world.pupils_a[0],
        first_name="Aoife",
        last_name="Byrne",
        email="aoife@home.example",
    )
    parent = User.objects.create(
        username="aoife", role=Role.PARENT, school=world.school, email="aoife@home.example"
    )
    Contact.objects.filter(pk=link.contact_id).update(user=parent)
    return link


def test_another_familys_email_with_another_name_is_refused_by_row_and_column(
    world: World, other_family: ChildLink
) -> None:
    data = _file(_row(1, "Evans", "Mallory Evans", "Aoife@Home.example"))
    prepared = _prepare(world, data)
    assert prepared.problems == [
        "Row 2, column 'Contact 1 Email': aoife@home.example is the email of Aoife Byrne, "
        "another contact of the school, but this row names Mallory Evans. A contact is "
        "linked to a child only when the email and the name agree: correct the email or "
        "the name in the MIS, or leave the email blank."
    ]
    done, result = _apply(world, data)
    assert result is None and done.problems
    # Nothing written: no pupil, and Aoife's account reaches only her own child.
    assert not Pupil.objects.filter(upn=upn(1)).exists()
    assert list(ChildLink.objects.values_list("pupil_id", flat=True)) == [world.pupils_a[0].pk]


def test_another_familys_email_with_the_same_name_links_that_contact_as_the_preview_says(
    world: World, other_family: ChildLink
) -> None:
    data = _file(_row(1, "Evans", "Aoife  Byrne", "aoife@home.example", relationship="Aunt"))
    prepared = _prepare(world, data)
    assert prepared.problems == []
    (change,) = [c for c in prepared.plan.changes if c.kind == "contact"]
    assert (change.action, change.label) == ("link", "Aoife Byrne for Sam Evans")
    assert change.notes == [
        "Links the existing contact Aoife Byrne to Sam Evans; no new contact is made.",
        "Aoife Byrne has a parent account: they will see Sam Evans once this is imported.",
    ]
    assert [(f.label, f.old, f.new) for f in change.fields] == [("Relationship", None, "Aunt")]
    assert prepared.plan.count("link") == 1 and prepared.plan.count("create", "contact") == 0
    _apply(world, data)
    sam = Pupil.objects.get(upn=upn(1))
    link = ChildLink.objects.get(pupil=sam)
    assert link.contact_id == other_family.contact_id and link.relationship == "Aunt"
    assert Contact.objects.count() == 1
    assert AuditEntry.objects.filter(action="family.link", object_id=str(link.pk)).exists()
    # Now a contact of Sam too: the same file again changes nothing.
    assert _prepare(world, data).plan.changes == []


def test_the_preview_page_says_which_existing_contact_a_row_links(
    world: World, other_family: ChildLink, client_for
) -> None:
    client = client_for(world.users["admin"])
    data = _file(_row(1, "Evans", "Aoife Byrne", "aoife@home.example"))
    upload = client.post(
        reverse("imports:upload", args=["pupils"]),
        {"file": SimpleUploadedFile("pupils.csv", data), "full": ""},
    )
    columns = client.get(upload["Location"])
    choices = {f"column-{h['index']}": h["choice"] for h in columns.context["headers"]}
    preview = client.get(client.post(upload["Location"], choices)["Location"])
    html = preview.content.decode()
    assert "1 contact to link (already known to the school)" in html
    assert "Links the existing contact Aoife Byrne to Sam Evans; no new contact is made." in html
    assert "Aoife Byrne has a parent account" in html
    assert not ChildLink.objects.filter(pupil__upn=upn(1)).exists()  # not until confirmed


def test_a_contacts_new_email_held_by_another_contact_is_refused_in_the_preview(
    world: World, other_family: ChildLink
) -> None:
    _apply(world, _file(_row(1, "Evans", "Mallory Evans", "mallory@home.example")))
    mallory = Contact.objects.get(email="mallory@home.example")
    # Matched to Sam's Mallory by name; the email is Aoife's.
    data = _file(_row(1, "Evans", "Mallory Evans", "aoife@home.example"))
    prepared = _prepare(world, data)
    assert prepared.problems == [
        "Row 2, column 'Contact 1 Email': aoife@home.example is the email of Aoife Byrne, "
        "another contact of the school, so it cannot become Mallory Evans's. Each contact "
        "has their own email: correct it in the MIS, or leave the cell blank."
    ]
    _, result = _apply(world, data)
    assert result is None
    mallory.refresh_from_db()
    assert mallory.email == "mallory@home.example"


def test_one_new_email_in_two_rows_is_one_contact_when_the_names_agree_else_refused(
    world: World,
) -> None:
    siblings = _file(
        _row(1, "Evans", "Mallory Evans", "mallory@home.example"),
        _row(2, "Evans", "Mallory Evans", "mallory@home.example", relationship="Father"),
    )
    plan = _prepare(world, siblings).plan
    contacts = [(c.action, c.label, c.notes[0]) for c in plan.changes if c.kind == "contact"]
    assert contacts[1] == (
        "link",
        "Mallory Evans for Sam Evans",
        "Links the existing contact Mallory Evans (added from row 2 of this file) to Sam "
        "Evans; no new contact is made.",
    )
    assert contacts[0][0] == "create"
    _apply(world, siblings)
    mallory = Contact.objects.get(email="mallory@home.example")
    assert sorted(mallory.links.values_list("relationship", flat=True)) == ["Father", "Mother"]
    strangers = _file(
        _row(3, "Jones", "Mallory Evans", "shared@home.example"),
        _row(4, "Ng", "Kim Ng", "shared@home.example"),
    )
    assert _prepare(world, strangers).problems == [
        "Row 3, column 'Contact 1 Email': shared@home.example is the email of Mallory Evans, "
        "a contact this file adds on row 2, but this row names Kim Ng. A contact is linked "
        "to a child only when the email and the name agree: correct the email or the name "
        "in the MIS, or leave the email blank."
    ]


def test_blank_contact_cells_in_a_reimport_keep_what_is_stored(world: World) -> None:
    _apply(world, _file(_row(1, "Evans", "Mallory Evans", "m@home.example", phone="0123 456")))
    blank = _file(_row(1, "Evans", "Mallory Evans", "", relationship="", phone=""))
    prepared = _prepare(world, blank)
    assert prepared.problems == [] and prepared.plan.changes == []
    _apply(world, blank)
    link = ChildLink.objects.select_related("contact").get(pupil__upn=upn(1))
    assert (link.contact.email, link.contact.phone, link.relationship) == (
        "m@home.example",
        "0123 456",
        "Mother",
    )
    # A value still changes it.
    (change,) = _prepare(world, _file(_row(1, "Evans", "Mallory Evans", "", "Carer"))).plan.changes
    assert [(f.old, f.new) for f in change.fields] == [("Mother", "Carer")]


def test_blank_parts_given_to_the_plan_change_nothing(world: World) -> None:
    """A pending import read before blanks were left out still keeps stored values."""
    from trackwell.interop.contacts import plan_contacts

    _apply(world, _file(_row(1, "Evans", "Mallory Evans", "m@home.example", phone="0123")))
    sam = Pupil.objects.get(upn=upn(1))
    plan = pipeline.Plan()
    given = {"first_name": "Mallory", "last_name": "Evans", "email": "", "phone": ""}
    plan_contacts(world.school, plan, [(sam, sam.full_name, [given], 2)])
    assert plan.changes == [] and plan.errors == []


def test_a_contact_whose_access_was_revoked_is_not_linked_again_by_a_reimport(
    world: World,
) -> None:
    data = _file(_row(1, "Evans", "Mallory Evans", "m@home.example"))
    _apply(world, data)
    link = ChildLink.objects.get(pupil__upn=upn(1))
    services.revoke_link(user=world.users["admin"], link=link)
    for again in (data, _file(_row(1, "Evans", "Mallory Evans", ""))):  # by email, by name
        prepared = _prepare(world, again)
        assert prepared.problems == [] and prepared.plan.changes == []
        assert prepared.plan.warnings == [
            f"Row 2: Mallory Evans's access to Sam Evans was revoked on "
            f"{timezone.localdate():%d/%m/%Y}, so the import does not link them again; add "
            "them on the pupil's family page if that is wanted."
        ]
        _apply(world, again)
    assert not ChildLink.objects.filter(pupil__upn=upn(1), revoked_at__isnull=True).exists()
    assert Contact.objects.count() == 1


# OneRoster: parents and guardians are users named in a student's agents.
USERS = [
    ["s1", "", "sch", "student", "Ada", "Lovelace", upn(41), "03", "", "g1"],
    ["g1", "", "sch", "guardian", "Anne", "Byron", "", "", "aoife@home.example", ""],
]


def _roster(users: list[list[str]]) -> bytes:
    return _bundle(users=users, enrolments=[], classes=[["c1", "", "3 Robins", "sch", "t1", "03"]])


def test_oneroster_agent_with_another_familys_email_is_refused_or_linked_by_name(
    world: World, other_family: ChildLink
) -> None:
    prepared = _prepare(world, _roster(USERS), kind="oneroster", full=False)
    assert prepared.problems == [
        "users.csv, row 3, column 'email': aoife@home.example is the email of Aoife Byrne, "
        "another contact of the school, but this row names Anne Byron. A contact is linked "
        "to a child only when the email and the name agree: correct the email or the name "
        "in the MIS, or leave the email blank."
    ]
    same = [
        USERS[0],
        ["g1", "", "sch", "guardian", "Aoife", "Byrne", "", "", "aoife@home.example", ""],
    ]
    plan = _prepare(world, _roster(same), kind="oneroster", full=False).plan
    (change,) = [c for c in plan.changes if c.kind == "contact"]
    assert change.action == "link" and change.data["contact"] == other_family.contact_id
    _apply(world, _roster(same), kind="oneroster", full=False)
    assert ChildLink.objects.get(pupil__upn=upn(41)).contact_id == other_family.contact_id


def test_oneroster_agent_without_an_email_keeps_the_stored_one(world: World) -> None:
    users = [
        USERS[0],
        ["g1", "", "sch", "guardian", "Anne", "Byron", "", "", "anne@home.example", ""],
    ]
    _apply(world, _roster(users), kind="oneroster", full=False)
    users[1][8] = ""
    assert _prepare(world, _roster(users), kind="oneroster", full=False).plan.changes == []
    _apply(world, _roster(users), kind="oneroster", full=False)
    assert ChildLink.objects.get(pupil__upn=upn(41)).contact.email == "anne@home.example"


HEADER_TWO = [
    *HEADER,
    "Contact 2 Forename",
    "Contact 2 Surname",
    "Contact 2 Relationship",
    "Contact 2 Email",
    "Contact 2 Telephone",
]


def test_one_contact_is_not_linked_twice_to_a_child_through_two_columns(world: World) -> None:
    _apply(world, _file(_row(1, "Evans", "Jo Evans", "jo@home.example")))
    jo = Contact.objects.get(email="jo@home.example")
    # Contact 1 matches Jo by name (a new email); contact 2 gives Jo's stored email.
    row = [
        *_row(1, "Evans", "Jo Evans", "jo2@home.example"),
        *["Jo", "Evans", "Father", "jo@home.example", ""],
    ]
    data = csv_bytes([row], HEADER_TWO)
    prepared = _prepare(world, data)
    assert prepared.problems == [
        "Row 2, column 'Contact 2 Email': jo@home.example is the email of Jo Evans, who is "
        "already Sam Evans's contact in another column of this row (matched by name there). "
        "Each contact of a child once: correct the email in the MIS, or leave the cell blank."
    ]
    _, result = _apply(world, data)
    assert result is None
    jo.refresh_from_db()
    assert jo.email == "jo@home.example" and jo.links.count() == 1


def test_a_name_spaced_differently_matches_the_childs_contact(world: World) -> None:
    _apply(world, _file(_row(1, "Evans", "Mary Ann Evans", "")))
    Contact.objects.update(last_name="Ann  Evans")  # as typed long ago
    plan = _prepare(world, _file(_row(1, "Evans", "Mary Ann Evans", ""))).plan
    contacts = [(c.action, c.label) for c in plan.changes if c.kind == "contact"]
    assert contacts == [("change", "Mary Ann  Evans for Sam Evans")]
    assert Contact.objects.count() == 1


def test_a_parent_account_made_after_the_preview_moves_its_digest(world: World) -> None:
    services.add_contact(
        user=world.users["admin"],
        pupil=world.pupils_a[0],
        first_name="Aoife",
        last_name="Byrne",
        email="aoife@home.example",
    )
    data = _file(_row(1, "Evans", "Aoife Byrne", "aoife@home.example"))
    before = _prepare(world, data).plan
    (change,) = [c for c in before.changes if c.kind == "contact"]
    assert change.action == "link" and change.data["has_account"] is False
    # Aoife accepts her invitation before the import is confirmed.
    parent = User.objects.create(
        username="aoife", role=Role.PARENT, school=world.school, email="aoife@home.example"
    )
    Contact.objects.filter(email="aoife@home.example").update(user=parent)
    after = _prepare(world, data).plan
    assert after.digest != before.digest
    (change,) = [c for c in after.changes if c.kind == "contact"]
    assert change.data["has_account"] is True
