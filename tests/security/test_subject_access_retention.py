"""Subject access exports and the retention job."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.curriculum.helpers import rate
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.assessment.models import Judgement, JudgementHistory
from trackwell.core.models import AcademicYear
from trackwell.pupils.models import Enrolment, Pupil, SchoolClass, SenStatus
from trackwell.security.models import SecurityPolicy
from trackwell.security.retention import due_for


def test_the_export_holds_everything_about_the_pupil(world: World, client_for) -> None:
    pupil = world.pupils_a[0]
    pupil.sen_status = SenStatus.SUPPORT
    pupil.save()
    rate(world, pupil, world.objectives[0], "2", "Counts on confidently to 100")
    other = world.pupils_a[1]
    rate(world, other, world.objectives[0], "3", "Someone else's note")
    client = client_for(world.users["senco"])
    page = client.get(reverse("security:subject-access-pupil", args=[pupil.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert pupil.full_name in body and "Counts on confidently to 100" in body
    assert "SEN support" in body and "Someone else" not in body
    download = client.get(
        reverse("security:subject-access-pupil", args=[pupil.pk]), {"format": "json"}
    )
    data = json.loads(download.content)
    keys = {s["key"] for s in data["sections"]}
    assert {"pupils.Pupil", "assessment.Judgement", "assessment.JudgementHistory"} <= keys
    assert {"pupils.Enrolment"} <= keys
    history = next(s for s in data["sections"] if s["key"] == "assessment.JudgementHistory")
    assert [r["new_note"] for r in history["rows"]] == ["Counts on confidently to 100"]
    assert "attachment" in download["Content-Disposition"]
    logged = AuditEntry.objects.filter(action="privacy.subject_access_export")
    assert logged.count() == 2 and {e.user for e in logged} == {world.users["senco"]}


def test_a_teacher_cannot_export_and_another_school_is_404(
    world: World, other_world: World, client_for
) -> None:
    url = reverse("security:subject-access-pupil", args=[world.pupils_a[0].pk])
    assert client_for(world.users["teacher"]).get(url).status_code == 403
    assert client_for(other_world.users["admin"]).get(url).status_code == 404


def _leaver(world: World, dob: dt.date, note: str | None = None) -> Pupil:
    """A pupil whose last class was in 2010/11 (they are in no class now)."""
    old_year = AcademicYear.objects.create(
        school=world.school,
        name="2010/11",
        start_date=dt.date(2010, 9, 1),
        end_date=dt.date(2011, 7, 20),
    )
    old_class = SchoolClass.objects.get_or_create(
        school=world.school, year=old_year, name="6 Old", nc_year=6
    )[0]
    pupil = world.pupils_a[-1]
    rate(world, pupil, world.objectives[0], "2", note)  # while still in class A
    Enrolment.objects.filter(pupil=pupil).update(school_class=old_class)
    Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=dob, looked_after=True)
    pupil.refresh_from_db()
    return pupil


def test_retention_keeps_until_the_later_limit_then_anonymises(world: World) -> None:
    pupil = _leaver(world, dob=dt.date(2000, 3, 1), note="Needs the number line")
    # Left July 2011: six years is July 2017, the 25th birthday March 2025, the later.
    assert due_for(world.school, dt.date(2025, 3, 1)) == []
    assert [d.pupil_id for d in due_for(world.school, dt.date(2025, 3, 2))] == [pupil.pk]
    assert world.pupils_a[0].pk not in [
        d.pupil_id for d in due_for(world.school, dt.date(2090, 1, 1))
    ]

    call_command("apply_retention", "--dry-run", "--today", "2025-06-01")
    pupil.refresh_from_db()
    assert (
        pupil.first_name != "Former"
        and not AuditEntry.objects.filter(action__startswith="privacy.retention").exists()
    )

    call_command("apply_retention", "--today", "2025-06-01")
    pupil.refresh_from_db()
    assert (pupil.first_name, pupil.upn, pupil.looked_after) == (
        "Former",
        f"ANON-{pupil.pk}",
        False,
    )
    assert pupil.date_of_birth == dt.date(2000, 1, 1)
    judgement = Judgement.objects.get(pupil=pupil)  # the figures stay
    assert judgement.note == ""
    assert JudgementHistory.objects.filter(judgement=judgement, new_note="").exists()
    assert not JudgementHistory.objects.filter(new_note__contains="number line").exists()
    entry = AuditEntry.objects.get(action="privacy.retention_anonymise")
    assert entry.new == {"pupil": pupil.pk, "left_on": "2011-07-20", "kept_until": "2025-03-01"}
    assert due_for(world.school, dt.date(2030, 1, 1)) == []  # done once


def test_retention_can_erase_instead(world: World) -> None:
    SecurityPolicy.objects.create(
        school=world.school, retention_action="erase", retention_years_after_leaving=6
    )
    pupil = _leaver(world, dob=dt.date(1990, 1, 1))
    call_command("apply_retention", "--today", "2018-01-01")
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert not JudgementHistory.objects.filter(judgement__pupil_id=pupil.pk).exists()
    assert AuditEntry.objects.filter(action="privacy.retention_erase").count() == 1


def test_the_command_refuses_bad_dates() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("apply_retention", "--today", "tomorrow")
