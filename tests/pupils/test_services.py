"""Pupil write services: create, dated changes, leaving, moving and enrolling."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.core.models import AcademicYear
from trackwell.core.versioning import EditConflict
from trackwell.pupils import services
from trackwell.pupils.models import Enrolment, PastEnrolment, Pupil, SchoolClass
from trackwell.pupils.upn import make_upn

pytestmark = pytest.mark.django_db

NEW_UPN = make_upn(823, 2001, 20, 7)


def new_pupil(world: World, **extra: object) -> Pupil:
    values: dict = {
        "upn": NEW_UPN,
        "first_name": "Zoë",
        "last_name": "O'Brien-Smith",
        "date_of_birth": dt.date(2018, 3, 4),
        "sex": "F",
        "nc_year": 3,
    }
    values.update(extra)
    return services.create_pupil(world.users["admin"], world.school, **values)


def test_create_pupil_enrols_dates_attributes_and_audits(world: World) -> None:
    pupil = new_pupil(world, sen_status="K", school_class=world.class_a)
    assert pupil.full_name == "Zoë O'Brien-Smith"
    assert Enrolment.objects.filter(pupil=pupil, school_class=world.class_a).exists()
    assert services.attribute_on(pupil, "sen_status", services.today()) == "K"
    actions = set(
        AuditEntry.objects.filter(object_id__in=[str(pupil.pk)]).values_list("action", flat=True)
    )
    assert "pupil.create" in actions
    assert AuditEntry.objects.filter(action="pupil.enrol").exists()


def test_create_pupil_names_every_bad_field(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_pupil(
            world.users["admin"],
            world.school,
            upn="A123",
            first_name=" ",
            last_name="Ok",
            date_of_birth=dt.date(2099, 1, 1),
            sex="X",
            nc_year=15,
            sen_status="Q",
        )
    fields = set(exc.value.message_dict)
    assert fields == {"upn", "first_name", "date_of_birth", "sex", "nc_year", "sen_status"}
    assert Pupil.objects.filter(last_name="Ok").count() == 0


def test_duplicate_upn_is_refused(world: World) -> None:
    new_pupil(world)
    with pytest.raises(ValidationError) as exc:
        new_pupil(world, first_name="Other")
    assert "upn" in exc.value.message_dict


def test_update_keeps_dated_history_and_checks_versions(world: World) -> None:
    pupil = world.pupils_a[0]
    admin = world.users["admin"]
    autumn, spring = dt.date(2026, 10, 1), dt.date(2027, 2, 1)
    changed = services.update_pupil(
        admin, world.school, pupil, {"sen_status": "K"}, effective_from=autumn, expected_version=1
    )
    assert changed == ["sen_status"]
    services.update_pupil(
        admin,
        world.school,
        pupil,
        {"sen_status": "E", "disadvantaged": True},
        effective_from=spring,
        expected_version=2,
    )
    assert services.attribute_on(pupil, "sen_status", dt.date(2026, 12, 1)) == "K"
    assert services.attribute_on(pupil, "sen_status", dt.date(2027, 3, 1)) == "E"
    assert services.attribute_on(pupil, "disadvantaged", dt.date(2027, 3, 1)) == "yes"
    entry = AuditEntry.objects.filter(action="pupil.update").first()
    assert entry is not None and entry.old == {"sen_status": "K", "disadvantaged": "no"}
    # A stale form is a conflict naming both values; nothing saved.
    with pytest.raises(EditConflict) as conflict:
        services.update_pupil(admin, world.school, pupil, {"sen_status": "N"}, expected_version=2)
    diff = conflict.value.differences[0]
    assert (diff.field, diff.yours, diff.theirs) == ("sen_status", "N", "E")
    pupil.refresh_from_db()
    assert pupil.sen_status == "E" and pupil.version == 3
    # A change dated before the last recorded one is refused.
    with pytest.raises(ValidationError) as exc:
        services.update_pupil(
            admin, world.school, pupil, {"sen_status": "K"}, effective_from=autumn
        )
    assert "effective_from" in exc.value.message_dict


def test_update_with_no_changes_writes_nothing(world: World) -> None:
    pupil = world.pupils_a[0]
    before = AuditEntry.objects.count()
    assert (
        services.update_pupil(
            world.users["admin"], world.school, pupil, {"first_name": pupil.first_name}
        )
        == []
    )
    assert AuditEntry.objects.count() == before


def test_mark_left_keeps_record_and_last_year(world: World) -> None:
    pupil = world.pupils_a[0]
    old_year = AcademicYear.objects.create(
        school=world.school,
        name="2025/26",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 8, 31),
    )
    old_class = SchoolClass.objects.create(
        school=world.school, year=old_year, name="2 Elm", nc_year=2
    )
    Enrolment.objects.create(school=world.school, pupil=pupil, school_class=old_class)
    services.mark_left(
        world.users["admin"], world.school, pupil, left_on=dt.date(2027, 1, 15), reason="Moved away"
    )
    pupil.refresh_from_db()
    assert pupil.left_on == dt.date(2027, 1, 15)
    assert not Enrolment.objects.filter(pupil=pupil, school_class=world.class_a).exists()
    assert Enrolment.objects.filter(pupil=pupil, school_class=old_class).exists()
    past = PastEnrolment.objects.get(pupil=pupil)
    assert (past.school_class, past.reason) == (world.class_a, "left")
    with pytest.raises(ValidationError) as exc:
        services.update_pupil(world.users["admin"], world.school, pupil, {"first_name": "New"})
    assert "pupil" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.enrol_pupil(world.users["admin"], world.school, pupil, world.class_b)
    with pytest.raises(ValidationError):
        services.mark_left(world.users["admin"], world.school, pupil, left_on=dt.date(2027, 2, 1))


def test_move_between_classes_keeps_the_old_class(world: World) -> None:
    pupil = world.pupils_a[1]
    services.move_pupil(
        world.users["admin"], world.school, pupil, world.class_b, moved_on=dt.date(2026, 11, 2)
    )
    assert list(Enrolment.objects.filter(pupil=pupil).values_list("school_class", flat=True)) == [
        world.class_b.pk
    ]
    past = PastEnrolment.objects.get(pupil=pupil)
    assert (past.school_class, past.ended_on, past.reason) == (
        world.class_a,
        dt.date(2026, 11, 2),
        "moved",
    )
    assert AuditEntry.objects.filter(action="pupil.move", object_id=str(pupil.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        services.move_pupil(
            world.users["admin"], world.school, pupil, world.class_a, from_class=world.class_a
        )
    assert "to_class" in exc.value.message_dict


def test_other_schools_objects_are_refused(world: World, other_world: World) -> None:
    with pytest.raises(ValidationError):
        services.enrol_pupil(
            world.users["admin"], world.school, other_world.pupils_a[0], world.class_a
        )
    with pytest.raises(ValidationError):
        services.move_pupil(
            world.users["admin"], world.school, world.pupils_a[0], other_world.class_a
        )


def test_classes_of_a_year_that_has_ended_keep_their_pupils(world: World) -> None:
    old_year = AcademicYear.objects.create(
        school=world.school,
        name="2024/25",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 8, 31),
    )
    old_class = SchoolClass.objects.create(
        school=world.school, year=old_year, name="1 Elm", nc_year=1
    )
    with pytest.raises(ValidationError) as exc:
        services.enrol_pupil(world.users["admin"], world.school, world.pupils_a[0], old_class)
    assert "which has ended" in exc.value.message_dict["school_class"][0]
    with pytest.raises(ValidationError):
        services.remove_from_class(world.users["admin"], world.school, world.pupils_a[0], old_class)
